//! An error thrown deep in a task travels up its stack, frame by frame, and
//! the failure shows the chain it went through: a transcript under the
//! virtual clock with scripted input, through the library API.

use std::cell::RefCell;
use std::rc::Rc;

use crate::support::SharedBuf;
use trampoline::observe::Trace;
use trampoline::{Coroutine, Error, Scheduler, Script};

type Log = Rc<RefCell<Vec<String>>>;

/// fib, except that fib(2) fails: the seed's "exception raised in A".
fn fib(n: u64) -> Coroutine<u64> {
    Coroutine::new(move |co| async move {
        match n {
            0 | 1 => Ok(n),
            2 => Err(Error::msg("Something went wrong in fib(2)!")),
            _ => Ok(co.call(fib(n - 1)).await? + co.call(fib(n - 2)).await?),
        }
    })
    .with_arg(n)
}

fn compute(n: u64) -> Coroutine<u64> {
    Coroutine::new(move |co| async move { co.call(fib(n)).await }).with_arg(n)
}

/// For every number read, a task computing it; its failure is printed with
/// the frames it went through.
fn main_task(log: Log) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        while let Some(line) = co.read_line().await? {
            let n: u64 = line.parse().map_err(|_| Error::msg("not a number"))?;
            let task = co.spawn(compute(n)).await?;
            let id = task.id();
            let at = co.now().await?.as_secs_f64();
            let line = match co.join(task).await {
                Ok(value) => format!("{at:.1} task {id}: fib({n}) = {value}"),
                Err(e) => format!("{at:.1} task {id} failed: {e} (in {})", e.trace_line()),
            };
            log.borrow_mut().push(line);
        }
        Ok(())
    })
}

#[test]
fn a_failure_carries_the_frames_it_was_thrown_through() {
    let log = Log::default();
    let trace = SharedBuf::default();
    let script = Script::new().line(1.0, "1").line(2.0, "4");
    let mut scheduler = Scheduler::scripted(script).unwrap();
    scheduler.observe(Trace::new(trace.clone()));
    scheduler
        .run_until_complete(main_task(log.clone()))
        .unwrap();
    drop(scheduler);
    insta::assert_snapshot!("failure_transcript", log.borrow().join("\n"));
    insta::assert_snapshot!("failure_trace", trace.text());
}
