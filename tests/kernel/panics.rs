//! A task that panics is isolated: its stack is dropped, the panic becomes its
//! error, and the other tasks keep running.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, ErrorKind, Scheduler};

fn inner() -> Coroutine<u64> {
    Coroutine::new(|_co| async { panic!("kaboom") })
}

fn outer() -> Coroutine<u64> {
    Coroutine::new(|co| async move { co.call(inner()).await })
}

#[test]
fn a_panic_fails_the_task_and_its_joiner_sees_it() {
    let main = Coroutine::new(|co| async move {
        let task = co.spawn(outer()).await?;
        let err = co.join(task).await.unwrap_err();
        Ok((
            matches!(err.kind(), ErrorKind::Panicked(m) if m == "kaboom"),
            err.trace_line(),
        ))
    });
    let (panicked, trace) = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    assert!(panicked);
    assert_eq!(trace, "inner ← outer");
}

#[test]
fn the_other_tasks_go_on_after_a_panic() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let main = {
        let log = log.clone();
        Coroutine::new(move |co| async move {
            let ticker = {
                let log = log.clone();
                Coroutine::<()>::new(move |co| async move {
                    for i in 0..3 {
                        co.sleep(Duration::from_secs(1)).await?;
                        log.borrow_mut().push(format!("tick {i}"));
                    }
                    Ok(())
                })
            };
            let ticker = co.spawn(ticker).await?;
            let doomed = co.spawn(outer()).await?;
            let err = co.join(doomed).await.unwrap_err();
            log.borrow_mut().push(format!("doomed: {err}"));
            co.join(ticker).await
        })
    };
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    scheduler.run_until_complete(main).unwrap();
    assert_eq!(
        *log.borrow(),
        ["doomed: panicked: kaboom", "tick 0", "tick 1", "tick 2"]
    );
}

#[test]
fn a_panicking_main_is_a_failed_run() {
    let err = Scheduler::new()
        .unwrap()
        .run_until_complete(outer())
        .unwrap_err();
    assert_eq!(err.to_string(), "the main coroutine failed");
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert_eq!(source, "panicked: kaboom");
}
