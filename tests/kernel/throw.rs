//! Any error can be thrown into a task: it arrives at the task's suspension
//! point, where the task can catch it (the seed's `coroutine.throw`), or goes
//! up its frames to whoever joins it.

use std::time::Duration;

use trampoline::{Clock, Coroutine, Error, Scheduler};

fn run<T: 'static>(main: Coroutine<T>) -> T {
    Scheduler::with_clock(Clock::virtual_at_zero())
        .unwrap()
        .run_until_complete(main)
        .unwrap()
}

#[test]
fn a_thrown_error_is_caught_at_the_pause_point() {
    let main = Coroutine::new(|co| async move {
        let paused = co
            .spawn(Coroutine::new(|co| async move {
                match co.sleep(Duration::from_secs(60)).await {
                    Ok(()) => Ok("Continuing".to_string()),
                    Err(e) => Ok(format!("Got an exception: {e}")),
                }
            }))
            .await?;
        co.sleep(Duration::from_secs(1)).await?;
        assert!(paused.throw(Error::msg("Have an exceptional day!")));
        co.join(paused).await
    });
    assert_eq!(run(main), "Got an exception: Have an exceptional day!");
}

#[test]
fn an_uncaught_thrown_error_reaches_the_joiner_with_its_trace() {
    let main = Coroutine::new(|co| async move {
        let inner = || {
            Coroutine::new(|co| async move { co.sleep(Duration::from_secs(60)).await })
                .named("inner")
        };
        let task = co
            .spawn(Coroutine::new(move |co| async move { co.call(inner()).await }).named("outer"))
            .await?;
        co.sleep(Duration::from_secs(1)).await?;
        task.throw(Error::msg("boom"));
        let error = co.join(task).await.unwrap_err();
        Ok((error.to_string(), error.trace_line(), error.is_cancelled()))
    });
    assert_eq!(
        run(main),
        ("boom".to_string(), "inner ← outer".to_string(), false)
    );
}

#[test]
fn a_task_that_is_ready_gets_the_error_at_its_next_turn() {
    let main = Coroutine::new(|co| async move {
        let busy = co
            .spawn(Coroutine::new(|co| async move {
                // Sleeping zero keeps the task in the ready queue.
                loop {
                    co.sleep(Duration::ZERO).await?;
                }
            }))
            .await?;
        co.sleep(Duration::ZERO).await?;
        busy.throw(Error::msg("stop spinning"));
        Ok(co.join::<()>(busy).await.unwrap_err().to_string())
    });
    assert_eq!(run(main), "stop spinning");
}

#[test]
fn a_second_throw_before_the_task_runs_keeps_the_first_error() {
    let main = Coroutine::new(|co| async move {
        let task = co
            .spawn(Coroutine::new(|co| async move {
                co.sleep(Duration::from_secs(9)).await
            }))
            .await?;
        co.sleep(Duration::from_secs(1)).await?;
        task.throw(Error::msg("first"));
        task.throw(Error::msg("second"));
        Ok(co.join(task).await.unwrap_err().to_string())
    });
    assert_eq!(run(main), "first");
}
