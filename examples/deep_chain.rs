//! Scale: one task, a chain of N nested calls (each coroutine calls the next
//! and adds one to its result), so N frames are suspended on the task's stack
//! at once. No native recursion: the stack is a `Vec` on the heap. Prints the
//! depth reached, the elapsed time and the memory per level (peak RSS over N).
//!
//! ```text
//! cargo run --release --example deep_chain -- 10000000
//! ```

use std::time::Instant;

use trampoline::{Coroutine, Scheduler};

#[path = "support/measure.rs"]
mod measure;

/// The demo binary's allocator, so the figures are the demo's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn deep(n: u64) -> Coroutine<u64> {
    Coroutine::new(move |co| async move {
        if n == 0 {
            return Ok(0);
        }
        Ok(co.call(deep(n - 1)).await? + 1)
    })
}

fn main() {
    let n = measure::count_arg(1_000_000);
    let before = measure::rss().unwrap_or(0);
    let start = Instant::now();
    let mut scheduler = Scheduler::new().expect("a scheduler starts");
    let depth = scheduler
        .run_until_complete(deep(n))
        .expect("the chain returns");
    let elapsed = start.elapsed();
    let peak = measure::peak_rss().unwrap_or(0);
    measure::say(&format!(
        "depth {depth} reached and unwound in {:.3} s",
        elapsed.as_secs_f64()
    ));
    measure::say_bytes_per("level", peak, before, n);
}
