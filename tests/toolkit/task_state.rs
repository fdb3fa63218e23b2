//! A task's state can be inspected without waiting: done, result (or "not
//! ready"), error, cancelled, and asyncio's printed form.

use std::time::Duration;

use trampoline::{Clock, Coroutine, Error, ErrorKind, Scheduler};

fn idle(scheduler: &mut Scheduler, secs: u64) {
    let nap = Coroutine::new(move |co| async move { co.sleep(Duration::from_secs(secs)).await });
    scheduler.run_until_complete(nap).unwrap();
}

#[test]
fn done_result_and_error_are_readable_without_waiting_and_more_than_once() {
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    let tea = scheduler.spawn(
        Coroutine::new(|co| async move {
            co.sleep(Duration::from_secs(2)).await?;
            Ok("green tea".to_string())
        })
        .named("make_tea"),
    );
    let bad = scheduler
        .spawn(Coroutine::<u8>::new(|_co| async { Err(Error::msg("no water")) }).named("boil"));
    assert!(!tea.is_finished());
    assert!(matches!(
        tea.result().unwrap_err().kind(),
        ErrorKind::NotReady
    ));
    assert_eq!(tea.to_string(), "Task(<make_tea>)<PENDING>");
    idle(&mut scheduler, 1);
    assert!(bad.is_finished() && !tea.is_finished());
    assert_eq!(bad.error().unwrap().to_string(), "no water");
    assert_eq!(bad.result().unwrap_err().to_string(), "no water");
    assert_eq!(bad.to_string(), "Task(<boil>)<exception=no water>");
    idle(&mut scheduler, 2);
    assert_eq!(tea.result().unwrap(), "green tea");
    assert_eq!(tea.result().unwrap(), "green tea");
    assert!(tea.error().is_none());
    assert_eq!(tea.to_string(), "Task(<make_tea>)<result=\"green tea\">");
    assert!(!tea.is_cancelled());
}

#[test]
fn a_cancelled_task_says_so() {
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    let task = scheduler.spawn(Coroutine::new(|co| async move {
        co.sleep(Duration::from_secs(5)).await
    }));
    idle(&mut scheduler, 1);
    task.cancel();
    idle(&mut scheduler, 1);
    assert!(task.is_finished());
    assert!(task.is_cancelled());
    assert!(task.result().unwrap_err().is_cancelled());
}

#[test]
fn a_done_callback_sees_the_result_before_join_takes_it() {
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    let task = scheduler.spawn(Coroutine::new(|_co| async { Ok(3u8) }));
    let id = task.id();
    let (got, view) = {
        // Keep a view through a done callback to look after the join.
        let seen = std::rc::Rc::new(std::cell::Cell::new(0u8));
        let s = seen.clone();
        task.add_done_callback(move |t| s.set(t.result().unwrap()));
        let main = Coroutine::new(move |co| async move { co.join(task).await });
        (scheduler.run_until_complete(main).unwrap(), seen.get())
    };
    assert_eq!((got, view), (3, 3));
    assert_eq!(id.get(), 1);
}
