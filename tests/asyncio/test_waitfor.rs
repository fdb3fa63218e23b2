//! CPython's `Lib/test/test_asyncio/test_waitfor.py`, ported. A timeout of
//! `None` is `Duration::MAX`; a future set later is a task that sleeps then
//! returns; `SlowTask` sleeps on the virtual clock, swallowing cancels.
//!
//! The file (3.12) has 19 test methods, all ported here (`cargo test
//! --test asyncio test_waitfor`), and `test_wait_for_self_cancellation`
//! (3.11's file) besides. Where the original awaits a task it handed to
//! `wait_for` or `shield`, which take the handle, a done callback added
//! before (`ending`) tells how it ended and its value.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use trampoline::sync::Event;
use trampoline::{Coroutine, Error, ErrorKind, JoinHandle, ReturnWhen, shield, wait, wait_for};

use super::common::{ms, run, secs, yield_now};

/// Runs for `TASK_TIMEOUT` (200 ms), ignoring cancel requests.
fn slow_task(exited: Rc<Cell<bool>>) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let exit_at = co.now().await? + ms(200);
        loop {
            let now = co.now().await?;
            if now >= exit_at {
                break;
            }
            let _ = co.sleep(exit_at - now).await;
        }
        exited.set(true);
        Ok(())
    })
}

fn timed_out(error: &Error) -> bool {
    matches!(error.kind(), ErrorKind::TimedOut)
}

#[test]
fn test_asyncio_wait_for_cancelled() {
    let exited = Rc::new(Cell::new(false));
    let e = exited.clone();
    let main = Coroutine::new(move |co| async move {
        let waitfortask = co.spawn(wait_for(slow_task(e), ms(400))).await?;
        yield_now(&co).await?;
        waitfortask.cancel();
        co.call(wait(vec![waitfortask], ReturnWhen::AllCompleted, None))
            .await?;
        Ok(())
    });
    run(main).unwrap();
    assert!(exited.get());
}

#[test]
fn test_asyncio_wait_for_timeout() {
    let exited = Rc::new(Cell::new(false));
    let e = exited.clone();
    let main = Coroutine::new(move |co| async move {
        let _ = co.call(wait_for(slow_task(e), ms(100))).await;
        Ok(())
    });
    run(main).unwrap();
    assert!(exited.get());
}

#[test]
fn test_wait_for_timeout_less_then_0_or_0_future_done() {
    let main = Coroutine::new(|co| async move {
        let fut = co.spawn(Coroutine::new(|_co| async { Ok("done") })).await?;
        yield_now(&co).await?;
        let t0 = co.now().await?;
        let ret = co.call(wait_for(fut, Duration::ZERO)).await?;
        Ok((ret, co.now().await? - t0))
    });
    assert_eq!(run(main).unwrap(), ("done", Duration::ZERO));
}

#[test]
fn test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started() {
    let foo_started = Rc::new(Cell::new(false));
    let started = foo_started.clone();
    let main = Coroutine::new(move |co| async move {
        let foo = Coroutine::new(move |_co| async move {
            started.set(true);
            Ok(())
        });
        let t0 = co.now().await?;
        let error = co.call(wait_for(foo, Duration::ZERO)).await.unwrap_err();
        assert!(timed_out(&error));
        Ok(co.now().await? - t0)
    });
    assert_eq!(run(main).unwrap(), Duration::ZERO);
    assert!(!foo_started.get());
}

/// `foo`: sets `running`, sleeps 10 s, clears `running` however it ends.
fn foo(running: Rc<Cell<Option<bool>>>, started: Option<Event>) -> Coroutine<&'static str> {
    Coroutine::new(move |co| async move {
        running.set(Some(true));
        if let Some(started) = started {
            started.set();
        }
        let slept = co.sleep(secs(10)).await;
        running.set(Some(false));
        slept.map(|()| "done")
    })
}

// The `-1` subtest: a `Duration` cannot be negative.
#[test]
fn test_wait_for_timeout_less_then_0_or_0() {
    let foo_running = Rc::new(Cell::new(None));
    let r = foo_running.clone();
    let main = Coroutine::new(move |co| async move {
        let started = Event::new();
        let fut = co.spawn(foo(r, Some(started.clone()))).await?;
        co.call(started.wait()).await?;
        let t0 = co.now().await?;
        let error = co.call(wait_for(fut, Duration::ZERO)).await.unwrap_err();
        assert!(timed_out(&error));
        Ok(co.now().await? - t0)
    });
    assert_eq!(run(main).unwrap(), Duration::ZERO);
    assert_eq!(foo_running.get(), Some(false));
}

