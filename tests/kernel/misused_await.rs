//! A coroutine can only be suspended by one `co` command at a time. Awaiting
//! any other future that returns `Pending` (a tokio timer,
//! `std::future::pending`) would leave it with nobody to wake it; awaiting two
//! `co` futures at once (`join!`) would yield two commands. genawaiter panics
//! either way; the panic fails that task only, and the other tasks go on.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use trampoline::{Coroutine, ErrorKind, RunError, Scheduler, fib};

#[test]
fn awaiting_a_foreign_future_fails_the_task_and_the_loop_goes_on() {
    let main = Coroutine::new(|co| async move {
        let stuck = co
            .spawn(Coroutine::new(|_co| async {
                std::future::pending::<()>().await;
                Ok(())
            }))
            .await?;
        let error = co.join(stuck).await.unwrap_err();
        Ok(error)
    });
    let error = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    assert!(
        matches!(error.kind(), ErrorKind::Panicked(_)),
        "expected a panic, got {error}"
    );
}

#[test]
fn a_foreign_future_in_the_main_task_is_a_failed_run() {
    let main = Coroutine::new(|_co| async {
        std::future::pending::<()>().await;
        Ok(())
    });
    let run = Scheduler::new().unwrap().run_until_complete(main);
    assert!(matches!(run, Err(RunError::Failed(_))), "{run:?}");
}

/// Polls two futures side by side, like `futures::join!` (a test-only
/// stand-in, so that the crate needs no combinator library).
struct Both<A: Future, B: Future>(Pin<Box<A>>, Pin<Box<B>>);

impl<A: Future, B: Future> Future for Both<A, B> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let a = self.0.as_mut().poll(cx).is_ready();
        let b = self.1.as_mut().poll(cx).is_ready();
        if a && b {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn two_co_commands_at_once_fail_the_task_and_the_loop_goes_on() {
    let main = Coroutine::new(|co| async move {
        let greedy = co
            .spawn(Coroutine::new(|co| async move {
                Both(Box::pin(co.now()), Box::pin(co.now())).await;
                Ok(())
            }))
            .await?;
        let error = co.join(greedy).await.unwrap_err();
        // The loop goes on, and the next commands are not mixed up.
        Ok((error, co.call(fib(15)).await?))
    });
    let (error, fib15) = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    assert!(
        matches!(error.kind(), ErrorKind::Panicked(_)),
        "expected a panic, got {error}"
    );
    assert_eq!(fib15, 610);
}
