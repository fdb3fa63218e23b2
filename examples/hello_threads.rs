//! The seed's `hello_threads.py` (article 000, "Understanding Asynchronous
//! IO"): a second OS thread prints `Hello world!` every 3 seconds while the
//! main thread reads numbers and computes fib(n) the slow, recursive way. The
//! hello lines keep coming *during* the computation: the operating system
//! switches threads. No coroutines, no event loop; compare `hello_eventloop`.
//!
//! ```text
//! cargo run --release --example hello_threads
//! ```
//!
//! Type a number (try 40) and Enter; the program ends at the end of input
//! (Ctrl-D).

use std::io::BufRead;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Larger numbers would take hours with this fib; the point is to take seconds.
const LARGEST: u64 = 50;

fn fib(n: u64) -> u64 {
    if n > 1 { fib(n - 1) + fib(n - 2) } else { n }
}

/// `timed_fib`: fib, and how long it took.
fn timed_fib(n: u64) -> u64 {
    let start = Instant::now();
    let result = fib(n);
    println!(
        "Executing fib took {:.2} seconds.",
        start.elapsed().as_secs_f64()
    );
    result
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn print_hello() {
    loop {
        println!("{} - Hello world!", unix_secs());
        thread::sleep(Duration::from_secs(3));
    }
}

fn main() {
    // A detached thread: like the seed's daemon thread, it does not keep the
    // process alive once main returns.
    thread::spawn(print_hello);
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else {
            eprintln!("error: standard input is not readable text");
            return;
        };
        match line.trim().parse::<u64>() {
            Ok(n) if n <= LARGEST => println!("fib({n}) = {}", timed_fib(n)),
            _ => eprintln!("error: {line:?} is not a number from 0 to {LARGEST}"),
        }
    }
}
