//! One test per bug running CPython's cases found (issue 11), each named
//! after what asyncio does.

use std::cell::RefCell;
use std::rc::Rc;

use trampoline::sync::Event;
use trampoline::{
    Awaitable, Coroutine, Error, JoinHandle, Queue, Semaphore, capture_reports, gather, wait_for,
};

use super::common::{Log, after, fail, log, run, secs, yield_now};

/// Fix 1: `put_nowait` schedules the woken getter at once, so one
/// `sleep(0)` of the putter lets it run (it used to take two).
#[test]
fn a_woken_task_runs_within_one_sleep_0() {
    let main = Coroutine::new(|co| async move {
        let queue = Queue::new();
        let getter = co.spawn(queue.get()).await?;
        yield_now(&co).await?;
        queue.put_nowait(7).unwrap();
        yield_now(&co).await?;
        Ok((getter.is_finished(), co.join(getter).await?))
    });
    assert_eq!(run(main).unwrap(), (true, 7));
}

/// Fix 1: a task woken by `t` is queued before `t`'s joiner, which `t`
/// wakes later, by finishing.
#[test]
fn a_task_woken_earlier_runs_before_the_joiner_woken_later() {
    let order = log();
    let o = order.clone();
    let main = Coroutine::new(move |co| async move {
        let queue = Queue::new();
        let (o1, q1) = (o.clone(), queue.clone());
        let getter = co
            .spawn(Coroutine::new(move |co| async move {
                co.call(q1.get()).await?;
                o1.borrow_mut().push("getter");
                Ok(())
            }))
            .await?;
        yield_now(&co).await?;
        let q2 = queue.clone();
        let waker = co
            .spawn(Coroutine::new(move |_co| async move {
                q2.put_nowait(1).unwrap();
                Ok(())
            }))
            .await?;
        co.join(waker).await?;
        o.borrow_mut().push("joiner");
        co.join(getter).await
    });
    run(main).unwrap();
    assert_eq!(*order.borrow(), ["getter", "joiner"]);
}

/// A handle a task can reach to cancel itself: filled in by its spawner.
type Me<T> = Rc<RefCell<Option<JoinHandle<T>>>>;

/// Spawns `body` with a cell holding its own handle.
async fn spawn_with_self<T: 'static>(
    co: &trampoline::Co,
    body: impl FnOnce(Me<T>) -> Coroutine<T>,
) -> Result<Me<T>, trampoline::Error> {
    let me: Me<T> = Rc::default();
    let handle = co.spawn(body(me.clone())).await?;
    *me.borrow_mut() = Some(handle);
    Ok(me)
}

/// Fix 1: a task that cancels itself is still cancelled at its next
/// suspension point, not before: the code up to it runs.
#[test]
fn a_task_cancelling_itself_is_cancelled_at_its_next_suspension_point() {
    let main = Coroutine::new(|co| async move {
        let me = spawn_with_self(&co, |me: Me<&str>| {
            Coroutine::new(move |co| async move {
                yield_now(&co).await?;
                let cancelled = me.borrow().as_ref().unwrap().cancel();
                assert!(cancelled);
                co.sleep(secs(1)).await?;
                Ok("not cancelled")
            })
        })
        .await?;
        co.sleep(secs(5)).await?;
        let task = me.borrow_mut().take().unwrap();
        Ok((task.is_cancelled(), co.now().await?))
    });
    assert_eq!(run(main).unwrap(), (true, secs(5)));
}

/// Fix 7: a task that cancels itself and then returns ends cancelled,
/// since `cancel()` said it would.
#[test]
fn a_task_cancelling_itself_then_returning_ends_cancelled() {
    let main = Coroutine::new(|co| async move {
        let me = spawn_with_self(&co, |me: Me<&str>| {
            Coroutine::new(move |co| async move {
                yield_now(&co).await?;
                me.borrow().as_ref().unwrap().cancel();
                Ok("returned")
            })
        })
        .await?;
        co.sleep(secs(1)).await?;
        let task = me.borrow_mut().take().unwrap();
        Ok(co.join(task).await.unwrap_err().is_cancelled())
    });
    assert!(run(main).unwrap());
}

