//! The seed's `fib_coroutine.py` (article 000, "Event Loops With Coroutines"),
//! structure as it is: `read_input` waits for a line, then yields `fib(n)` as
//! a sub-coroutine *of itself*, so the hello task keeps printing while fib
//! runs, but the next line is only read once fib(n) is printed.
//!
//! ```text
//! cargo run --release --example fib_coroutine
//! ```
//!
//! Type a number and Enter; Ctrl-D (end of input) ends the program. The demo
//! binary (`cargo run --release`) goes further: one task per number.

use std::time::Duration;

// `def fib(n)`: `a = yield fib(n - 1)` becomes `co.call(fib(n - 1)).await?`;
// it is written once for the whole crate, in `src/fib.rs`.
use trampoline::{Coroutine, Scheduler, fib};

/// `def print_every(message, interval)`: print, then `yield sleep_for_seconds(interval)`.
fn print_every(message: &'static str, interval: Duration) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        loop {
            println!("{} - {message}", co.unix_time().await?.as_secs());
            co.sleep(interval).await?;
        }
    })
}

/// `def read_input(loop)`: `line = yield sys.stdin`, then `fib_n = yield fib(n)`.
fn read_input() -> Coroutine<()> {
    Coroutine::new(|co| async move {
        while let Some(line) = co.read_line().await? {
            match line.trim().parse::<u64>() {
                Ok(n) if n <= 93 => {
                    let fib_n = co.call(fib(n)).await?;
                    println!("fib({n}) = {fib_n}");
                }
                _ => eprintln!("error: {line:?} is not a number from 0 to 93"),
            }
        }
        Ok(())
    })
}

/// `def main()`: schedule both tasks and run the loop (here: until input ends).
fn main() -> Result<(), trampoline::RunError> {
    let main = Coroutine::new(|co| async move {
        co.spawn(print_every("Hello world!", Duration::from_secs(3)))
            .await?;
        co.call(read_input()).await
    });
    Scheduler::new()?.run_until_complete(main)
}
