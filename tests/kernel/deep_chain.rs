//! No recursion on the native stack: a chain of a million nested calls runs,
//! fails and is dropped without overflowing.

use trampoline::{Coroutine, Error, RunError, Scheduler};

/// Calls itself `n` deep; the bottom returns 0 or fails.
fn chain(n: u64, fail_at_bottom: bool) -> Coroutine<u64> {
    Coroutine::new(move |co| async move {
        if n == 0 {
            return if fail_at_bottom {
                Err(Error::msg("bottom"))
            } else {
                Ok(0)
            };
        }
        Ok(co.call(chain(n - 1, fail_at_bottom)).await? + 1)
    })
    .with_arg(n)
}

const DEPTH: u64 = 1_000_000;

#[test]
fn a_million_nested_calls_return() {
    let got = Scheduler::new()
        .unwrap()
        .run_until_complete(chain(DEPTH, false))
        .unwrap();
    assert_eq!(got, DEPTH);
}

#[test]
fn an_error_at_the_bottom_of_a_million_calls_reaches_the_top() {
    let err = Scheduler::new()
        .unwrap()
        .run_until_complete(chain(DEPTH, true))
        .unwrap_err();
    let RunError::Failed(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.to_string(), "bottom");
    let trace = e.trace_line();
    assert!(trace.starts_with("chain(0) ← chain(1) ←"), "{trace}");
    assert!(trace.ends_with(&format!("← chain({DEPTH})")), "{trace}");
}

#[test]
fn a_million_deep_stack_is_dropped_when_its_scheduler_is() {
    // main returns while the chain is parked a million frames deep at the bottom.
    fn parked(n: u64) -> Coroutine<()> {
        Coroutine::new(move |co| async move {
            if n == 0 {
                return co.sleep(std::time::Duration::MAX).await;
            }
            co.call(parked(n - 1)).await
        })
    }
    let main = Coroutine::new(|co| async move {
        let _deep = co.spawn(parked(DEPTH)).await?;
        co.sleep(std::time::Duration::from_millis(1)).await
    });
    let mut scheduler = Scheduler::with_clock(trampoline::Clock::virtual_at_zero()).unwrap();
    scheduler.run_until_complete(main).unwrap();
    drop(scheduler);
}
