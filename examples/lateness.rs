//! How late do timers fire while a task computes flat out? A ticker sleeps
//! 1 ms over and over and records how late each wake-up is, while another
//! task computes fib(N) through the trampoline (the seed's point: the hello
//! timer keeps its rhythm while fib runs). Prints the percentiles.
//!
//! ```text
//! cargo run --release --example lateness -- 32
//! ```

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Coroutine, Scheduler};

#[path = "support/measure.rs"]
mod measure;

/// The demo binary's allocator, so the figures are the demo's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Sleeps 1 ms at a time until `done`, and returns how late each wake-up was.
fn ticker(done: Rc<Cell<bool>>) -> Coroutine<Vec<Duration>> {
    Coroutine::new(move |co| async move {
        let period = Duration::from_millis(1);
        let mut lateness = Vec::new();
        while !done.get() {
            let due = co.now().await? + period;
            co.sleep(period).await?;
            lateness.push(co.now().await?.saturating_sub(due));
        }
        Ok(lateness)
    })
}

fn main() {
    let n = measure::count_arg(32);
    let done = Rc::new(Cell::new(false));
    let main = Coroutine::new(move |co| async move {
        let ticks = co.spawn(ticker(done.clone())).await?;
        let start = co.now().await?;
        let value = co.call(trampoline::fib(n)).await?;
        let computing = co.now().await? - start;
        done.set(true);
        Ok((value, computing, co.join(ticks).await?))
    });
    let mut scheduler = Scheduler::new().expect("a scheduler starts");
    let (value, computing, mut lateness) = scheduler.run_until_complete(main).expect("it runs");
    lateness.sort();
    let at = |q: f64| lateness[((lateness.len() - 1) as f64 * q).round() as usize];
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    measure::say(&format!(
        "fib({n}) = {value} in {:.3} s; {} ticks of 1 ms meanwhile",
        computing.as_secs_f64(),
        lateness.len()
    ));
    measure::say(&format!(
        "timer lateness: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        us(at(0.5)),
        us(at(0.99)),
        us(at(1.0))
    ));
}
