//! The seed's "Task exception was never retrieved" (article 003, "Exception
//! handling"): a task fails, nobody looks at its error, and the program ends.
//! The error is not lost: when the loop is dropped, it is reported on stderr
//! as `task N: error never retrieved: ...`, once. Looking at the error
//! (`result()`, `error()` or `join`) retrieves it, and nothing is reported.
//!
//! ```text
//! cargo run --example never_retrieved
//! ```

use trampoline::{Coroutine, Error, RunError, Scheduler};

fn my_task(fail_with: &'static str) -> Coroutine<u64> {
    Coroutine::new(move |_co| async move { Err(Error::msg(fail_with)) }).named("my_task")
}

fn main() -> Result<(), RunError> {
    let mut scheduler = Scheduler::new()?;
    let forgotten = scheduler.spawn(my_task("nobody looked at me"));
    let looked_at = scheduler.spawn(my_task("caught with result()"));
    let asked = scheduler.spawn(my_task("returned by error()"));
    scheduler.run_until_complete(Coroutine::new(|_co| async { Ok(()) }))?;

    // The two ways the seed gives to retrieve an error.
    if let Err(e) = looked_at.result() {
        println!("task {} result() raised: {e}", looked_at.id());
    }
    if let Some(e) = asked.error() {
        println!("task {} error() returned: {e}", asked.id());
    }
    println!(
        "task {} is done, and its error is never looked at",
        forgotten.id()
    );
    println!("the program ends: the loop reports it on stderr");
    drop(scheduler);
    Ok(())
}
