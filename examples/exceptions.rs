//! The seed's two exception programs (article 000, "Handling Exceptions").
//!
//! 1. An error thrown into a paused coroutine is caught at its pause point:
//!    the seed's `c.throw(Exception("Have an exceptional day!"))`, here
//!    [`JoinHandle::throw`](trampoline::JoinHandle::throw) into a task parked
//!    in `sleep`.
//! 2. An error raised in `A` goes up through `B` to `C`, which catches it,
//!    exactly like synchronous code: the trampoline pops each frame and
//!    resumes its caller with the error.
//!
//! ```text
//! cargo run --example exceptions
//! ```

use std::time::Duration;

use trampoline::{Coroutine, Error, RunError, Scheduler};

/// `def coroutine()`: prints, pauses, and turns an error thrown in at the
/// pause into its result.
fn coroutine() -> Coroutine<String> {
    Coroutine::new(|co| async move {
        println!("Starting");
        match co.sleep(Duration::from_secs(3600)).await {
            Ok(()) => Ok("Continuing".to_string()),
            Err(e) => Ok(format!("Got an exception: {e}")),
        }
    })
}

fn a() -> Coroutine<u64> {
    Coroutine::new(|_co| async { Err(Error::msg("Something went wrong in A!")) }).named("A")
}

fn b() -> Coroutine<u64> {
    Coroutine::new(|co| async move { Ok(co.call(a()).await? + 1) }).named("B")
}

fn c() -> Coroutine<()> {
    Coroutine::new(|co| async move {
        match co.call(b()).await {
            Ok(b) => println!("{b}"),
            Err(e) => println!("C got exception: {e}"),
        }
        Ok(())
    })
    .named("C")
}

fn main() -> Result<(), RunError> {
    let mut scheduler = Scheduler::new()?;
    let main = Coroutine::new(|co| async move {
        let paused = co.spawn(coroutine()).await?;
        co.sleep(Duration::ZERO).await?; // let it run to its pause
        paused.throw(Error::msg("Have an exceptional day!"));
        let value = co.join(paused).await?;
        println!("{value}");
        Ok(())
    });
    scheduler.run_until_complete(main)?;
    scheduler.run_until_complete(c())
}
