//! CPython's `Lib/test/test_asyncio/test_timeouts.py` (3.12), ported: all
//! 32 methods, 28 ported under their own name and 4 named below with why
//! not. `async with asyncio.timeout(d) as cm:` is
//! `co.call(cm.run(|cm| body))` with `let cm = Timeout::after(d)`;
//! `timeout_at(when)` is `Timeout::at(when)`; `timeout(None)` is
//! `Timeout::never()` (or `after(Duration::MAX)`); a plain `async with
//! asyncio.timeout(d):` with no `cm` is `co.call(timeout(d, body))`.
//! `TimeoutError` is `ErrorKind::TimedOut`, asyncio's `RuntimeError`s are
//! `Err`s with the same message, and `repr(cm)` is our Debug, which prints
//! the deadline as a `Duration` (`when=10s`), not a float.
//!
//! After them, tests of ours: `reschedule` while the body runs, from
//! inside and from another task (CPython only reschedules a task that is
//! then cancelled).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Coroutine, Error, ErrorKind, Timeout, timeout};

use super::common::{log, ms, run, secs, yield_now};

fn timed_out<T>(got: &Result<T, Error>) -> bool {
    matches!(got, Err(e) if matches!(e.kind(), ErrorKind::TimedOut))
}

fn nap(d: Duration) -> Coroutine<()> {
    Coroutine::new(move |co| async move { co.sleep(d).await })
}

/// `async with cm: await asyncio.sleep(d)`.
fn napping(cm: &Timeout, d: Duration) -> Coroutine<()> {
    cm.run(move |_cm| nap(d))
}

/// The message of a failed `reschedule` (asyncio's `RuntimeError`).
fn refusal(got: Result<(), Error>) -> String {
    got.unwrap_err().to_string()
}

#[test]
fn test_timeout_basic() {
    let cm = Timeout::after(ms(10));
    let c = cm.clone();
    let main = Coroutine::new(move |co| async move {
        let got = co.call(napping(&c, secs(10))).await;
        Ok((timed_out(&got), co.now().await?))
    });
    assert_eq!(run(main).unwrap(), (true, ms(10)));
    assert!(cm.expired());
}

#[test]
fn test_timeout_at_basic() {
    let main = Coroutine::new(|co| async move {
        let deadline = co.now().await? + ms(10);
        let cm = Timeout::at(deadline);
        let got = co.call(napping(&cm, secs(10))).await;
        Ok((timed_out(&got), cm.expired(), cm.when() == Some(deadline)))
    });
    assert_eq!(run(main).unwrap(), (true, true, true));
}

#[test]
fn test_nested_timeouts() {
    let cancelled = Rc::new(Cell::new(false));
    let c = cancelled.clone();
    let main = Coroutine::new(move |co| async move {
        let deadline = co.now().await? + ms(10);
        let cm1 = Timeout::at(deadline);
        let cm2 = Timeout::at(deadline);
        let inner = cm2.clone();
        let got = co
            .call(cm1.run(move |_cm1| {
                Coroutine::new(move |co| async move {
                    // Only the topmost scope should raise TimedOut.
                    let got = co.call(napping(&inner, secs(10))).await;
                    if matches!(&got, Err(e) if e.is_cancelled()) {
                        c.set(true);
                    }
                    got
                })
            }))
            .await;
        Ok((timed_out(&got), cm1.expired(), cm2.expired()))
    });
    assert_eq!(run(main).unwrap(), (true, true, true));
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
        let cm = Timeout::after(secs(10));
        co.call(napping(&cm, ms(10))).await?;
        let t1 = co.now().await?;
        Ok((cm.expired(), cm.when().unwrap() > t1, t1))
    });
    assert_eq!(run(main).unwrap(), (false, true, ms(10)));
}

#[test]
fn test_timeout_disabled() {
    let main = Coroutine::new(|co| async move {
        let cm = Timeout::after(Duration::MAX);
        co.call(napping(&cm, ms(10))).await?;
        Ok((cm.expired(), cm.when(), co.now().await?))
    });
    assert_eq!(run(main).unwrap(), (false, None, ms(10)));
}

