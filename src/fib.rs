//! The crate's running example, written once for the demo, the examples,
//! the tests and the benchmarks: the seed's `fib_coroutine.py`.

use crate::kernel::Coroutine;

/// fib(n) as recursive sub-coroutines, like `a = yield fib(n - 1)` in the
/// seed's Python: every call goes through the trampoline, so the loop keeps
/// its rhythm while it computes. fib(n) makes 2·F(n+1) − 1 coroutines, each
/// labelled `fib(n)` for traces and `ps`.
///
/// ```
/// use trampoline::{Scheduler, fib};
/// assert_eq!(Scheduler::new().unwrap().run_until_complete(fib(20)).unwrap(), 6765);
/// ```
pub fn fib(n: u64) -> Coroutine<u64> {
    Coroutine::new(move |co| async move {
        if n <= 1 {
            return Ok(n);
        }
        let a = co.call(fib(n - 1)).await?;
        let b = co.call(fib(n - 2)).await?;
        Ok(a + b)
    })
    .with_arg(n)
}
