//! Cancelling a task deep in a call chain: the `Cancelled` error is thrown
//! into the innermost frame and the whole stack unwinds frame by frame,
//! innermost first, each frame's cleanup running in order; the joiner gets
//! `Cancelled`; nothing is reported; no recursion however deep.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, Error, Scheduler, capture_reports};

type Log = Rc<RefCell<Vec<u64>>>;

/// A chain `n` deep parked at the bottom; every level logs its depth when the
/// error passes through it (its cleanup), then passes the error on.
fn level(log: Log, n: u64) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let result = if n == 0 {
            co.sleep(Duration::from_secs(3600)).await
        } else {
            co.call(level(log.clone(), n - 1)).await
        };
        log.borrow_mut().push(n);
        result
    })
    .with_arg(n)
}

/// Spawns `victim`, lets it park, cancels it, and returns what join gave.
fn cancel_after_parking(victim: Coroutine<()>) -> Coroutine<Result<(), Error>> {
    Coroutine::new(move |co| async move {
        let task = co.spawn(victim).await?;
        co.sleep(Duration::from_secs(1)).await?;
        assert!(task.cancel(), "the task is still running");
        Ok(co.join(task).await)
    })
}

fn run(depth: u64) -> (Vec<u64>, Result<(), Error>, Vec<String>) {
    let log = Log::default();
    let main = cancel_after_parking(level(log.clone(), depth));
    let (joined, reports) = capture_reports(|| {
        let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
        scheduler.run_until_complete(main).unwrap()
    });
    let log = log.take();
    (log, joined, reports)
}

#[test]
fn a_thousand_deep_chain_unwinds_innermost_first_and_the_joiner_gets_cancelled() {
    let (log, joined, reports) = run(1000);
    assert_eq!(
        log,
        (0..=1000).collect::<Vec<_>>(),
        "every level cleaned up, in order"
    );
    let error = joined.unwrap_err();
    assert!(error.is_cancelled(), "{error}");
    assert!(
        error.trace_line().starts_with("level(0) ← level(1) ←"),
        "{}",
        error.trace_line()
    );
    assert!(
        error.trace_line().ends_with("← level(1000)"),
        "{}",
        error.trace_line()
    );
    assert_eq!(
        reports,
        Vec::<String>::new(),
        "a cancel is not a failure to report"
    );
}

#[test]
fn a_million_deep_chain_is_cancelled_without_recursion() {
    let (log, joined, _) = run(1_000_000);
    assert_eq!(log.len(), 1_000_001);
    assert_eq!(log.first(), Some(&0));
    assert_eq!(log.last(), Some(&1_000_000));
    assert!(joined.unwrap_err().is_cancelled());
}

#[test]
fn a_detached_task_cancelled_deep_is_not_reported() {
    let log = Log::default();
    let main = {
        let log = log.clone();
        Coroutine::new(move |co| async move {
            let task = co.spawn(level(log, 50)).await?;
            co.sleep(Duration::from_secs(1)).await?;
            task.cancel();
            drop(task);
            co.sleep(Duration::from_secs(1)).await
        })
    };
    let ((), reports) = capture_reports(|| {
        let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
        scheduler.run_until_complete(main).unwrap()
    });
    assert_eq!(log.borrow().len(), 51);
    assert_eq!(reports, Vec::<String>::new());
}