#[test]
fn test_timeout_at_disabled() {
    let main = Coroutine::new(|co| async move {
        let cm = Timeout::never();
        co.call(napping(&cm, ms(10))).await?;
        Ok((cm.expired(), cm.when()))
    });
    assert_eq!(run(main).unwrap(), (false, None));
}

#[test]
fn test_timeout_zero() {
    let main = Coroutine::new(|co| async move {
        co.sleep(secs(1)).await?; // a clock that is not at zero
        let t0 = co.now().await?;
        let cm = Timeout::after(Duration::ZERO);
        let got = co.call(napping(&cm, secs(10))).await;
        let t1 = co.now().await?;
        let when = cm.when().unwrap();
        Ok((timed_out(&got), cm.expired(), t0 <= when && when <= t1, t1))
    });
    assert_eq!(run(main).unwrap(), (true, true, true, secs(1)));
}

#[test]
fn test_timeout_zero_sleep_zero() {
    let main = Coroutine::new(|co| async move {
        co.sleep(secs(1)).await?;
        let t0 = co.now().await?;
        let cm = Timeout::after(Duration::ZERO);
        let got = co.call(napping(&cm, Duration::ZERO)).await;
        let t1 = co.now().await?;
        let when = cm.when().unwrap();
        Ok((timed_out(&got), cm.expired(), t0 <= when && when <= t1, t1))
    });
    assert_eq!(run(main).unwrap(), (true, true, true, secs(1)));
}

#[test]
fn test_timeout_in_the_past_sleep_zero() {
    // `timeout(-11)`: a `Duration` cannot be negative, so it is
    // `timeout_at(now - 11 s)`, on a clock moved to 20 s first.
    let main = Coroutine::new(|co| async move {
        co.sleep(secs(20)).await?;
        let t0 = co.now().await?;
        let cm = Timeout::at(t0 - secs(11));
        let got = co.call(napping(&cm, Duration::ZERO)).await;
        let t1 = co.now().await?;
        let when = cm.when().unwrap();
        Ok((timed_out(&got), cm.expired(), t0 >= when && when <= t1, t1))
    });
    assert_eq!(run(main).unwrap(), (true, true, true, secs(20)));
}

#[test]
fn test_foreign_exception_passed() {
    let main = Coroutine::new(|co| async move {
        let cm = Timeout::after(ms(10));
        let body = |_cm| Coroutine::<()>::new(|_co| async { Err(Error::msg("KeyError")) });
        let error = co.call(cm.run(body)).await.unwrap_err();
        Ok((error.to_string(), cm.expired()))
    });
    assert_eq!(run(main).unwrap(), ("KeyError".to_string(), false));
}