/// Fix 2: a `Semaphore` is first come, first served: a task that gives its
/// permit back and asks again waits behind the tasks already waiting.
#[test]
fn a_semaphore_serves_its_waiters_in_order() {
    let order = log();
    let o = order.clone();
    let main = Coroutine::new(move |co| async move {
        let limit = Semaphore::new(1);
        let held = co.call(limit.acquire()).await?;
        let mut waiters = Vec::new();
        for name in ["a", "b"] {
            let (limit, o) = (limit.clone(), o.clone());
            waiters.push(
                co.spawn(Coroutine::new(move |co| async move {
                    let _permit = co.call(limit.acquire()).await?;
                    o.borrow_mut().push(name);
                    yield_now(&co).await
                }))
                .await?,
            );
        }
        yield_now(&co).await?;
        drop(held);
        let newcomer_got_one = limit.try_acquire().is_some();
        let again = co.call(limit.acquire()).await?;
        o.borrow_mut().push("main");
        drop(again);
        for waiter in waiters {
            co.join(waiter).await?;
        }
        Ok(newcomer_got_one)
    });
    assert!(!run(main).unwrap());
    assert_eq!(*order.borrow(), ["a", "b", "main"]);
}

/// Fix 2: a waiter handed a permit but cancelled before it ran gives the
/// permit on to the next waiter, not back to a newcomer.
#[test]
fn a_cancelled_waiter_hands_its_permit_on() {
    let main = Coroutine::new(|co| async move {
        let limit = Semaphore::new(1);
        let held = co.call(limit.acquire()).await?;
        let first = co.spawn(limit.acquire()).await?;
        let second = co.spawn(limit.acquire()).await?;
        yield_now(&co).await?;
        drop(held); // handed to `first`...
        first.cancel(); // ...which is cancelled before it runs
        let first_cancelled = co.join(first).await.unwrap_err().is_cancelled();
        let permit = co.join(second).await?;
        Ok((first_cancelled, limit.available(), limit.locked(), permit))
    });
    let (first_cancelled, available, locked, _permit) = run(main).unwrap();
    assert_eq!((first_cancelled, available, locked), (true, 0, true));
}

/// Fix 3: `set()` then `clear()` before the waiters ran still wakes them
/// all, as asyncio's futures are resolved by `set`.
#[test]
fn set_then_clear_still_wakes_every_waiter() {
    let main = Coroutine::new(|co| async move {
        let event = Event::new();
        let a = co.spawn(event.wait()).await?;
        let b = co.spawn(event.wait()).await?;
        yield_now(&co).await?;
        event.set();
        event.clear();
        co.join(a).await?;
        co.join(b).await?;
        Ok((event.is_set(), co.now().await?))
    });
    assert_eq!(run(main).unwrap(), (false, secs(0)));
}

/// A task that catches its cancel, takes `cleanup` to unwind, and writes
/// down when it is done.
fn slow_to_cancel(cleanup: std::time::Duration, done: Log<&'static str>) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        if let Err(error) = co.sleep(secs(3600)).await {
            let _ = co.sleep(cleanup).await;
            done.borrow_mut().push("unwound");
            return Err(error);
        }
        Ok(())
    })
}

/// Fix 4: cancelling a `wait_for` returns only once its task has finished
/// being cancelled.
#[test]
fn a_cancelled_wait_for_waits_for_its_task_to_unwind() {
    let done = log();
    let d = done.clone();
    let main = Coroutine::new(move |co| async move {
        let outer = co
            .spawn(wait_for(slow_to_cancel(secs(2), d.clone()), secs(100)))
            .await?;
        co.sleep(secs(1)).await?;
        outer.cancel();
        let cancelled = co.join(outer).await.unwrap_err().is_cancelled();
        let now = co.now().await?;
        Ok((cancelled, d.borrow().clone(), now))
    });
    assert_eq!(run(main).unwrap(), (true, vec!["unwound"], secs(3)));
}

/// Fix 4: the same for `gather`, over every child.
#[test]
fn a_cancelled_gather_waits_for_its_children_to_unwind() {
    let done = log();
    let d = done.clone();
    let main = Coroutine::new(move |co| async move {
        let children = vec![
            slow_to_cancel(secs(2), d.clone()),
            slow_to_cancel(secs(4), d.clone()),
        ];
        let outer = co.spawn(gather(children)).await?;
        co.sleep(secs(1)).await?;
        outer.cancel();
        let cancelled = co.join(outer).await.unwrap_err().is_cancelled();
        let now = co.now().await?;
        Ok((cancelled, d.borrow().len(), now))
    });
    assert_eq!(run(main).unwrap(), (true, 2, secs(5)));
}

