//! A timeout scope around several awaits (asyncio 3.11's `async with
//! asyncio.timeout(d):`), instead of one `wait_for` per await: a login, a
//! fetch and a save share one 5-second budget. The first run fits in it;
//! the second, whose fetch is slow, is cut short in the middle of the
//! fetch, and the save never starts.
//!
//! ```text
//! cargo run --example timeouts               # real time, about 9 s
//! cargo run --example timeouts -- --virtual  # virtual clock: instant
//! ```

use std::time::Duration;

use trampoline::{Clock, Coroutine, ErrorKind, RunError, Scheduler, timeout};

fn step(name: &'static str, secs: u64) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let started = co.now().await?.as_secs();
        if let Err(error) = co.sleep(Duration::from_secs(secs)).await {
            println!("  {name}: interrupted (started at {started}s)");
            return Err(error);
        }
        println!("  {name}: done at {}s", co.now().await?.as_secs());
        Ok(())
    })
}

/// Login, fetch, save: three awaits, one budget.
fn session(fetch_secs: u64) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        co.call(step("login", 1)).await?;
        co.call(step("fetch", fetch_secs)).await?;
        co.call(step("save", 1)).await
    })
}

fn run(label: &'static str, fetch_secs: u64) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        println!("{label} (fetch takes {fetch_secs}s, budget 5s):");
        let start = co.now().await?;
        let got = co
            .call(timeout(Duration::from_secs(5), session(fetch_secs)))
            .await;
        let took = (co.now().await? - start).as_secs();
        match got {
            Ok(()) => println!("  finished in {took}s"),
            Err(error) if matches!(error.kind(), ErrorKind::TimedOut) => {
                println!("  timed out after {took}s")
            }
            Err(error) => return Err(error),
        }
        Ok(())
    })
}

fn main() -> Result<(), RunError> {
    let virtual_clock = std::env::args().any(|a| a == "--virtual");
    let clock = || {
        if virtual_clock {
            Clock::virtual_at_zero()
        } else {
            Clock::real()
        }
    };
    Scheduler::with_clock(clock())?.run_until_complete(run("a quick session", 2))?;
    Scheduler::with_clock(clock())?.run_until_complete(run("a slow session", 10))
}
