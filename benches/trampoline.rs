//! Micro-benchmarks of the trampoline's hot paths (divan):
//!
//! ```text
//! cargo bench                      # all of them
//! cargo bench -- fib               # one by name
//! ```
//!
//! Throughput columns are per item: per coroutine for fib, per spawn+join,
//! per switch for the ping-pong, per timer, per byte for the line splitter.
//! `bench/compare` is the side-by-side with other runtimes.

use std::time::Duration;

use divan::counter::{BytesCount, ItemsCount};
use divan::{Bencher, black_box};
use trampoline::{Clock, Coroutine, DEFAULT_LINE_LIMIT, LineSplitter, Scheduler, fib};

/// The demo binary's allocator, so the figures are the demo's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

/// fib(n) makes 2·F(n+1) − 1 coroutines.
fn coroutines(n: u64) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..=n {
        (a, b) = (b, a + b);
    }
    2 * a - 1
}

/// One coroutine created, called and returned through the trampoline,
/// measured over fib(25)'s 242,785 of them.
#[divan::bench(sample_count = 20)]
fn fib_25_per_coroutine(bencher: Bencher<'_, '_>) {
    let mut scheduler = Scheduler::new().unwrap();
    bencher
        .counter(ItemsCount::new(coroutines(25)))
        .bench_local(|| scheduler.run_until_complete(fib(black_box(25))).unwrap());
}

/// Spawning a task and joining it, 1,000 times from one task.
#[divan::bench(sample_count = 20)]
fn spawn_and_join(bencher: Bencher<'_, '_>) {
    const TASKS: u64 = 1_000;
    let mut scheduler = Scheduler::new().unwrap();
    bencher.counter(ItemsCount::new(TASKS)).bench_local(|| {
        let main = Coroutine::new(|co| async move {
            let mut sum = 0;
            for i in 0..TASKS {
                let task = co
                    .spawn(Coroutine::new(move |_co| async move { Ok(i) }))
                    .await?;
                sum += co.join(task).await?;
            }
            Ok(sum)
        });
        scheduler.run_until_complete(main).unwrap()
    });
}

/// Two tasks taking turns with `sleep(ZERO)`, 10,000 switches each.
#[divan::bench(sample_count = 20)]
fn sleep_zero_ping_pong(bencher: Bencher<'_, '_>) {
    const SWITCHES: u64 = 10_000;
    fn player() -> Coroutine<()> {
        Coroutine::new(|co| async move {
            for _ in 0..SWITCHES {
                co.sleep(Duration::ZERO).await?;
            }
            Ok(())
        })
    }
    let mut scheduler = Scheduler::new().unwrap();
    bencher
        .counter(ItemsCount::new(2 * SWITCHES))
        .bench_local(|| {
            let main = Coroutine::new(|co| async move {
                let other = co.spawn(player()).await?;
                co.call(player()).await?;
                co.join(other).await
            });
            scheduler.run_until_complete(main).unwrap()
        });
}

/// 100,000 tasks each sleeping once, deadlines spread and out of order, on a
/// virtual clock: the timer insert, the wake-up in deadline order, the task.
#[divan::bench(sample_count = 10)]
fn timers_100k(bencher: Bencher<'_, '_>) {
    const TIMERS: u64 = 100_000;
    bencher.counter(ItemsCount::new(TIMERS)).bench_local(|| {
        let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
        let main = Coroutine::new(|co| async move {
            for i in 0..TIMERS {
                // A scattered deadline, 0..1000 ms.
                let ms = (i * 7919) % 1000;
                co.spawn(Coroutine::new(move |co| async move {
                    co.sleep(Duration::from_millis(ms)).await
                }))
                .await?;
            }
            co.sleep(Duration::from_secs(1)).await
        });
        scheduler.run_until_complete(main).unwrap()
    });
}

/// The stdin line splitter on 1 MiB of short lines in 4 KiB chunks.
#[divan::bench(sample_count = 20)]
fn line_splitter_throughput(bencher: Bencher<'_, '_>) {
    let mut input = Vec::new();
    let mut i = 0u64;
    while input.len() < 1 << 20 {
        input.extend_from_slice(format!("{}\n", i % 100).as_bytes());
        i += 1;
    }
    bencher
        .counter(BytesCount::new(input.len()))
        .bench_local(|| {
            let mut lines = 0u64;
            let mut splitter = LineSplitter::new(DEFAULT_LINE_LIMIT);
            for chunk in input.chunks(4096) {
                splitter.push(chunk, &mut |line| {
                    black_box(line.unwrap());
                    lines += 1;
                });
            }
            splitter.finish(&mut |_| lines += 1);
            lines
        });
}
