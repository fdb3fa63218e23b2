//! Done callbacks run when a task finishes, in the order added, before a
//! joiner resumes; extra arguments are captured; a callback added after the
//! task finished runs at the next tick; a panicking callback does not stop
//! the others.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, JoinHandle, Scheduler};

type Log = Rc<RefCell<Vec<String>>>;

fn make_tea(log: Log, variety: &'static str) -> Coroutine<String> {
    Coroutine::new(move |_co| async move {
        log.borrow_mut().push(format!("Now making {variety} tea."));
        Ok(format!("{variety} tea"))
    })
}

fn add_ingredient(log: &Log, ingredient: &str, task: &JoinHandle<String>) {
    log.borrow_mut().push(format!(
        "Now adding {ingredient} to the {}.",
        task.result().unwrap()
    ));
}

#[test]
fn callbacks_run_in_order_with_their_arguments_before_the_joiner_resumes() {
    let log = Log::default();
    let mut scheduler = Scheduler::new().unwrap();
    let task = scheduler.spawn(make_tea(log.clone(), "herbal"));
    let l = log.clone();
    task.add_done_callback(move |t| {
        l.borrow_mut()
            .push(format!("The {} is made.", t.result().unwrap()))
    });
    let l = log.clone();
    task.add_done_callback(move |t| add_ingredient(&l, "honey", t));
    let l = log.clone();
    let main = Coroutine::new(move |co| async move {
        let tea = co.join(task).await?;
        l.borrow_mut().push(format!("joined: {tea}"));
        Ok(tea)
    });
    assert_eq!(scheduler.run_until_complete(main).unwrap(), "herbal tea");
    assert_eq!(
        *log.borrow(),
        [
            "Now making herbal tea.",
            "The herbal tea is made.",
            "Now adding honey to the herbal tea.",
            "joined: herbal tea"
        ]
    );
}

#[test]
fn a_callback_added_after_the_end_runs_at_the_next_tick() {
    let log = Log::default();
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    let task = scheduler.spawn(make_tea(log.clone(), "green"));
    scheduler
        .run_until_complete(Coroutine::new(|co| async move {
            co.sleep(Duration::from_secs(1)).await
        }))
        .unwrap();
    let l = log.clone();
    task.add_done_callback(move |t| {
        l.borrow_mut()
            .push(format!("late: {}", t.result().unwrap()))
    });
    assert_eq!(log.borrow().len(), 1, "not run at once");
    scheduler
        .run_until_complete(Coroutine::new(|_co| async { Ok(()) }))
        .unwrap();
    assert_eq!(log.borrow()[1], "late: green tea");
}

#[test]
fn a_panicking_callback_is_reported_and_the_next_one_still_runs() {
    let log = Log::default();
    let mut scheduler = Scheduler::new().unwrap();
    let task = scheduler.spawn(make_tea(log.clone(), "black"));
    task.add_done_callback(|_| panic!("spilled"));
    let l = log.clone();
    task.add_done_callback(move |_| l.borrow_mut().push("second callback".into()));
    scheduler
        .run_until_complete(Coroutine::new(move |co| async move { co.join(task).await }))
        .unwrap();
    assert_eq!(log.borrow().last().unwrap(), "second callback");
}

#[test]
fn a_failed_task_reaches_its_callbacks_with_its_error() {
    let seen = Rc::new(RefCell::new(String::new()));
    let mut scheduler = Scheduler::new().unwrap();
    let task = scheduler.spawn(Coroutine::<u8>::new(|_co| async {
        Err("no kettle".into())
    }));
    let s = seen.clone();
    task.add_done_callback(move |t| *s.borrow_mut() = t.error().unwrap().to_string());
    scheduler
        .run_until_complete(Coroutine::new(|_co| async { Ok(()) }))
        .unwrap();
    assert_eq!(*seen.borrow(), "no kettle");
}
