//! CPython's `Lib/test/test_asyncio/test_timeouts.py`, ported: `async with
//! asyncio.timeout(d):` is `co.call(timeout(d, body))`; `None` is
//! `Duration::MAX`.
//!
//! Not ported: `timeout_at`, `when()`, `reschedule()`, `expired()` and the
//! repr tests (our scope is a coroutine, not a `Timeout` object one can
//! keep; expiry shows as `TimedOut`); `test_nested_timeouts_concurrent` and
//! `test_nested_timeouts_loop_busy` (they block the loop with
//! `time.sleep`: computing takes no virtual time); a negative timeout (a
//! `Duration` cannot be); `test_timeout_exception_cause` (no `__cause__`).

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Coroutine, Error, ErrorKind, timeout};

use super::common::{ms, run, secs};

fn timed_out<T>(got: &Result<T, Error>) -> bool {
    matches!(got, Err(e) if matches!(e.kind(), ErrorKind::TimedOut))
}

fn nap(d: Duration) -> Coroutine<()> {
    Coroutine::new(move |co| async move { co.sleep(d).await })
}

#[test]
fn test_timeout_basic() {
    let main = Coroutine::new(|co| async move {
        let got = co.call(timeout(ms(10), nap(secs(10)))).await;
        Ok((timed_out(&got), co.now().await?))
    });
    assert_eq!(run(main).unwrap(), (true, ms(10)));
}

#[test]
fn test_nested_timeouts() {
    let cancelled = Rc::new(Cell::new(false));
    let c = cancelled.clone();
    let main = Coroutine::new(move |co| async move {
        let outer = Coroutine::new(move |co| async move {
            // Only the topmost scope should raise TimedOut.
            let inner = co.call(timeout(ms(10), nap(secs(10)))).await;
            if matches!(&inner, Err(e) if e.is_cancelled()) {
                c.set(true);
            }
            inner
        });
        let got = co.call(timeout(ms(10), outer)).await;
        Ok(timed_out(&got))
    });
    assert!(run(main).unwrap());
    assert!(cancelled.get());
}

#[test]
fn test_waiter_cancelled() {
    let cancelled = Rc::new(Cell::new(false));
    let c = cancelled.clone();
    let main = Coroutine::new(move |co| async move {
        let body = Coroutine::new(move |co| async move {
            let slept = co.sleep(secs(10)).await;
            c.set(matches!(&slept, Err(e) if e.is_cancelled()));
            slept
        });
        Ok(timed_out(&co.call(timeout(ms(10), body)).await))
    });
    assert!(run(main).unwrap());
    assert!(cancelled.get());
}

#[test]
fn test_timeout_not_called() {
    let main = Coroutine::new(|co| async move {
        let t0 = co.now().await?;
        co.call(timeout(secs(10), nap(ms(10)))).await?;
        Ok(co.now().await? - t0)
    });
    assert_eq!(run(main).unwrap(), ms(10));
}

#[test]
fn test_timeout_disabled() {
    let main = Coroutine::new(|co| async move {
        co.call(timeout(Duration::MAX, nap(ms(10)))).await?;
        co.now().await
    });
    assert_eq!(run(main).unwrap(), ms(10));
}

#[test]
fn test_timeout_zero() {
    let main = Coroutine::new(|co| async move {
        let got = co.call(timeout(Duration::ZERO, nap(secs(10)))).await;
        Ok((timed_out(&got), co.now().await?))
    });
    assert_eq!(run(main).unwrap(), (true, Duration::ZERO));
}

#[test]
fn test_timeout_zero_sleep_zero() {
    let main = Coroutine::new(|co| async move {
        let got = co.call(timeout(Duration::ZERO, nap(Duration::ZERO))).await;
        Ok((timed_out(&got), co.now().await?))
    });
    assert_eq!(run(main).unwrap(), (true, Duration::ZERO));
}

#[test]
fn test_foreign_exception_passed() {
    let main = Coroutine::new(|co| async move {
        let body = Coroutine::<()>::new(|_co| async { Err(Error::msg("KeyError")) });
        Ok(co
            .call(timeout(ms(10), body))
            .await
            .unwrap_err()
            .to_string())
    });
    assert_eq!(run(main).unwrap(), "KeyError");
}

#[test]
fn test_foreign_exception_on_timeout() {
    let main = Coroutine::new(|co| async move {
        let crash = Coroutine::<()>::new(|co| async move {
            let _ = co.sleep(secs(1)).await;
            Err(Error::msg("division by zero"))
        });
        Ok(co
            .call(timeout(ms(10), crash))
            .await
            .unwrap_err()
            .to_string())
    });
    assert_eq!(run(main).unwrap(), "division by zero");
}

#[test]
fn test_foreign_cancel_doesnt_timeout_if_not_expired() {
    let main = Coroutine::new(|co| async move {
        let body = Coroutine::new(|co| async move {
            co.current_task().await?.cancel();
            co.sleep(secs(10)).await
        });
        let got = co.call(timeout(secs(10), body)).await;
        Ok(got.unwrap_err().is_cancelled())
    });
    assert!(run(main).unwrap());
}

#[test]
fn test_outer_task_is_not_cancelled() {
    let main = Coroutine::new(|co| async move {
        let outer = Coroutine::new(|co| async move {
            Ok(timed_out(&co.call(timeout(ms(1), nap(secs(10)))).await))
        });
        let task = co.spawn(outer).await?;
        co.join(task).await
    });
    assert!(run(main).unwrap());
}

#[test]
fn test_nested_timeout_in_finally() {
    let main = Coroutine::new(|co| async move {
        let body = Coroutine::new(|co| async move {
            let slept = co.sleep(secs(1)).await;
            // finally:
            let inner = co.call(timeout(ms(10), nap(secs(10)))).await;
            assert!(timed_out(&inner));
            slept
        });
        Ok(timed_out(&co.call(timeout(ms(10), body)).await))
    });
    assert!(run(main).unwrap());
}

#[test]
fn test_timeout_after_cancellation() {
    let main = Coroutine::new(|co| async move {
        co.current_task().await?.cancel();
        let _ = co.sleep(secs(1)).await; // work which will be cancelled
        // finally:
        let got = co.call(timeout(Duration::ZERO, nap(secs(1)))).await;
        Ok(timed_out(&got))
    });
    assert!(run(main).unwrap());
}

#[test]
fn test_cancel_in_timeout_after_cancellation() {
    let main = Coroutine::new(|co| async move {
        co.current_task().await?.cancel();
        let _ = co.sleep(secs(1)).await; // work which will be cancelled
        // finally:
        let body = Coroutine::new(|co| async move {
            co.current_task().await?.cancel();
            co.sleep(secs(2)).await // some cleanup
        });
        let got = co.call(timeout(secs(1), body)).await;
        Ok(got.unwrap_err().is_cancelled())
    });
    assert!(run(main).unwrap());
}
