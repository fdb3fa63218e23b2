//! What watching the loop costs: fib(30) through the trampoline (2 692 537
//! coroutines) with no observer, then with each of the crate's observers,
//! in nanoseconds per coroutine (best of 9 runs each). design.md quotes it.
//!
//! ```text
//! cargo run --release --example observer_cost
//! cargo run --release --example observer_cost -- none progress   # just these
//! ```
//!
//! The cost of the hook itself (no observer attached, against a build where
//! `Observers::active` and `Observers::times_steps` return `false`) needs
//! that edit and a second build: run `-- none` on both.

use std::time::{Duration, Instant};

#[path = "support/measure.rs"]
mod measure;

use trampoline::Scheduler;
use trampoline::observe::{ChromeTrace, Progress, Stats, Trace};

/// As in the demo: every coroutine is a small allocation.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The number of coroutines fib(30) runs: 2·F(31) − 1.
const COROUTINES: f64 = 2.0 * 1_346_269.0 - 1.0;

/// One run of fib(30) with the observer `mode` names.
fn run(mode: &str) -> Result<Duration, String> {
    let mut scheduler = Scheduler::new().map_err(|e| e.to_string())?;
    match mode {
        "none" => {}
        "progress" => scheduler.observe(Progress::new(std::io::sink())),
        "trace" => scheduler.observe(Trace::new(std::io::sink()).max_depth(8)),
        "json" => scheduler.observe(ChromeTrace::new(std::io::sink())),
        "json-steps" => scheduler
            .observe(ChromeTrace::new(std::io::sink()).mark_steps_over(Duration::from_millis(20))),
        "stats" => scheduler.observe(Stats::new().quiet()),
        other => return Err(format!("unknown observer {other:?}")),
    }
    let started = Instant::now();
    let value = scheduler
        .run_until_complete(trampoline::fib(30))
        .map_err(|e| e.to_string())?;
    assert_eq!(value, 832_040);
    Ok(started.elapsed())
}

fn main() -> Result<(), String> {
    let mut modes: Vec<String> = std::env::args().skip(1).collect();
    if modes.is_empty() {
        modes = ["none", "progress", "trace", "json", "json-steps", "stats"]
            .map(String::from)
            .to_vec();
    }
    for mode in &modes {
        let mut best = Duration::MAX;
        for _ in 0..9 {
            best = best.min(run(mode)?);
        }
        let ns = best.as_nanos() as f64 / COROUTINES;
        println!("{mode:>10}: {ns:6.1} ns per coroutine");
    }
    Ok(())
}
