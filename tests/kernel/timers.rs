//! Sleeps: deadlines in order, FIFO on equal deadlines, `Sleep(0)` yields,
//! huge durations do not overflow. Under the virtual clock, so exact.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, Scheduler};

type Log = Rc<RefCell<Vec<String>>>;

fn sleeper(log: Log, name: &'static str, millis: u64) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        co.sleep(Duration::from_millis(millis)).await?;
        let at = co.now().await?.as_millis();
        log.borrow_mut().push(format!("{name}@{at}"));
        Ok(())
    })
}

fn run_all(tasks: Vec<Coroutine<()>>) {
    let main = Coroutine::new(move |co| async move {
        let mut handles = Vec::new();
        for task in tasks {
            handles.push(co.spawn(task).await?);
        }
        for handle in handles {
            co.join(handle).await?;
        }
        Ok(())
    });
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    scheduler.run_until_complete(main).unwrap();
}

#[test]
fn sleepers_wake_by_deadline_and_in_fifo_order_on_ties() {
    let log = Log::default();
    run_all(vec![
        sleeper(log.clone(), "c", 30),
        sleeper(log.clone(), "a", 10),
        sleeper(log.clone(), "tie1", 20),
        sleeper(log.clone(), "tie2", 20),
        sleeper(log.clone(), "tie3", 20),
        sleeper(log.clone(), "b", 15),
    ]);
    assert_eq!(
        *log.borrow(),
        ["a@10", "b@15", "tie1@20", "tie2@20", "tie3@20", "c@30"]
    );
}

#[test]
fn sleep_zero_lets_the_other_ready_tasks_run_first() {
    let log = Log::default();
    let counter = |name: &'static str, log: Log| {
        Coroutine::new(move |co| async move {
            for i in 0..3 {
                log.borrow_mut().push(format!("{name}{i}"));
                co.sleep(Duration::ZERO).await?;
            }
            Ok(())
        })
    };
    run_all(vec![counter("x", log.clone()), counter("y", log.clone())]);
    assert_eq!(*log.borrow(), ["x0", "y0", "x1", "y1", "x2", "y2"]);
}

#[test]
fn the_virtual_clock_jumps_over_long_sleeps_at_once() {
    let log = Log::default();
    let started = std::time::Instant::now();
    run_all(vec![sleeper(log.clone(), "day", 86_400_000)]);
    assert_eq!(*log.borrow(), ["day@86400000"]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a virtual day took real time"
    );
}

#[test]
fn a_huge_sleep_does_not_overflow_and_others_go_on() {
    let log = Log::default();
    let forever = Coroutine::new(|co| async move {
        co.sleep(Duration::MAX).await?;
        Ok(())
    });
    let main = {
        let log = log.clone();
        Coroutine::new(move |co| async move {
            let _sleeping_forever = co.spawn(forever).await?;
            co.call(sleeper(log, "short", 5)).await
        })
    };
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    scheduler.run_until_complete(main).unwrap();
    assert_eq!(*log.borrow(), ["short@5"]);
}

#[test]
fn real_sleeps_take_about_their_time() {
    let nap = Coroutine::new(|co| async move {
        let before = co.now().await?;
        co.sleep(Duration::from_millis(20)).await?;
        Ok(co.now().await? - before)
    });
    let slept = Scheduler::new().unwrap().run_until_complete(nap).unwrap();
    // Never early; the upper bound is generous for a loaded machine.
    assert!(slept >= Duration::from_millis(20), "{slept:?}");
    assert!(slept < Duration::from_secs(5), "{slept:?}");
}
