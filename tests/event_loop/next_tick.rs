//! Next-tick callbacks (the seed's `do_on_next_tick`) run before any other
//! queued work: before `call_soon` callbacks, and before the next task turn
//! when a task queues one.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Coroutine, Scheduler};

type Log = Rc<RefCell<Vec<&'static str>>>;

#[test]
fn next_tick_callbacks_jump_the_queue() {
    let log = Log::default();
    let mut scheduler = Scheduler::new().unwrap();
    let handle = scheduler.handle();
    let l = log.clone();
    handle.call_soon(move || l.borrow_mut().push("soon"));
    let l = log.clone();
    handle.call_next_tick(move || l.borrow_mut().push("next tick"));
    let h = handle.clone();
    handle.call_soon(move || h.stop());
    scheduler.run_forever().unwrap();
    assert_eq!(*log.borrow(), ["next tick", "soon"]);
}

#[test]
fn a_task_queuing_a_next_tick_stop_ends_the_loop_before_the_other_task_runs_again() {
    let log = Log::default();
    let mut scheduler = Scheduler::new().unwrap();
    let (l, handle) = (log.clone(), scheduler.handle());
    // The seed's read_input: on "exit", do_on_next_tick(loop.stop).
    scheduler.spawn(Coroutine::new(move |co| async move {
        l.borrow_mut().push("exit typed");
        let l2 = l.clone();
        let h = handle.clone();
        handle.call_next_tick(move || {
            l2.borrow_mut().push("stopping");
            h.stop();
        });
        co.sleep(Duration::from_secs(60)).await
    }));
    let l = log.clone();
    scheduler.spawn(Coroutine::<()>::new(move |co| async move {
        loop {
            l.borrow_mut().push("hello");
            co.sleep(Duration::ZERO).await?;
        }
    }));
    scheduler.run_forever().unwrap();
    assert_eq!(*log.borrow(), ["exit typed", "stopping", "hello"]);
}
