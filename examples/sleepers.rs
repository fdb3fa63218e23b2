//! Scale: N tasks, each sleeping 1 ms once, then the program exits. Prints
//! the elapsed time and the memory each task cost (peak resident set over N).
//! The seed's `print_every` tasks, a million times over.
//!
//! ```text
//! cargo run --release --example sleepers -- 1000000
//! cargo run --release --example sleepers -- 1000000 --all-at-once
//! ```
//!
//! On the real clock, spawning a million tasks takes longer than 1 ms, so the
//! first sleepers have finished before the last are spawned: the peak holds a
//! few thousand at a time. `--all-at-once` runs the loop on a virtual clock
//! instead, where the 1 ms starts for every sleeper at the same instant: all
//! N are asleep together and the peak is the memory of N sleeping tasks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use trampoline::{Clock, Coroutine, Scheduler};

#[path = "support/measure.rs"]
mod measure;

/// The demo binary's allocator, so the figures are the demo's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How many sleepers have woken (a static: no memory per task).
static WOKEN: AtomicU64 = AtomicU64::new(0);

fn sleeper() -> Coroutine<()> {
    Coroutine::new(|co| async move {
        co.sleep(Duration::from_millis(1)).await?;
        WOKEN.fetch_add(1, Ordering::Relaxed);
        Ok(())
    })
}

fn main() {
    let n = measure::count_arg(100_000);
    let before = measure::rss().unwrap_or(0);
    let start = Instant::now();
    // The sleepers run detached (no join handles to keep: those would be the
    // example's memory, not the runtime's). The main task then sleeps 1 ms
    // too: its deadline is the latest, so every sleeper has woken and
    // finished before it returns (equal deadlines wake in order).
    let main = Coroutine::new(move |co| async move {
        for _ in 0..n {
            co.spawn(sleeper()).await?;
        }
        co.sleep(Duration::from_millis(1)).await
    });
    let clock = match std::env::args().nth(2).as_deref() {
        Some("--all-at-once") => Clock::virtual_at_zero(),
        None => Clock::real(),
        Some(other) => {
            eprintln!("error: unknown option {other:?} (only --all-at-once)");
            std::process::exit(2);
        }
    };
    let mut scheduler = Scheduler::with_clock(clock).expect("a scheduler starts");
    scheduler
        .run_until_complete(main)
        .expect("the sleepers wake");
    let elapsed = start.elapsed();
    let peak = measure::peak_rss().unwrap_or(0);
    let woken = WOKEN.load(Ordering::Relaxed);
    assert_eq!(woken, n, "BUG: every sleeper wakes before the main task");
    measure::say(&format!(
        "{woken} sleepers woke, done in {:.3} s",
        elapsed.as_secs_f64()
    ));
    measure::say_bytes_per("task", peak, before, n);
}
