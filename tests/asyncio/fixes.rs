//! One test per bug running CPython's cases found (issue 11), each named
//! after what asyncio does.

use std::cell::RefCell;
use std::rc::Rc;

use trampoline::{Coroutine, JoinHandle, Queue};

use super::common::{log, run, secs, yield_now};

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
