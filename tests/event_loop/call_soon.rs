//! `call_soon` callbacks run in FIFO order, at the start of the next tick,
//! before the ready tasks; a callback queued by a callback waits for the
//! following tick.

use std::cell::RefCell;
use std::rc::Rc;

use trampoline::{Coroutine, Scheduler};

type Log = Rc<RefCell<Vec<String>>>;

fn push(log: &Log, line: &str) {
    log.borrow_mut().push(line.to_string());
}

#[test]
fn callbacks_run_first_in_first_out_and_stop_ends_run_forever() {
    let log = Log::default();
    let mut scheduler = Scheduler::new().unwrap();
    let handle = scheduler.handle();
    for word in ["Hello world!", "second", "third"] {
        let l = log.clone();
        handle.call_soon(move || push(&l, word));
    }
    let (l, h) = (log.clone(), handle.clone());
    handle.call_soon(move || {
        push(&l, "Stopping loop.");
        h.stop();
    });
    scheduler.run_forever().unwrap();
    assert_eq!(
        *log.borrow(),
        ["Hello world!", "second", "third", "Stopping loop."]
    );
}

#[test]
fn queued_callbacks_run_before_ready_tasks_and_requeued_ones_wait_a_tick() {
    let log = Log::default();
    let mut scheduler = Scheduler::new().unwrap();
    let handle = scheduler.handle();
    let l = log.clone();
    scheduler.spawn(Coroutine::new(move |co| async move {
        push(&l, "task turn 1");
        co.sleep(std::time::Duration::ZERO).await?;
        push(&l, "task turn 2");
        Ok(())
    }));
    let (l, h) = (log.clone(), handle.clone());
    handle.call_soon(move || {
        push(&l, "callback");
        let l2 = l.clone();
        h.call_soon(move || push(&l2, "requeued callback"));
    });
    let main =
        Coroutine::new(|co| async move { co.sleep(std::time::Duration::from_millis(1)).await });
    scheduler.run_until_complete(main).unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "callback",
            "task turn 1",
            "requeued callback",
            "task turn 2"
        ]
    );
}

#[test]
fn a_coroutine_can_queue_callbacks_through_its_loop_handle() {
    let log = Log::default();
    let l = log.clone();
    let main = Coroutine::new(move |co| async move {
        let handle = co.loop_handle().await?;
        let l2 = l.clone();
        handle.call_soon(move || push(&l2, "from a coroutine"));
        co.sleep(std::time::Duration::ZERO).await?;
        co.sleep(std::time::Duration::ZERO).await
    });
    Scheduler::new().unwrap().run_until_complete(main).unwrap();
    assert_eq!(*log.borrow(), ["from a coroutine"]);
}
