//! Failure reports: the lines a user reads on stderr when a task error has
//! nobody left to take it ("task 3 failed: ...", "error never retrieved").
//!
//! They go to stderr, except inside [`capture_reports`], which collects them
//! instead, so a test can check that every lost error is reported exactly
//! once. A thread-local sink is enough: the scheduler is single-threaded, and
//! a test's scheduler runs on the test's thread.

use std::cell::RefCell;
use std::io::Write;

use super::error::Error;

thread_local! {
    /// Where reports go while [`capture_reports`] runs on this thread.
    static SINK: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Runs `f` and returns what it returned with the failure reports it made,
/// in order, instead of writing them on stderr. Captures nest: an inner
/// capture takes its own reports and hands the outer one nothing.
///
/// ```
/// use trampoline::{Coroutine, Error, Scheduler, capture_reports};
///
/// let main = Coroutine::new(|co| async move {
///     // Spawned and never joined: the failure has nobody to go to.
///     co.spawn(Coroutine::<()>::new(|_co| async { Err(Error::msg("lost")) })).await?;
///     co.sleep(std::time::Duration::ZERO).await
/// });
/// let (run, reports) = capture_reports(|| Scheduler::new().unwrap().run_until_complete(main));
/// run.unwrap();
/// assert_eq!(reports.len(), 1);
/// assert!(reports[0].starts_with("task 2 failed: lost"), "{reports:?}");
/// ```
pub fn capture_reports<R>(f: impl FnOnce() -> R) -> (R, Vec<String>) {
    let outer = Restore(SINK.with(|sink| sink.borrow_mut().replace(Vec::new())));
    let result = f();
    let captured = SINK.with(|sink| sink.borrow_mut().take());
    drop(outer);
    (
        result,
        captured.expect("BUG: only this capture takes its sink back"),
    )
}

/// Puts the outer sink back when the capture ends, also when `f` panics
/// (else this thread's later reports would vanish into a dead capture).
struct Restore(Option<Vec<String>>);

impl Drop for Restore {
    fn drop(&mut self) {
        SINK.with(|sink| *sink.borrow_mut() = self.0.take());
    }
}

/// Writes one line for the user, a task failure nobody else will see: into
/// the capture if one runs, else on stderr. A closed stderr is ignored;
/// there is nowhere left to report to.
pub(crate) fn report(line: &str) {
    let captured = SINK.with(|sink| match &mut *sink.borrow_mut() {
        Some(lines) => {
            lines.push(line.to_string());
            true
        }
        None => false,
    });
    if !captured {
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}

/// An error with the frames it was thrown through: `boom (in fib(3) ← fib(5))`.
pub(crate) fn describe(error: &Error) -> String {
    let trace = error.trace_line();
    if trace.is_empty() {
        error.to_string()
    } else {
        format!("{error} (in {trace})")
    }
}

/// What a panic said: its `&str` or `String` payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload.downcast_ref::<&str>().copied();
    let text = text.or_else(|| payload.downcast_ref::<String>().map(String::as_str));
    text.unwrap_or("a non-string panic payload").to_string()
}
