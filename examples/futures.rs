//! The seed's tea examples on tasks (article 002, "Futures and Tasks"): a
//! task is created before the loop runs (`done()` is false and its result is
//! not ready), the loop runs it (`done()`, `result()`), done callbacks (one
//! with an extra argument, `honey`), a done callback on a whole `gather`,
//! and a cancelled task.
//!
//! ```text
//! cargo run --example futures
//! ```

use std::time::Duration;

use trampoline::{Coroutine, JoinHandle, LoopHandle, RunError, Scheduler, gather};

fn make_tea(variety: &'static str, stop: Option<LoopHandle>) -> Coroutine<String> {
    Coroutine::new(move |_co| async move {
        println!("Now making {variety} tea.");
        if let Some(handle) = stop {
            handle.stop();
        }
        Ok(format!("{variety} tea"))
    })
    .named("make_tea")
}

fn confirm_tea(task: &JoinHandle<String>) {
    println!("The {} is made.", task.result().unwrap_or_default());
}

fn add_ingredient(ingredient: &str, task: &JoinHandle<String>) {
    println!(
        "Now adding {ingredient} to the {}.",
        task.result().unwrap_or_default()
    );
}

fn join<T: 'static>(task: JoinHandle<T>) -> Coroutine<T> {
    Coroutine::new(move |co| async move { co.join(task).await })
}

fn main() -> Result<(), RunError> {
    // A task registered before the loop runs; it stops the loop itself.
    let mut scheduler = Scheduler::new()?;
    let task = scheduler.spawn(make_tea("chamomile", Some(scheduler.handle())));
    println!("task.done() -> {}", task.is_finished());
    match task.result() {
        Ok(value) => println!("task.result() -> {value:?}"),
        Err(e) => println!("task.result() -> InvalidStateError: {e}"),
    }
    scheduler.run_forever()?;
    println!("task.done() -> {}", task.is_finished());
    println!("task.result() -> {:?}", task.result().unwrap_or_default());

    // A done callback.
    let task = scheduler.spawn(make_tea("green", None));
    task.add_done_callback(confirm_tea);
    println!("{:?}", scheduler.run_until_complete(join(task))?);

    // A done callback with an extra argument: a closure captures it.
    let task = scheduler.spawn(make_tea("herbal", None));
    task.add_done_callback(|task| add_ingredient("honey", task));
    println!("{:?}", scheduler.run_until_complete(join(task))?);

    // A done callback on a whole gather.
    let meta_task = scheduler.spawn(gather(vec![
        make_tea("herbal", None),
        make_tea("green", None),
    ]));
    meta_task.add_done_callback(|task: &JoinHandle<Vec<String>>| {
        println!(
            "Mixing the {} together.",
            task.result().unwrap_or_default().join(" and ")
        );
    });
    println!("{:?}", scheduler.run_until_complete(join(meta_task))?);

    // Cancelling: CancelledError is thrown in where the task waits.
    let slow = Coroutine::new(|co| async move {
        println!("Now boiling water for oolong tea.");
        if let Err(e) = co.sleep(Duration::from_secs(3600)).await {
            println!("The oolong tea was {e} while the water boiled.");
            return Err(e);
        }
        Ok("oolong tea".to_string())
    });
    let task = scheduler.spawn(slow);
    let watch = Coroutine::new(|co| async move { co.sleep(Duration::from_millis(10)).await });
    scheduler.run_until_complete(watch)?;
    println!("task.cancel() -> {}", task.cancel());
    let outcome = scheduler.run_until_complete(join(task));
    match outcome {
        Err(RunError::Failed(e)) if e.is_cancelled() => {
            println!("task.result() -> CancelledError: {e}")
        }
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}
