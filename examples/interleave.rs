//! The seed's two counters (article 003, "Async functions"): two tasks print
//! ten numbers each. Without a suspension point they do not interleave: a
//! task runs until it yields, so `c1_1` prints all its numbers before `c2_1`.
//! With `sleep(0)` every 5 numbers (at 0 and 5), they take turns.
//!
//! ```text
//! cargo run --example interleave
//! ```

use std::time::Duration;

use trampoline::{Coroutine, ReturnWhen, RunError, Scheduler, wait};

fn print_numbers_async1(n: u64, prefix: &'static str) -> Coroutine<()> {
    Coroutine::new(move |_co| async move {
        for i in 0..n {
            println!("{prefix} {i}");
        }
        Ok(())
    })
}

fn print_numbers_async2(n: u64, prefix: &'static str) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        for i in 0..n {
            println!("{prefix} {i}");
            if i.is_multiple_of(5) {
                co.sleep(Duration::ZERO).await?;
            }
        }
        Ok(())
    })
}

/// One loop, two counter tasks, `run_until_complete(asyncio.wait([...]))`.
fn run_both(first: Coroutine<()>, second: Coroutine<()>) -> Result<(), RunError> {
    let mut scheduler = Scheduler::new()?;
    let tasks = vec![scheduler.spawn(first), scheduler.spawn(second)];
    scheduler.run_until_complete(wait(tasks, ReturnWhen::AllCompleted, None))?;
    Ok(())
}

fn main() -> Result<(), RunError> {
    run_both(
        print_numbers_async1(10, "c1_1"),
        print_numbers_async1(10, "c2_1"),
    )?;
    run_both(
        print_numbers_async2(10, "c1_2"),
        print_numbers_async2(10, "c2_2"),
    )
}
