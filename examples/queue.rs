//! The seed's `asyncio.Queue` session (article 002, "Queues"):
//! `put_nowait`/`get_nowait`/`qsize`, `QueueEmpty`, a `get` that returns at
//! once, a `get` task still waiting after `wait(..., timeout=1)` that
//! finishes once an item is put and the loop runs again, and `maxsize` with
//! `QueueFull`.
//!
//! ```text
//! cargo run --example queue                # the one-second timeout in real time
//! cargo run --example queue -- --virtual   # on a virtual clock: instant
//! ```

use std::time::Duration;

use trampoline::{Clock, Coroutine, JoinHandle, Queue, ReturnWhen, RunError, Scheduler, wait};

fn show<T: std::fmt::Debug>(what: &str, result: Result<T, trampoline::QueueError>) {
    match result {
        Ok(value) => println!(">>> {what}\n{value:?}"),
        Err(e) => println!(">>> {what}\nQueueError::{e:?}: {e}"),
    }
}

fn main() -> Result<(), RunError> {
    let virtual_clock = std::env::args().any(|a| a == "--virtual");
    let clock = if virtual_clock {
        Clock::virtual_at_zero()
    } else {
        Clock::real()
    };

    // No loop needed for the _nowait methods.
    let queue = Queue::new();
    queue
        .put_nowait("foo")
        .expect("an unbounded queue is never full");
    println!(">>> queue.qsize()\n{}", queue.len());
    show("queue.get_nowait()", queue.get_nowait());
    println!(">>> queue.qsize()\n{}", queue.len());
    show("queue.get_nowait()", queue.get_nowait());

    // get() returns at once when an item is there.
    let mut scheduler = Scheduler::with_clock(clock)?;
    queue
        .put_nowait("foo")
        .expect("an unbounded queue is never full");
    println!(
        ">>> loop.run_until_complete(queue.get())\n{:?}",
        scheduler.run_until_complete(queue.get())?
    );

    waiting_get(&mut scheduler, &queue)?;

    // maxsize.
    let queue = Queue::with_maxsize(5);
    for i in 0..5 {
        queue.put_nowait(i).expect("room for five");
    }
    println!(
        ">>> queue = asyncio.Queue(maxsize=5); five put_nowait calls; queue.qsize()\n{}",
        queue.len()
    );
    show("queue.put_nowait(5)", queue.put_nowait(5));
    Ok(())
}

/// A `get()` task still waiting after `wait(..., timeout=1)`; an item comes,
/// and a done callback stops the loop once the task has it.
fn waiting_get(scheduler: &mut Scheduler, queue: &Queue<&'static str>) -> Result<(), RunError> {
    let task = scheduler.spawn(queue.get());
    let task = {
        let waiting = Coroutine::new(move |co| async move {
            let one_second = Some(Duration::from_secs(1));
            let (done, mut pending) = co
                .call(wait(vec![task], ReturnWhen::AllCompleted, one_second))
                .await?;
            let done = if done.is_empty() {
                "set()".to_string()
            } else {
                format!("{} done", done.len())
            };
            println!("({done}, {{{}}})", pending[0]);
            Ok(pending.pop().expect("one task pending"))
        });
        println!(">>> loop.run_until_complete(asyncio.wait([task], timeout=1))");
        let task: JoinHandle<&str> = scheduler.run_until_complete(waiting)?;
        task
    };
    println!(">>> task.done()\n{}", task.is_finished());
    queue
        .put_nowait("bar")
        .expect("an unbounded queue is never full");
    let handle = scheduler.handle();
    task.add_done_callback(move |_| handle.stop());
    scheduler.run_forever()?;
    println!(">>> task.done()\n{}", task.is_finished());
    println!(">>> task.result()\n{:?}", task.result().unwrap_or_default());
    Ok(())
}
