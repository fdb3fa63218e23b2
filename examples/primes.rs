//! The seed's async generator of primes (article 003, "Async generator"):
//! `prime_generator` *emits* primes to `print_prime`, which consumes them in
//! a loop (`async for`), while `check_email` prints every 2 seconds. The
//! primality test sleeps 0 seconds at every trial division, so the mail
//! checker gets its turns. As in the seed, `is_prime` calls 1 a prime.
//!
//! ```text
//! cargo run --release --example primes
//! cargo run --example primes -- --count 20 --checks 2 --seed 3
//! ```
//!
//! `--count N` primes (default 3000), `--checks N` mail checks (default 10),
//! `--seed N` for the random mail, `--virtual` for a virtual clock (then the
//! mail checks only run when the prime search lets time pass: at its end).

use std::cell::Cell;
use std::time::Duration;

use trampoline::{Clock, Coroutine, ReturnWhen, RunError, Scheduler, Stream, wait};

fn is_prime(n: u64) -> Coroutine<bool> {
    Coroutine::new(move |co| async move {
        if n < 2 {
            return Ok(true);
        }
        for i in 2..n {
            // Let the loop run other tasks.
            co.sleep(Duration::ZERO).await?;
            if n.is_multiple_of(i) {
                return Ok(false);
            }
        }
        Ok(true)
    })
    .with_arg(n)
}

fn prime_generator(n_prime: u64) -> Stream<u64> {
    Stream::new(move |y| async move {
        let (mut counter, mut n) = (0, 0);
        while counter < n_prime {
            n += 1;
            if y.call(is_prime(n)).await? {
                y.emit(n).await?;
                counter += 1;
            }
        }
        Ok(())
    })
}

fn check_email(limit: u64, seed: u64) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let state = Cell::new(seed.max(1));
        let random = || {
            let mut x = state.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            state.set(x);
            (x % 1000) as f64 / 1000.0
        };
        for _ in 0..limit {
            if random() > 0.8 {
                println!("1 new email");
            } else {
                println!("0 new email");
            }
            co.sleep(Duration::from_secs(2)).await?;
        }
        Ok(())
    })
}

fn print_prime(n: u64) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let mut primes = prime_generator(n);
        while let Some(prime) = co.next(&mut primes).await? {
            println!("new prime number found: {prime}");
        }
        Ok(())
    })
}

/// The value after `flag`, or `default`; a clear error if it is not a number.
fn number(args: &[String], flag: &str, default: u64) -> u64 {
    let Some(i) = args.iter().position(|a| a == flag) else {
        return default;
    };
    match args.get(i + 1).and_then(|s| s.parse().ok()) {
        Some(value) => value,
        None => {
            eprintln!("error: {flag} needs a number");
            std::process::exit(2);
        }
    }
}

fn main() -> Result<(), RunError> {
    let args: Vec<String> = std::env::args().collect();
    let count = number(&args, "--count", 3000);
    let checks = number(&args, "--checks", 10);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    let seed = number(&args, "--seed", now.map_or(1, |d| d.as_nanos() as u64));
    let clock = if args.iter().any(|a| a == "--virtual") {
        Clock::virtual_at_zero()
    } else {
        Clock::real()
    };
    let mut scheduler = Scheduler::with_clock(clock)?;
    let tasks = vec![
        scheduler.spawn(print_prime(count)),
        scheduler.spawn(check_email(checks, seed)),
    ];
    scheduler.run_until_complete(wait(tasks, ReturnWhen::AllCompleted, None))?;
    Ok(())
}
