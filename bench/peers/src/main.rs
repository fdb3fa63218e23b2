//! The peers of `bench/compare`: fib(n) computed by boxed recursive async
//! functions under tokio and under `futures::executor::block_on`, and by
//! plain recursion (the floor). Each prints one machine-readable line,
//! `<peer> n=<n> value=<fib(n)> ns=<nanoseconds spent computing>`, timed
//! inside the process so that startup does not count.
//!
//! ```sh
//! cargo run --release -- tokio 30      # also: block_on 30, plain 30
//! ```

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// A boxed future: recursion in `async fn` needs the indirection.
type BoxFuture = Pin<Box<dyn Future<Output = u64>>>;

/// Like-for-like with the trampoline: every call is a scheduling point
/// (`yield_now`), so the loop could run another task between any two calls.
fn tokio_fib(n: u64) -> BoxFuture {
    Box::pin(async move {
        tokio::task::yield_now().await;
        if n <= 1 {
            return n;
        }
        tokio_fib(n - 1).await + tokio_fib(n - 2).await
    })
}

/// The same boxed recursion that never yields: what the futures themselves
/// cost, without any scheduler.
fn boxed_fib(n: u64) -> BoxFuture {
    Box::pin(async move {
        if n <= 1 {
            return n;
        }
        boxed_fib(n - 1).await + boxed_fib(n - 2).await
    })
}

fn plain_fib(n: u64) -> u64 {
    if n <= 1 {
        n
    } else {
        plain_fib(n - 1) + plain_fib(n - 2)
    }
}

fn run_tokio(n: u64) -> (u64, Duration) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread runtime builds");
    runtime.block_on(async move {
        // The demo's hello timer, alive (it never fires during the run).
        let ticker = tokio::spawn(async {
            let mut interval = tokio::time::interval(Duration::from_secs(3));
            loop {
                interval.tick().await;
            }
        });
        let start = Instant::now();
        let value = tokio_fib(n).await;
        let elapsed = start.elapsed();
        ticker.abort();
        (value, elapsed)
    })
}

fn main() {
    let mut args = std::env::args().skip(1);
    let peer = args.next().unwrap_or_default();
    let n: u64 = match args.next().map(|s| s.parse()) {
        Some(Ok(n)) if n <= 60 => n,
        _ => {
            eprintln!("usage: trampoline-peers tokio|block_on|plain N (N <= 60)");
            std::process::exit(2);
        }
    };
    let (value, elapsed) = match peer.as_str() {
        "tokio" => run_tokio(n),
        "block_on" => {
            let start = Instant::now();
            let value = futures::executor::block_on(boxed_fib(n));
            (value, start.elapsed())
        }
        "plain" => {
            let start = Instant::now();
            let value = plain_fib(std::hint::black_box(n));
            (value, start.elapsed())
        }
        other => {
            eprintln!("unknown peer {other:?}: tokio, block_on or plain");
            std::process::exit(2);
        }
    };
    println!("{peer} n={n} value={value} ns={}", elapsed.as_nanos());
}

