//! The seed's chained coroutines (article 001, "Python 3 Asyncio"): `hello`
//! awaits `world`, which awaits `excl`; prints `Hello World!`. Each `await`
//! is a `co.call`: the callee is pushed on the task's stack, and popped with
//! its value.
//!
//! ```text
//! cargo run --example chained
//! ```

use trampoline::{Coroutine, RunError, Scheduler};

fn excl() -> Coroutine<&'static str> {
    Coroutine::new(|_co| async { Ok("!") })
}

fn world() -> Coroutine<String> {
    Coroutine::new(|co| async move { Ok(format!("World{}", co.call(excl()).await?)) })
}

fn hello() -> Coroutine<()> {
    Coroutine::new(|co| async move {
        println!("Hello {}", co.call(world()).await?);
        Ok(())
    })
}

fn main() -> Result<(), RunError> {
    Scheduler::new()?.run_until_complete(hello())
}
