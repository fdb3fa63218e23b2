//! A `Co` smuggled out of its coroutine cannot reach memory that is gone:
//! every use outside its own coroutine panics with a message that says what
//! is wrong (`oneblock/src/lib.rs`, promise 2), the task that tried is failed
//! like any panicking task, and the loop goes on.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Waker};
use std::time::Duration;

use trampoline::{Clock, Co, Coroutine, ErrorKind, Scheduler};

const MISUSE: &str = "a `Co` was used outside its own coroutine";

type Stash<T> = Rc<RefCell<Option<T>>>;

/// A coroutine that hands its own `Co` out, then returns (and is freed).
fn leaker(stash: Stash<Co>) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        *stash.borrow_mut() = Some(co);
        Ok(())
    })
}

fn scheduler() -> Scheduler {
    Scheduler::with_clock(Clock::virtual_at_zero()).unwrap()
}

fn panic_message(err: &trampoline::Error) -> String {
    match err.kind() {
        ErrorKind::Panicked(message) => message.clone(),
        other => panic!("expected a panic, got {other:?}"),
    }
}

#[test]
fn a_co_used_by_another_coroutine_fails_that_task_and_the_loop_goes_on() {
    let stash: Stash<Co> = Rc::default();
    let main = {
        let stash = stash.clone();
        Coroutine::new(move |co| async move {
            co.call(leaker(stash.clone())).await?;
            let thief = Coroutine::<()>::new(move |_own| async move {
                let stolen = stash
                    .borrow_mut()
                    .take()
                    .expect("the leaker stashed its Co");
                stolen.sleep(Duration::from_secs(1)).await
            });
            let thief = co.spawn(thief).await?;
            let err = co.join(thief).await.unwrap_err();
            // The loop is fine: this task still sleeps and wakes.
            co.sleep(Duration::from_secs(2)).await?;
            Ok((panic_message(&err), co.now().await?))
        })
    };
    let (message, now) = scheduler().run_until_complete(main).unwrap();
    assert!(message.starts_with(MISUSE), "{message}");
    assert_eq!(now, Duration::from_secs(2));
}

#[test]
fn a_co_used_outside_any_coroutine_panics_before_touching_anything() {
    let stash: Stash<Co> = Rc::default();
    scheduler()
        .run_until_complete(leaker(stash.clone()))
        .unwrap();
    let stolen = stash.borrow_mut().take().unwrap();
    let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut sleep = std::pin::pin!(stolen.sleep(Duration::from_secs(1)));
        let _ = sleep.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    }));
    let payload = attempt.expect_err("using a stray Co must panic");
    let message = payload.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(message.starts_with(MISUSE), "{message:?}");
}

type Smuggled = Pin<Box<dyn Future<Output = Result<(), trampoline::Error>>>>;

/// A half-polled `sleep` future, smuggled out of the coroutine that made it:
/// its next poll, from elsewhere, is caught as well.
#[test]
fn a_half_polled_call_smuggled_out_is_caught_at_its_next_poll() {
    let stash: Stash<Smuggled> = Rc::default();
    let smuggler = {
        let stash = stash.clone();
        Coroutine::<()>::new(move |co| async move {
            // The future owns (a share of) the `Co`, so it can leave the body.
            let co = Rc::new(co);
            let mut sleep: Smuggled =
                Box::pin(async move { co.sleep(Duration::from_secs(1)).await });
            let first = sleep.as_mut().poll(&mut Context::from_waker(Waker::noop()));
            assert!(first.is_pending());
            *stash.borrow_mut() = Some(sleep);
            Ok(())
        })
    };
    let main = Coroutine::new(move |co| async move {
        co.call(smuggler).await?;
        let receiver = Coroutine::<()>::new(move |_own| async move {
            let sleep = stash.borrow_mut().take().expect("smuggled");
            sleep.await
        });
        let receiver = co.spawn(receiver).await?;
        Ok(panic_message(&co.join(receiver).await.unwrap_err()))
    });
    let message = scheduler().run_until_complete(main).unwrap();
    assert!(message.starts_with(MISUSE), "{message}");
}