/// Fix 5: an error the task raises while being cancelled for the timeout
/// is what `wait_for` returns, not `TimedOut`.
#[test]
fn wait_for_returns_the_error_raised_while_unwinding() {
    let inner = Coroutine::<()>::new(|co| async move {
        if co.sleep(secs(10)).await.is_err() {
            return Err(Error::msg("raised while cancelled"));
        }
        Ok(())
    });
    let main = Coroutine::new(move |co| async move {
        Ok(co
            .call(wait_for(inner, secs(1)))
            .await
            .unwrap_err()
            .to_string())
    });
    assert_eq!(run(main).unwrap(), "raised while cancelled");
}

/// Fix 5: a `wait_for` cancelled while its timed-out task unwinds reports
/// the cancellation, not `TimedOut`.
#[test]
fn wait_for_cancelled_while_its_task_unwinds_reports_the_cancel() {
    let main = Coroutine::new(|co| async move {
        let outer = co
            .spawn(wait_for(slow_to_cancel(secs(5), log()), secs(1)))
            .await?;
        co.sleep(secs(2)).await?; // timed out at 1, unwinding until 6...
        outer.cancel(); // ...but cancelled again: its cleanup sleep ends
        let error = co.join(outer).await.unwrap_err();
        Ok((error.is_cancelled(), co.now().await?))
    });
    assert_eq!(run(main).unwrap(), (true, secs(2)));
}

/// Fix 6: a child that ends cancelled fails the `gather` at once with the
/// cancellation, instead of waiting for the others (which could hang).
#[test]
fn gather_fails_at_once_when_a_child_is_cancelled() {
    let main = Coroutine::new(|co| async move {
        let cancelled = Coroutine::<u32>::new(|co| async move {
            co.sleep(secs(1)).await?;
            Err(Error::cancelled())
        });
        let forever = co.spawn(after(secs(3600 * 24), 2)).await?;
        let got = co
            .call(gather(vec![Awaitable::from(cancelled), forever.into()]))
            .await;
        Ok((got.unwrap_err().is_cancelled(), co.now().await?))
    });
    assert_eq!(run(main).unwrap(), (true, secs(1)));
}

/// Fix 9: `cancel()` on a task that already failed counts as retrieving
/// its error: no "never retrieved" report.
#[test]
fn cancelling_a_failed_task_retrieves_its_error() {
    let main = Coroutine::new(|co| async move {
        let task = co.spawn(fail::<()>("boom")).await?;
        yield_now(&co).await?;
        Ok(task.cancel())
    });
    let (cancelled, reports) = capture_reports(|| run(main).unwrap());
    assert!(!cancelled);
    assert_eq!(reports, Vec::<String>::new());
}

/// Fix 10: two `gather` children failing in the same tick: the first is
/// returned, the second is not reported as never retrieved.
#[test]
fn gather_reports_nothing_when_two_children_fail_together() {
    let main = Coroutine::new(|co| async move {
        let got = co
            .call(gather(vec![fail::<()>("first"), fail("second")]))
            .await;
        Ok(got.unwrap_err().to_string())
    });
    let (first, reports) = capture_reports(|| run(main).unwrap());
    assert_eq!(first, "first");
    assert_eq!(reports, Vec::<String>::new());
}

/// Fix 8, a deliberate difference (README, "Where we differ from asyncio"):
/// cancelling a task blocked in `co.join(t)` gives up the join and leaves
/// `t` running; asyncio's `await t` would cancel `t`. Cancel `t` yourself,
/// or use `wait_for`, `gather` or a `TaskGroup`, which cancel what they own.
#[test]
fn cancelling_a_joiner_leaves_the_joined_task_running() {
    let done = log();
    let d = done.clone();
    let main = Coroutine::new(move |co| async move {
        let worker = co
            .spawn(Coroutine::new(move |co| async move {
                co.sleep(secs(2)).await?;
                d.borrow_mut().push("worked");
                Ok(())
            }))
            .await?;
        let joiner = co
            .spawn(Coroutine::new(
                move |co| async move { co.join(worker).await },
            ))
            .await?;
        co.sleep(secs(1)).await?;
        joiner.cancel();
        let joiner_cancelled = co.join(joiner).await.unwrap_err().is_cancelled();
        co.sleep(secs(5)).await?;
        Ok(joiner_cancelled)
    });
    assert!(run(main).unwrap());
    assert_eq!(*done.borrow(), ["worked"]);
}
