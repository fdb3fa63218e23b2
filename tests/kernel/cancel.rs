//! Cancelling a task throws `Cancelled` in at its current suspension point,
//! whatever it is; the task can clean up; joining it gives `Cancelled`; and
//! a cancelled task is never resumed a second time by what it waited for.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, Error, Queue, Scheduler};

type Log = Rc<RefCell<Vec<String>>>;

fn virtual_scheduler() -> Scheduler {
    Scheduler::with_clock(Clock::virtual_at_zero()).unwrap()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Spawns `victim`, lets it park, cancels it, and returns what joining it gave.
fn cancel_after_parking<T: 'static>(victim: Coroutine<T>) -> Coroutine<Result<T, Error>> {
    Coroutine::new(move |co| async move {
        let task = co.spawn(victim).await?;
        co.sleep(secs(1)).await?;
        assert!(task.cancel(), "the task is still running");
        Ok(co.join(task).await)
    })
}

#[test]
fn a_sleeping_task_is_cancelled_at_once_and_can_clean_up() {
    let log = Log::default();
    let l = log.clone();
    let victim = Coroutine::new(move |co| async move {
        let slept = co.sleep(secs(3600)).await;
        l.borrow_mut().push(format!(
            "cleanup after {:?}",
            slept.as_ref().map_err(ToString::to_string)
        ));
        slept
    });
    let mut scheduler = virtual_scheduler();
    let joined = scheduler
        .run_until_complete(cancel_after_parking(victim))
        .unwrap();
    assert!(joined.unwrap_err().is_cancelled());
    assert_eq!(*log.borrow(), [r#"cleanup after Err("cancelled")"#]);
    assert_eq!(
        scheduler.clock().now(),
        secs(1),
        "nobody waited for the hour"
    );
}

#[test]
fn cancel_is_thrown_into_the_innermost_frame_and_unwinds_frame_by_frame() {
    let log = Log::default();
    fn level(log: Log, n: u64) -> Coroutine<()> {
        Coroutine::new(move |co| async move {
            let result = if n == 0 {
                co.sleep(secs(3600)).await
            } else {
                co.call(level(log.clone(), n - 1)).await
            };
            log.borrow_mut()
                .push(format!("level {n} saw {}", result.as_ref().unwrap_err()));
            result
        })
        .with_arg(n)
    }
    let mut scheduler = virtual_scheduler();
    let joined = scheduler
        .run_until_complete(cancel_after_parking(level(log.clone(), 2)))
        .unwrap();
    let error = joined.unwrap_err();
    assert!(error.is_cancelled());
    assert_eq!(
        *log.borrow(),
        [
            "level 0 saw cancelled",
            "level 1 saw cancelled",
            "level 2 saw cancelled"
        ]
    );
    assert_eq!(error.trace_line(), "level(0) ← level(1) ← level(2)");
}

#[test]
fn a_frame_that_catches_the_cancel_goes_on() {
    let victim = Coroutine::new(|co| async move {
        let inner = Coroutine::new(|co| async move { co.sleep(secs(3600)).await });
        match co.call(inner).await {
            Err(e) if e.is_cancelled() => {
                co.sleep(secs(2)).await?; // cleanup that itself waits
                Ok("cleaned up")
            }
            other => other.map(|()| "finished"),
        }
    });
    let mut scheduler = virtual_scheduler();
    let joined = scheduler
        .run_until_complete(cancel_after_parking(victim))
        .unwrap();
    assert_eq!(joined.unwrap(), "cleaned up");
    assert_eq!(scheduler.clock().now(), secs(3));
}

#[test]
fn a_task_cancelled_while_joining_is_not_resumed_when_the_joined_task_ends() {
    let log = Log::default();
    let l = log.clone();
    let main = Coroutine::new(move |co| async move {
        let slow = co
            .spawn(Coroutine::new(|co| async move { co.sleep(secs(5)).await }))
            .await?;
        let l2 = l.clone();
        let joiner = co
            .spawn(Coroutine::new(move |co| async move {
                let joined = co.join(slow).await;
                l2.borrow_mut()
                    .push(format!("join gave {}", joined.unwrap_err()));
                co.sleep(secs(10)).await?; // parked again when `slow` ends at 5 s
                let now = co.now().await?;
                l2.borrow_mut().push(format!("slept until {now:?}"));
                Ok(())
            }))
            .await?;
        co.sleep(secs(1)).await?;
        joiner.cancel();
        co.join(joiner).await
    });
    let mut scheduler = virtual_scheduler();
    scheduler.run_until_complete(main).unwrap();
    assert_eq!(*log.borrow(), ["join gave cancelled", "slept until 11s"]);
}

#[test]
fn a_task_cancelled_in_a_queue_get_does_not_swallow_the_next_item() {
    let queue = Queue::new();
    let q = queue.clone();
    let main = Coroutine::new(move |co| async move {
        let first = co.spawn(q.get()).await?;
        let second = co.spawn(q.get()).await?;
        co.sleep(secs(1)).await?;
        first.cancel();
        q.put_nowait("item").unwrap();
        let cancelled = co.join(first).await.unwrap_err().is_cancelled();
        Ok((cancelled, co.join(second).await?))
    });
    assert_eq!(
        virtual_scheduler().run_until_complete(main).unwrap(),
        (true, "item")
    );
    assert!(queue.is_empty());
}

#[test]
fn a_task_cancelled_after_being_woken_passes_the_wake_up_on() {
    let queue = Queue::new();
    let q = queue.clone();
    let main = Coroutine::new(move |co| async move {
        let first = co.spawn(q.get()).await?;
        let second = co.spawn(q.get()).await?;
        co.sleep(secs(1)).await?;
        q.put_nowait("item").unwrap(); // wakes `first` ...
        first.cancel(); // ... which is cancelled before it runs
        let cancelled = co.join(first).await.unwrap_err().is_cancelled();
        Ok((cancelled, co.join(second).await?))
    });
    assert_eq!(
        virtual_scheduler().run_until_complete(main).unwrap(),
        (true, "item")
    );
}

#[test]
fn a_task_that_never_ran_is_cancelled_without_running() {
    let ran = Rc::new(RefCell::new(false));
    let r = ran.clone();
    let mut scheduler = virtual_scheduler();
    let task = scheduler.spawn(Coroutine::new(move |_co| async move {
        *r.borrow_mut() = true;
        Ok(())
    }));
    assert!(task.cancel());
    let main =
        Coroutine::new(
            move |co| async move { Ok(co.join(task).await.unwrap_err().is_cancelled()) },
        );
    assert!(scheduler.run_until_complete(main).unwrap());
    assert!(!*ran.borrow());
}

#[test]
fn cancelling_a_finished_task_does_nothing() {
    let main = Coroutine::new(|co| async move {
        let task = co.spawn(Coroutine::new(|_co| async { Ok(7) })).await?;
        co.sleep(secs(1)).await?;
        let cancelled = task.cancel();
        Ok((cancelled, co.join(task).await?))
    });
    assert_eq!(
        virtual_scheduler().run_until_complete(main).unwrap(),
        (false, 7)
    );
}

#[test]
fn a_task_waiting_with_a_timeout_is_cancelled_and_its_timer_is_ignored() {
    let log = Log::default();
    let l = log.clone();
    let queue: Queue<u8> = Queue::new();
    let q = queue.clone();
    let main = Coroutine::new(move |co| async move {
        let waiter = co
            .spawn(Coroutine::new(move |co| async move {
                let got = co.call(trampoline::wait_for(q.get(), secs(5))).await;
                l.borrow_mut()
                    .push(format!("wait_for gave {}", got.unwrap_err()));
                co.sleep(secs(100)).await?;
                let now = co.now().await?;
                l.borrow_mut().push(format!("woke at {now:?}"));
                Ok(())
            }))
            .await?;
        co.sleep(secs(1)).await?;
        waiter.cancel();
        co.join(waiter).await
    });
    virtual_scheduler().run_until_complete(main).unwrap();
    assert_eq!(*log.borrow(), ["wait_for gave cancelled", "woke at 101s"]);
}
