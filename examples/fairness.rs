//! Fairness: two tasks computing fib(N) side by side, started together,
//! should finish together: the trampoline gives each ready task a turn of
//! the same size in round-robin. Prints both finishing times and the gap.
//!
//! ```text
//! cargo run --release --example fairness -- 27
//! ```

use std::time::Duration;

use trampoline::{Coroutine, Scheduler};

#[path = "support/measure.rs"]
mod measure;

/// The demo binary's allocator, so the figures are the demo's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Computes fib(n) and returns when it finished, by the loop's clock.
fn timed_fib(n: u64) -> Coroutine<Duration> {
    Coroutine::new(move |co| async move {
        co.call(trampoline::fib(n)).await?;
        co.now().await
    })
}

fn main() {
    let n = measure::count_arg(27);
    let main = Coroutine::new(move |co| async move {
        let start = co.now().await?;
        let first = co.spawn(timed_fib(n)).await?;
        let second = co.spawn(timed_fib(n)).await?;
        let a = co.join(first).await? - start;
        let b = co.join(second).await? - start;
        Ok((a, b))
    });
    let mut scheduler = Scheduler::new().expect("a scheduler starts");
    let (a, b) = scheduler.run_until_complete(main).expect("it runs");
    let gap = a.abs_diff(b).as_secs_f64() / a.max(b).as_secs_f64();
    measure::say(&format!(
        "two fib({n}) tasks finished at {:.1} ms and {:.1} ms: {:.2}% apart",
        a.as_secs_f64() * 1e3,
        b.as_secs_f64() * 1e3,
        gap * 100.0
    ));
}
