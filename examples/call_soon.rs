//! The seed's loop-control snippets (article 002, "The Event Loop"):
//! `call_soon` runs callbacks in FIFO order, so `Hello world!` comes before
//! `Stopping loop.`, whose callback stops `run_forever`; `call_later` runs
//! callbacks after a delay; `run_until_complete` returns the coroutine's
//! value.
//!
//! ```text
//! cargo run --example call_soon
//! ```
//!
//! The `call_later` part waits 10 and 20 seconds as in the seed, on a virtual
//! clock, so it prints at once and says at which (virtual) second each
//! callback ran.

use std::time::Duration;

use trampoline::{Clock, Coroutine, LoopHandle, RunError, Scheduler};

fn hello_world() {
    println!("Hello world!");
}

fn stop_loop(handle: &LoopHandle) {
    println!("Stopping loop.");
    handle.stop();
}

fn main() -> Result<(), RunError> {
    // call_soon: FIFO.
    let mut scheduler = Scheduler::new()?;
    let handle = scheduler.handle();
    handle.call_soon(hello_world);
    let h = handle.clone();
    handle.call_soon(move || stop_loop(&h));
    scheduler.run_forever()?;

    // call_later, on a virtual clock.
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero())?;
    let handle = scheduler.handle();
    handle.call_later(Duration::from_secs(10), hello_world);
    let h = handle.clone();
    handle.call_later(Duration::from_secs(20), move || stop_loop(&h));
    scheduler.run_forever()?;
    println!(
        "(the loop stopped at virtual second {})",
        scheduler.clock().now().as_secs()
    );

    // run_until_complete returns the value.
    let trivial = Coroutine::new(|_co| async { Ok("Hello world!") });
    let value = Scheduler::new()?.run_until_complete(trivial)?;
    println!("{value:?}");
    Ok(())
}
