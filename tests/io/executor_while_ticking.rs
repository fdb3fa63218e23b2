//! A blocking closure on the executor does not stop the loop: a timer task
//! keeps ticking while the job blocks, and the job's value comes back to the
//! task that asked for it.
//!
//! No timing guesses: the job blocks until the ticker has ticked three times
//! (a channel from the ticker unblocks it), so the result *cannot* arrive
//! unless the loop kept running while the job was blocked. The ticker sleeps
//! on the virtual clock, so its sleeps cost no real time.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, ErrorKind, Scheduler};

#[test]
fn the_result_arrives_while_a_timer_keeps_ticking() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let (release, released) = mpsc::channel::<()>();
    let ticker = {
        let log = log.clone();
        Coroutine::new(move |co| async move {
            for tick in 1..=3 {
                co.sleep(Duration::from_secs(1)).await?;
                log.borrow_mut().push(format!("tick {tick}"));
            }
            release.send(()).expect("the job waits for this");
            Ok(())
        })
    };
    let main = {
        let log = log.clone();
        Coroutine::new(move |co| async move {
            let ticker = co.spawn(ticker).await?;
            let value = co
                .run_in_executor(move || {
                    released
                        .recv_timeout(Duration::from_secs(10))
                        .expect("the ticker ticks while this blocks");
                    "written"
                })
                .await?;
            log.borrow_mut().push(format!("job {value}"));
            co.join(ticker).await
        })
    };
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    scheduler.run_until_complete(main).unwrap();
    assert_eq!(*log.borrow(), ["tick 1", "tick 2", "tick 3", "job written"]);
}

#[test]
fn several_jobs_run_at_once_on_the_pool() {
    // Two jobs that each wait for the other: they only finish if they run on
    // two threads at the same time.
    let (a_tx, a_rx) = mpsc::channel::<()>();
    let (b_tx, b_rx) = mpsc::channel::<()>();
    let main = Coroutine::new(move |co| async move {
        let first = co
            .spawn(Coroutine::new(move |co| async move {
                co.run_in_executor(move || {
                    a_tx.send(()).unwrap();
                    b_rx.recv_timeout(Duration::from_secs(10)).is_ok()
                })
                .await
            }))
            .await?;
        let second = co
            .run_in_executor(move || {
                b_tx.send(()).unwrap();
                a_rx.recv_timeout(Duration::from_secs(10)).is_ok()
            })
            .await?;
        Ok((co.join(first).await?, second))
    });
    let got = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    assert_eq!(got, (true, true));
}

#[test]
fn a_panicking_job_is_an_error_at_the_call_site() {
    let main = Coroutine::new(|co| async move {
        let failed = co
            .run_in_executor(|| -> u64 { panic!("disk on fire") })
            .await
            .unwrap_err();
        // The pool survives the panic and runs the next job.
        let next = co.run_in_executor(|| 7u64).await?;
        Ok((failed, next))
    });
    let (failed, next) = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    assert!(matches!(failed.kind(), ErrorKind::Panicked(m) if m == "disk on fire"));
    assert_eq!(next, 7);
}