#[test]
fn test_foreign_exception_on_timeout() {
    let main = Coroutine::new(|co| async move {
        let crash = Coroutine::<()>::new(|co| async move {
            let _ = co.sleep(secs(1)).await;
            // finally:
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
        let cm = Timeout::after(secs(10));
        let got = co
            .call(cm.run(|_cm| {
                Coroutine::new(|co| async move {
                    co.current_task().await?.cancel();
                    co.sleep(secs(10)).await
                })
            }))
            .await;
        Ok((got.unwrap_err().is_cancelled(), cm.expired()))
    });
    assert_eq!(run(main).unwrap(), (true, false));
}

#[test]
fn test_outer_task_is_not_cancelled() {
    let main = Coroutine::new(|co| async move {
        let outer = Coroutine::new(|co| async move {
            Ok(timed_out(&co.call(timeout(ms(1), nap(secs(10)))).await))
        });
        let task = co.spawn(outer).await?;
        co.join(task).await // Ok: done, not cancelled
    });
    assert!(run(main).unwrap());
}

// test_nested_timeouts_concurrent: blocks the loop with `time.sleep`; computing takes no virtual time.
// test_nested_timeouts_loop_busy: the same.

#[test]
fn test_reschedule() {
    let entered: Rc<RefCell<Option<Timeout>>> = Rc::default();
    let main = Coroutine::new(move |co| async move {
        let deadline1 = co.now().await? + secs(10);
        let deadline2 = deadline1 + secs(20);
        let slot = entered.clone();
        let f = Coroutine::new(move |co| async move {
            co.call(Timeout::at(deadline1).run(|cm| {
                Coroutine::new(move |co| async move {
                    *slot.borrow_mut() = Some(cm); // fut.set_result(cm)
                    co.sleep(secs(50)).await
                })
            }))
            .await
        });
        let task = co.spawn(f).await?;
        while entered.borrow().is_none() {
            yield_now(&co).await?; // cm = await fut
        }
        let cm = entered.borrow_mut().take().unwrap();

        assert_eq!(cm.when(), Some(deadline1));
        cm.reschedule(Some(deadline2))?;
        assert_eq!(cm.when(), Some(deadline2));
        cm.reschedule(None)?;
        assert_eq!(cm.when(), None);

        task.cancel();
        let got = co.join(task).await;
        Ok((got.unwrap_err().is_cancelled(), cm.expired()))
    });
    assert_eq!(run(main).unwrap(), (true, false));
}

#[test]
fn test_repr_active() {
    let main = Coroutine::new(|co| async move {
        let cm = Timeout::after(secs(10));
        co.call(cm.run(|cm| Coroutine::new(move |_co| async move { Ok(format!("{cm:?}")) })))
            .await
    });
    assert_eq!(run(main).unwrap(), "<Timeout [active] when=10s>");
}

#[test]
fn test_repr_expired() {
    let main = Coroutine::new(|co| async move {
        let cm = Timeout::after(ms(10));
        let got = co.call(napping(&cm, secs(10))).await;
        Ok((timed_out(&got), format!("{cm:?}")))
    });
    assert_eq!(run(main).unwrap(), (true, "<Timeout [expired]>".into()));
}

#[test]
fn test_repr_finished() {
    let main = Coroutine::new(|co| async move {
        let cm = Timeout::after(secs(10));
        co.call(napping(&cm, Duration::ZERO)).await?;
        Ok(format!("{cm:?}"))
    });
    assert_eq!(run(main).unwrap(), "<Timeout [finished]>");
}

#[test]
fn test_repr_disabled() {
    let main = Coroutine::new(|co| async move {
        let cm = Timeout::never();
        co.call(cm.run(|cm| Coroutine::new(move |_co| async move { Ok(format!("{cm:?}")) })))
            .await
    });
    assert_eq!(run(main).unwrap(), "<Timeout [active] when=None>");
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

// test_timeout_exception_cause: our TimedOut has no `__cause__` (the kernel's `Error` chains no causes).

#[test]
fn test_timeout_already_entered() {
    let main = Coroutine::new(|co| async move {
        let cm = Timeout::after(ms(10));
        co.call(cm.run(|cm| {
            Coroutine::new(move |co| async move {
                let again = co.call(napping(&cm, Duration::ZERO)).await;
                Ok(again.unwrap_err().to_string())
            })
        }))
        .await
    });
    assert_eq!(run(main).unwrap(), "Timeout has already been entered");
}

#[test]
fn test_timeout_double_enter() {
    let main = Coroutine::new(|co| async move {
        let cm = Timeout::after(ms(10));
        co.call(napping(&cm, Duration::ZERO)).await?;
        let again = co.call(napping(&cm, Duration::ZERO)).await;
        Ok(again.unwrap_err().to_string())
    });
    assert_eq!(run(main).unwrap(), "Timeout has already been entered");
}

#[test]
fn test_timeout_finished() {
    let main = Coroutine::new(|co| async move {
        let cm = Timeout::after(ms(10));
        co.call(cm.run(|_cm| Coroutine::new(|_co| async { Ok(()) })))
            .await?;
        Ok(refusal(cm.reschedule(Some(ms(20)))))
    });
    assert_eq!(
        run(main).unwrap(),
        "Cannot change state of finished Timeout"
    );
}

#[test]
fn test_timeout_expired() {
    let main = Coroutine::new(|co| async move {
        let cm = Timeout::after(ms(10));
        let got = co.call(napping(&cm, secs(1))).await;
        Ok((timed_out(&got), refusal(cm.reschedule(Some(ms(20))))))
    });
    let (timed_out, refused) = run(main).unwrap();
    assert!(timed_out);
    assert_eq!(refused, "Cannot change state of expired Timeout");
}

#[test]
fn test_timeout_expiring() {
    let main = Coroutine::new(|co| async move {
        let cm = Timeout::after(ms(10));
        co.call(cm.run(|cm| {
            Coroutine::new(move |co| async move {
                let slept = co.sleep(secs(1)).await;
                assert!(slept.unwrap_err().is_cancelled());
                Ok((refusal(cm.reschedule(Some(ms(20)))), format!("{cm:?}")))
            })
        }))
        .await
    });
    let (refused, debug) = run(main).unwrap();
    assert_eq!(refused, "Cannot change state of expiring Timeout");
    assert_eq!(debug, "<Timeout [expiring]>");
}

#[test]
fn test_timeout_not_entered() {
    let cm = Timeout::after(ms(10));
    assert_eq!(
        refusal(cm.reschedule(Some(ms(20)))),
        "Timeout has not been entered"
    );
}

// test_timeout_without_task: every coroutine runs on a task; entering outside one cannot be written.

// Ours: `reschedule` while the body runs.

/// A deadline moved earlier from another task cuts the body short then,
/// and the task's `cancelling()` count is back to what it was.
#[test]
fn reschedule_earlier_from_another_task() {
    let main = Coroutine::new(|co| async move {
        let cm = Timeout::after(secs(10));
        let mover = cm.clone();
        let task = co
            .spawn(Coroutine::new(move |co| async move {
                co.sleep(secs(1)).await?;
                mover.reschedule(Some(secs(2)))
            }))
            .await?;
        let got = co.call(napping(&cm, secs(5))).await;
        co.join(task).await?;
        let cancelling = co.current_task().await?.cancelling();
        Ok((timed_out(&got), co.now().await?, cancelling))
    });
    assert_eq!(run(main).unwrap(), (true, secs(2), 0));
}

/// A deadline moved later from inside (the watchdog already waiting for
/// the first) lets the body finish after the first deadline; moved from
/// never to a time, it expires then.
#[test]
fn reschedule_later_and_from_never() {
    let main = Coroutine::new(|co| async move {
        let later = Timeout::after(secs(1));
        co.call(later.run(|cm| {
            Coroutine::new(move |co| async move {
                co.sleep(ms(500)).await?;
                cm.reschedule(Some(secs(3)))?;
                co.sleep(secs(2)).await
            })
        }))
        .await?;
        let finished_at = co.now().await?;
        let never = Timeout::never();
        let got = co
            .call(never.run(|cm| {
                Coroutine::new(move |co| async move {
                    co.sleep(secs(1)).await?;
                    cm.reschedule(Some(co.now().await? + secs(1)))?;
                    co.sleep(secs(60)).await
                })
            }))
            .await;
        Ok((
            later.expired(),
            finished_at,
            timed_out(&got),
            co.now().await?,
        ))
    });
    assert_eq!(run(main).unwrap(), (false, ms(2500), true, ms(4500)));
}

/// A deadline moved to the past (the watchdog waiting for the first)
/// expires at the body's next suspension, not at once: the body runs on
/// until then (asyncio's `call_soon`).
#[test]
fn reschedule_to_the_past_expires_at_the_next_suspension() {
    let steps = log();
    let s = steps.clone();
    let main = Coroutine::new(move |co| async move {
        co.sleep(secs(5)).await?;
        let cm = Timeout::after(secs(10));
        let got = co
            .call(cm.run(|cm| {
                Coroutine::new(move |co| async move {
                    co.sleep(secs(1)).await?;
                    cm.reschedule(Some(secs(1)))?;
                    s.borrow_mut().push("after reschedule");
                    let slept = co.sleep(Duration::ZERO).await;
                    s.borrow_mut().push("after sleep(0)");
                    slept
                })
            }))
            .await;
        Ok((timed_out(&got), co.now().await?))
    });
    assert_eq!(run(main).unwrap(), (true, secs(6)));
    assert_eq!(*steps.borrow(), ["after reschedule", "after sleep(0)"]);
}