#[test]
fn test_wait_for() {
    let foo_running = Rc::new(Cell::new(None));
    let r = foo_running.clone();
    let main = Coroutine::new(move |co| async move {
        let fut = co.spawn(foo(r, None)).await?;
        let t0 = co.now().await?;
        let error = co.call(wait_for(fut, ms(100))).await.unwrap_err();
        assert!(timed_out(&error));
        Ok(co.now().await? - t0)
    });
    assert_eq!(run(main).unwrap(), ms(100));
    assert_eq!(foo_running.get(), Some(false));
}

#[test]
fn test_wait_for_blocking() {
    let coro = Coroutine::new(|_co| async { Ok("done") });
    assert_eq!(run(wait_for(coro, Duration::MAX)).unwrap(), "done");
}

#[test]
fn test_wait_for_race_condition() {
    let main = Coroutine::new(|co| async move {
        let fut = Coroutine::new(|co| async move {
            co.sleep(ms(100)).await?;
            Ok("ok")
        });
        co.call(wait_for(fut, ms(200))).await
    });
    assert_eq!(run(main).unwrap(), "ok");
}

#[test]
fn test_wait_for_cancellation_race_condition() {
    let inner = Coroutine::new(|co| async move {
        assert!(co.sleep(secs(1)).await.unwrap_err().is_cancelled());
        Ok(1)
    });
    assert_eq!(run(wait_for(inner, ms(10))).unwrap(), 1);
}

/// `inner`: sleeps 10 s; cancelled, takes a moment to unwind, then passes
/// the cancel on; `task_done` set however it ends.
fn unwinds_slowly(task_done: Rc<Cell<bool>>) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let slept = match co.sleep(secs(10)).await {
            Err(error) if error.is_cancelled() => {
                let _ = co.sleep(Duration::from_micros(100)).await;
                Err(error)
            }
            other => other,
        };
        task_done.set(true);
        slept
    })
}

// The chained `__context__` assertion: our `TimedOut` carries no cause.
#[test]
fn test_wait_for_waits_for_task_cancellation() {
    let task_done = Rc::new(Cell::new(false));
    let d = task_done.clone();
    let main = Coroutine::new(move |co| async move {
        let inner_task = co.spawn(unwinds_slowly(d)).await?;
        let error = co
            .call(wait_for(inner_task, Duration::from_micros(100)))
            .await
            .unwrap_err();
        Ok(timed_out(&error))
    });
    assert!(run(main).unwrap());
    assert!(task_done.get());
}

#[test]
fn test_wait_for_waits_for_task_cancellation_w_timeout_0() {
    let task_done = Rc::new(Cell::new(false));
    let d = task_done.clone();
    let main = Coroutine::new(move |co| async move {
        let inner_task = co.spawn(unwinds_slowly(d)).await?;
        co.sleep(Duration::from_micros(100)).await?;
        let error = co
            .call(wait_for(inner_task, Duration::ZERO))
            .await
            .unwrap_err();
        Ok(timed_out(&error))
    });
    assert!(run(main).unwrap());
    assert!(task_done.get());
}

#[test]
fn test_wait_for_reraises_exception_during_cancellation() {
    let main = Coroutine::new(|co| async move {
        let inner_task = co
            .spawn(Coroutine::<()>::new(|co| async move {
                let _ = co.sleep(ms(200)).await;
                Err(Error::msg("FooException"))
            }))
            .await?;
        let error = co
            .call(wait_for(inner_task, Duration::from_micros(100)))
            .await
            .unwrap_err();
        Ok(error.to_string())
    });
    assert_eq!(run(main).unwrap(), "FooException");
}

#[test]
fn test_wait_for_self_cancellation() {
    let returned = Rc::new(Cell::new(None));
    let r = returned.clone();
    let main = Coroutine::new(move |co| async move {
        let inner_task = co
            .spawn(Coroutine::new(move |co| async move {
                if co.sleep(ms(300)).await.is_err() && co.sleep(ms(300)).await.is_err() {
                    let _ = co.sleep(ms(300)).await;
                }
                r.set(Some(42));
                Ok(42)
            }))
            .await?;
        // Test that wait_for itself is properly cancellable
        // even when the initial task holds up the initial cancellation.
        let task = co.spawn(wait_for(inner_task, ms(100))).await?;
        co.sleep(ms(200)).await?;
        task.cancel();
        Ok(co.join(task).await.unwrap_err().is_cancelled())
    });
    assert!(run(main).unwrap());
    // `await inner_task`: the handle went to `wait_for`, which waited for it.
    assert_eq!(returned.get(), Some(42));
}

fn cancel_wait_for(timeout: Duration) {
    let main = Coroutine::new(move |co| async move {
        let never = Event::new();
        let task = co.spawn(never.wait()).await?;
        let cancelled = Rc::new(Cell::new(false));
        let c = cancelled.clone();
        task.add_done_callback(move |t| c.set(t.is_cancelled()));
        let wait = co.spawn(wait_for(task, timeout)).await?;
        yield_now(&co).await?;
        wait.cancel();
        assert!(co.join(wait).await.unwrap_err().is_cancelled());
        // Python issue #23219: cancelling the wait must also cancel the task
        Ok(cancelled.get())
    });
    assert!(run(main).unwrap());
}

