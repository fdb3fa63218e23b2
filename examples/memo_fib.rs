//! The seed's memoised async fib (article 001): a `memo` wrapper caches
//! `fibn(n)` results and says whether it found or calculated each one;
//! `gather(fibn(4), fibn(4), fibn(4))` runs three tasks and prints
//! `[3, 3, 3]`. The first task fills the cache; the other two find `4` in it.
//!
//! ```text
//! cargo run --example memo_fib
//! ```

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use trampoline::{Coroutine, RunError, Scheduler, gather};

type Cache = Rc<RefCell<HashMap<u64, u64>>>;

/// The `memo` decorator's `wrap(n)`: the cache, or the wrapped coroutine.
fn fibn(cache: Cache, n: u64) -> Coroutine<u64> {
    Coroutine::new(move |co| async move {
        let cached = cache.borrow().get(&n).copied();
        if let Some(value) = cached {
            println!("found {n} in cache");
            return Ok(value);
        }
        let value = co.call(fib_body(cache.clone(), n)).await?;
        println!("calculated {n}");
        cache.borrow_mut().insert(n, value);
        Ok(value)
    })
    .with_arg(n)
}

/// The decorated `fibn`: recursion through the memoised wrapper.
fn fib_body(cache: Cache, n: u64) -> Coroutine<u64> {
    Coroutine::new(move |co| async move {
        if n <= 1 {
            return Ok(n);
        }
        let a = co.call(fibn(cache.clone(), n - 2)).await?;
        let b = co.call(fibn(cache, n - 1)).await?;
        Ok(a + b)
    })
    .with_arg(n)
}

fn main() -> Result<(), RunError> {
    let cache = Cache::default();
    let all = gather((0..3).map(|_| fibn(cache.clone(), 4)).collect());
    let c = Scheduler::new()?.run_until_complete(all)?;
    println!("{c:?}");
    Ok(())
}
