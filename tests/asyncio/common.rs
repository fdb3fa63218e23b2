//! What the ports share: a scheduler on the virtual clock, and a log the
//! tasks write to.

#![allow(dead_code)] // each module uses a part of it

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, Error, RunError, Scheduler};

/// A scheduler on the virtual clock: sleeps take no real time.
pub fn scheduler() -> Scheduler {
    Scheduler::with_clock(Clock::virtual_at_zero()).expect("a scheduler")
}

/// Runs `main` on a fresh virtual-clock scheduler.
pub fn run<T: 'static>(main: Coroutine<T>) -> Result<T, RunError> {
    scheduler().run_until_complete(main)
}

/// A shared list of what happened, in order.
pub type Log<T> = Rc<RefCell<Vec<T>>>;

pub fn log<T>() -> Log<T> {
    Rc::new(RefCell::new(Vec::new()))
}

/// `n` seconds.
pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// `n` milliseconds.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// asyncio's `sleep(0)`: let the other ready tasks run.
pub async fn yield_now(co: &trampoline::Co) -> Result<(), Error> {
    co.sleep(Duration::ZERO).await
}

/// A coroutine that sleeps `d` then returns `value`.
pub fn after<T: 'static>(d: Duration, value: T) -> Coroutine<T> {
    Coroutine::new(move |co| async move {
        co.sleep(d).await?;
        Ok(value)
    })
}

/// A coroutine that fails at once with `message`.
pub fn fail<T: 'static>(message: &'static str) -> Coroutine<T> {
    Coroutine::new(move |_co| async move { Err(Error::msg(message)) })
}