#[test]
fn test_cancel_blocking_wait_for() {
    cancel_wait_for(Duration::MAX);
}

#[test]
fn test_cancel_wait_for() {
    cancel_wait_for(secs(60));
}

#[test]
fn test_wait_for_cancel_suppressed() {
    // GH-86296: a task that swallows its cancel and returns a value: the
    // `wait_for` returns the value, as `timeout` does.
    let main = Coroutine::new(|co| async move {
        let return_42 = Coroutine::new(|co| async move {
            match co.sleep(secs(10)).await {
                Err(e) if e.is_cancelled() => Ok(42),
                _ => Ok(0),
            }
        });
        let res = co.call(wait_for(return_42, ms(100))).await?;
        Ok((res, co.now().await?))
    });
    assert_eq!(run(main).unwrap(), (42, ms(100)));
}

/// What a done callback saw of a task as it ended: cancelled, its value.
type Ending<T> = Rc<RefCell<Option<(bool, Option<T>)>>>;

fn ending<T: Clone + 'static>(t: &JoinHandle<T>) -> Ending<T> {
    let seen: Ending<T> = Rc::default();
    let s = seen.clone();
    t.add_done_callback(move |t| *s.borrow_mut() = Some((t.is_cancelled(), t.result().ok())));
    seen
}

#[test]
fn test_wait_for_issue86296() {
    // GH-86296: the task should get cancelled and not run to completion.
    // inner completes in one cycle of the event loop so it completes
    // before the task is cancelled.
    let reached_end = Rc::new(Cell::new(false));
    let r = reached_end.clone();
    let main = Coroutine::new(move |co| async move {
        let inner_task = co.spawn(Coroutine::new(|_co| async { Ok("done") })).await?;
        let inner = ending(&inner_task);
        let task = co
            .spawn(Coroutine::new(move |co| async move {
                co.call(wait_for(inner_task, secs(100))).await?;
                co.sleep(secs(1)).await?;
                r.set(true);
                Ok(())
            }))
            .await?;
        assert!(!task.is_finished());
        // Run the task
        yield_now(&co).await?;
        task.cancel();
        assert!(co.join(task).await.unwrap_err().is_cancelled());
        let inner = inner.borrow_mut().take();
        Ok(inner)
    });
    assert_eq!(run(main).unwrap(), Some((false, Some("done"))));
    assert!(!reached_end.get());
}

// WaitForShieldTests

/// `coro()`: sleeps `d`, returns "done".
fn done_after(d: Duration) -> Coroutine<&'static str> {
    super::common::after(d, "done")
}

#[test]
fn test_zero_timeout() {
    // `shield` runs as a task of its own, wrapping the given one: with a
    // timeout of 0 the shielding task is cancelled at once and the task
    // it wraps runs on.
    let main = Coroutine::new(|co| async move {
        let task = co.spawn(done_after(ms(10))).await?;
        let inner = ending(&task);
        let shielded_task = co.spawn(shield(task)).await?;
        let shielded = ending(&shielded_task);
        let got = co.call(wait_for(shielded_task, Duration::ZERO)).await;
        assert!(timed_out(&got.unwrap_err()));
        // Task is running in background
        assert!(inner.borrow().is_none(), "not done, not cancelled");
        assert_eq!(shielded.borrow().as_ref().map(|s| s.0), Some(true));
        // Wait for the task to complete
        co.sleep(ms(100)).await?;
        let inner = inner.borrow_mut().take();
        Ok(inner)
    });
    assert_eq!(run(main).unwrap(), Some((false, Some("done"))));
}

#[test]
fn test_none_timeout() {
    // With no timeout (`Duration::MAX`) it runs till completion.
    let main = Coroutine::new(|co| async move {
        let task = co.spawn(done_after(ms(100))).await?;
        let inner = ending(&task);
        let got = co.call(wait_for(shield(task), Duration::MAX)).await?;
        let inner = inner.borrow_mut().take();
        Ok((got, inner, co.now().await?))
    });
    assert_eq!(
        run(main).unwrap(),
        ("done", Some((false, Some("done"))), ms(100))
    );
}

#[test]
fn test_shielded_timeout() {
    // shield prevents the task from being cancelled.
    let main = Coroutine::new(|co| async move {
        let task = co.spawn(done_after(ms(100))).await?;
        let inner = ending(&task);
        let got = co.call(wait_for(shield(task), ms(10))).await;
        assert!(timed_out(&got.unwrap_err()));
        assert!(inner.borrow().is_none(), "not done, not cancelled");
        co.sleep(ms(100)).await?;
        let inner = inner.borrow_mut().take();
        Ok(inner)
    });
    assert_eq!(run(main).unwrap(), Some((false, Some("done"))));
}
