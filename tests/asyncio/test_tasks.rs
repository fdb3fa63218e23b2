//! CPython's `Lib/test/test_asyncio/test_tasks.py`, ported in part: the
//! cancel, wait, as_completed, sleep, current_task and shield cases. A
//! bare future is a `sync::Event` (set = `set_result`) a task waits on;
//! `run_briefly` is one `sleep(0)`.
//!
//! Not ported here (the file has ~300 cases): the white-box ones
//! (`_fut_waiter`, `_must_cancel`, repr, the C/Python task twins), cancel
//! messages (`cancel(msg)`: not supported, see README), tracebacks and
//! `__context__`, `test_as_completed_duplicate_coroutines` (a coroutine is
//! moved into the call: it cannot be passed twice), eager tasks, contexts,
//! and the loop-policy ones. gather's cases are in `mod fixes` and below.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use trampoline::sync::Event;
use trampoline::{
    Coroutine, Error, ErrorKind, ReturnWhen, RunError, as_completed, gather, shield, wait,
};

use super::common::{after, ms, run, scheduler, secs, yield_now};

#[test]
fn test_cancel() {
    let main = Coroutine::new(|co| async move {
        let mut t = co.spawn(after(secs(10), 12)).await?;
        yield_now(&co).await?;
        t.cancel();
        let cancelled = co.join_ref(&mut t).await;
        Ok((
            cancelled,
            t.is_finished(),
            t.is_cancelled(),
            t.cancel(),
            co.now().await?,
        ))
    });
    assert_eq!(
        run(main).unwrap(),
        (true, true, true, false, Duration::ZERO)
    );
}

trait JoinRef {
    /// Waits for `t` without taking its handle (asyncio's `await
    /// asyncio.wait([t])`); `true` if it ended cancelled.
    async fn join_ref<T: 'static>(&self, t: &mut trampoline::JoinHandle<T>) -> bool;
}

impl JoinRef for trampoline::Co {
    async fn join_ref<T: 'static>(&self, t: &mut trampoline::JoinHandle<T>) -> bool {
        let placeholder = self.spawn(Coroutine::new(|_co| async { Err(Error::cancelled()) }));
        let Ok(placeholder) = placeholder.await else {
            return false;
        };
        let handle = std::mem::replace(t, placeholder);
        let waited = self
            .call(wait(vec![handle], ReturnWhen::AllCompleted, None))
            .await;
        if let Ok((mut done, _)) = waited {
            *t = done.pop().expect("one task, all completed");
        }
        t.is_cancelled()
    }
}

#[test]
fn test_cancel_yield() {
    let main = Coroutine::new(|co| async move {
        let mut t = co
            .spawn(Coroutine::new(|co| async move {
                yield_now(&co).await?;
                yield_now(&co).await?;
                Ok(12)
            }))
            .await?;
        yield_now(&co).await?; // start coro
        t.cancel();
        let cancelled = co.join_ref(&mut t).await;
        Ok((cancelled, t.is_finished(), t.cancel()))
    });
    assert_eq!(run(main).unwrap(), (true, true, false));
}

#[test]
fn test_cancel_task_catching() {
    let main = Coroutine::new(|co| async move {
        let (fut1, fut2) = (Event::new(), Event::new());
        let (f1, f2) = (fut1.clone(), fut2.clone());
        let t = co
            .spawn(Coroutine::new(move |co| async move {
                co.call(f1.wait()).await?;
                match co.call(f2.wait()).await {
                    Err(e) if e.is_cancelled() => Ok(42),
                    other => other.map(|()| 0),
                }
            }))
            .await?;
        yield_now(&co).await?;
        fut1.set();
        yield_now(&co).await?;
        t.cancel();
        yield_now(&co).await?;
        Ok((t.is_cancelled(), co.join(t).await?))
    });
    assert_eq!(run(main).unwrap(), (false, 42));
}

#[test]
fn test_cancel_task_ignoring() {
    let main = Coroutine::new(|co| async move {
        let (fut1, fut2) = (Event::new(), Event::new());
        let fut3 = trampoline::Queue::new();
        let (f1, f2, f3) = (fut1.clone(), fut2.clone(), fut3.clone());
        let t = co
            .spawn(Coroutine::new(move |co| async move {
                co.call(f1.wait()).await?;
                let _ = co.call(f2.wait()).await;
                co.call(f3.get()).await
            }))
            .await?;
        yield_now(&co).await?;
        fut1.set();
        yield_now(&co).await?;
        t.cancel();
        yield_now(&co).await?;
        fut3.put_nowait(42).unwrap();
        let res = co.join(t).await?;
        Ok(res)
    });
    assert_eq!(run(main).unwrap(), 42);
}

#[test]
fn test_cancel_current_task() {
    let main = Coroutine::new(|co| async move {
        let mut t = co
            .spawn(Coroutine::new(|co| async move {
                co.current_task().await?.cancel();
                // The sleep should be cancelled immediately.
                co.sleep(secs(100)).await?;
                Ok(12)
            }))
            .await?;
        assert!(!t.is_cancelled());
        let cancelled = co.join_ref(&mut t).await;
        Ok((cancelled, t.cancel(), co.now().await?))
    });
    assert_eq!(run(main).unwrap(), (true, false, Duration::ZERO));
}

#[test]
fn test_cancel_at_end() {
    let main = Coroutine::new(|co| async move {
        let mut t = co
            .spawn(Coroutine::new(|co| async move {
                co.current_task().await?.cancel();
                Ok(12)
            }))
            .await?;
        let cancelled = co.join_ref(&mut t).await;
        Ok((cancelled, t.cancel()))
    });
    assert_eq!(run(main).unwrap(), (true, false));
}

// Differs (README, fix 8): the task cancelled while it joins `nested_task`
// ends cancelled, but `nested_task` is not cancelled with it.
#[test]
fn test_cancel_awaited_task() {
    let main = Coroutine::new(|co| async move {
        let fut = Event::new();
        let f = fut.clone();
        let nested_ended = Rc::new(Cell::new(false));
        let n = nested_ended.clone();
        let mut task = co
            .spawn(Coroutine::new(move |co| async move {
                let nested = co
                    .spawn(Coroutine::new(move |co| async move {
                        let waited = co.call(f.wait()).await;
                        n.set(true);
                        waited
                    }))
                    .await?;
                yield_now(&co).await?;
                co.current_task().await?.cancel();
                co.join(nested).await
            }))
            .await?;
        let cancelled = co.join_ref(&mut task).await;
        yield_now(&co).await?;
        let nested_still_waits = !nested_ended.get();
        fut.set();
        yield_now(&co).await?;
        Ok((cancelled, nested_still_waits, nested_ended.get()))
    });
    assert_eq!(run(main).unwrap(), (true, true, true));
}

#[test]
fn test_stop_while_run_in_complete() {
    let mut scheduler = scheduler();
    let handle = scheduler.handle();
    let x = Rc::new(Cell::new(0));
    let x2 = x.clone();
    let task = Coroutine::new(move |co| async move {
        while x2.get() < 10 {
            co.sleep(ms(100)).await?;
            x2.set(x2.get() + 1);
            if x2.get() == 2 {
                handle.stop();
            }
        }
        Ok(())
    });
    let got = scheduler.run_until_complete(task);
    assert!(matches!(got, Err(RunError::Stopped)));
    assert_eq!(x.get(), 2);
    assert_eq!(scheduler.clock().now(), ms(200));
}

#[test]
fn test_wait_with_iterator_of_tasks() {
    let main = Coroutine::new(|co| async move {
        let a = co.spawn(after(ms(100), ())).await?;
        let b = co.spawn(after(ms(150), ())).await?;
        let (done, pending) = co
            .call(wait(vec![b, a], ReturnWhen::AllCompleted, None))
            .await?;
        assert_eq!((done.len(), pending.len()), (2, 0));
        Ok((42, co.now().await?))
    });
    assert_eq!(run(main).unwrap(), (42, ms(150)));
}

#[test]
fn test_as_completed() {
    let main = Coroutine::new(|co| async move {
        let (a, b, c) = (after(ms(10), 'a'), after(ms(10), 'b'), after(ms(150), 'c'));
        let mut values = Vec::new();
        let mut done = as_completed(vec![b, c, a], None);
        while let Some(v) = co.next(&mut done).await? {
            values.push(v?);
        }
        Ok((values, co.now().await?))
    });
    let (res, now) = run(main).unwrap();
    assert_eq!(now, ms(150));
    assert!(res[..2].contains(&'a') && res[..2].contains(&'b'));
    assert_eq!(res[2], 'c');
}

// Differs (README): on the timeout, the unfinished tasks are cancelled.
#[test]
fn test_as_completed_with_timeout() {
    let main = Coroutine::new(|co| async move {
        let a = co.spawn(after(ms(100), 'a')).await?;
        let b = co.spawn(after(ms(150), 'b')).await?;
        let mut values = Vec::new();
        let mut done = as_completed(vec![a, b], Some(ms(120)));
        loop {
            match co.next(&mut done).await {
                Ok(Some(v)) => values.push((1, format!("{}", v?))),
                Ok(None) => break,
                Err(e) => {
                    assert!(matches!(e.kind(), ErrorKind::TimedOut));
                    values.push((2, e.to_string()));
                    break;
                }
            }
        }
        Ok((values, co.now().await?))
    });
    let (res, now) = run(main).unwrap();
    assert_eq!(res, [(1, "a".to_string()), (2, "timed out".to_string())]);
    assert_eq!(now, ms(120));
}

#[test]
fn test_as_completed_with_unused_timeout() {
    let main = Coroutine::new(|co| async move {
        let mut done = as_completed(vec![after(ms(10), 'a')], Some(secs(1)));
        let mut values = Vec::new();
        while let Some(v) = co.next(&mut done).await? {
            values.push(v?);
        }
        Ok(values)
    });
    assert_eq!(run(main).unwrap(), ['a']);
}

#[test]
fn test_sleep() {
    let main = Coroutine::new(|co| async move {
        let t = co
            .spawn(Coroutine::new(|co| async move {
                co.sleep(ms(50)).await?;
                co.sleep(ms(50)).await?;
                Ok("yeah")
            }))
            .await?;
        Ok((co.join(t).await?, co.now().await?))
    });
    assert_eq!(run(main).unwrap(), ("yeah", ms(100)));
}

#[test]
fn test_task_cancel_sleeping_task() {
    let mut scheduler = scheduler();
    let main = Coroutine::new(move |co| async move {
        let sleeper = co.spawn(after(secs(5000), ())).await?;
        // `loop.call_later(0.1, sleeper.cancel)`: the callback cannot take
        // the handle main joins, so main sleeps the 0.1 s and cancels.
        co.sleep(ms(100)).await?;
        sleeper.cancel();
        let got = co.join(sleeper).await;
        let said = if matches!(&got, Err(e) if e.is_cancelled()) {
            "cancelled"
        } else {
            "slept in"
        };
        Ok((said, co.now().await?))
    });
    assert_eq!(
        scheduler.run_until_complete(main).unwrap(),
        ("cancelled", ms(100))
    );
}

#[test]
fn test_current_task() {
    let main = Coroutine::new(|co| async move {
        let task = co
            .spawn(Coroutine::new(|co| async move {
                Ok(co.current_task().await?.id())
            }))
            .await?;
        let id = task.id();
        Ok(co.join(task).await? == id)
    });
    assert!(run(main).unwrap());
}

#[test]
fn test_current_task_with_interleaving_tasks() {
    let main = Coroutine::new(|co| async move {
        let (fut1, fut2) = (Event::new(), Event::new());
        let (a1, a2, b1, b2) = (fut1.clone(), fut2.clone(), fut1.clone(), fut2.clone());
        let seen = Rc::new(RefCell::new(Vec::new()));
        let (s1, s2) = (seen.clone(), seen.clone());
        let task1 = co
            .spawn(Coroutine::new(move |co| async move {
                let id = co.current_task().await?.id().get();
                s1.borrow_mut().push((1, id));
                co.call(a1.wait()).await?;
                let id = co.current_task().await?.id().get();
                s1.borrow_mut().push((1, id));
                a2.set();
                Ok(())
            }))
            .await?;
        let task2 = co
            .spawn(Coroutine::new(move |co| async move {
                let id = co.current_task().await?.id().get();
                s2.borrow_mut().push((2, id));
                b1.set();
                co.call(b2.wait()).await?;
                let id = co.current_task().await?.id().get();
                s2.borrow_mut().push((2, id));
                Ok(())
            }))
            .await?;
        let ids = (task1.id().get(), task2.id().get());
        co.call(wait(vec![task1, task2], ReturnWhen::AllCompleted, None))
            .await?;
        let all_right = seen
            .borrow()
            .iter()
            .all(|&(n, id)| id == if n == 1 { ids.0 } else { ids.1 });
        Ok((all_right, seen.borrow().len()))
    });
    assert_eq!(run(main).unwrap(), (true, 4));
}

#[test]
fn test_yield_future_passes_cancel() {
    let proof = Rc::new(Cell::new(0));
    let p = proof.clone();
    let main = Coroutine::new(move |co| async move {
        let waiter = Event::new();
        let w = waiter.clone();
        let inner = move |p: Rc<Cell<u32>>| {
            Coroutine::new(move |co| async move {
                let waited = co.call(w.wait()).await;
                if waited.is_err() {
                    p.set(p.get() + 1);
                }
                waited
            })
        };
        let outer = Coroutine::new(move |co| async move {
            match co.call(inner(p.clone())).await {
                Err(e) if e.is_cancelled() => p.set(p.get() + 100), // Expect this path.
                _ => p.set(p.get() + 10),
            }
            Ok(())
        });
        let f = co.spawn(outer).await?;
        yield_now(&co).await?;
        f.cancel();
        co.join(f).await
    });
    run(main).unwrap();
    assert_eq!(proof.get(), 101);
}

#[test]
fn test_yield_wait_does_not_shield_cancel() {
    let proof = Rc::new(Cell::new(0));
    let p = proof.clone();
    let main = Coroutine::new(move |co| async move {
        let waiter = Event::new();
        let (w, p1, p2) = (waiter.clone(), p.clone(), p.clone());
        let outer = Coroutine::new(move |co| async move {
            let inner = co
                .spawn(Coroutine::new(move |co| async move {
                    co.call(w.wait()).await?;
                    p1.set(p1.get() + 1);
                    Ok(())
                }))
                .await?;
            co.call(wait(vec![inner], ReturnWhen::AllCompleted, None))
                .await?;
            p2.set(p2.get() + 100);
            Ok(())
        });
        let f = co.spawn(outer).await?;
        yield_now(&co).await?;
        f.cancel();
        assert!(co.join(f).await.unwrap_err().is_cancelled());
        waiter.set();
        yield_now(&co).await?;
        Ok(())
    });
    run(main).unwrap();
    assert_eq!(proof.get(), 1);
}

#[test]
fn test_shield_result() {
    let main = Coroutine::new(|co| async move {
        let inner = co.spawn(Coroutine::new(|_co| async { Ok(42) })).await?;
        co.call(shield(inner)).await
    });
    assert_eq!(run(main).unwrap(), 42);
}

#[test]
fn test_shield_exception() {
    let main = Coroutine::new(|co| async move {
        let inner = co
            .spawn(Coroutine::<()>::new(|co| async move {
                yield_now(&co).await?;
                Err(Error::msg("expected"))
            }))
            .await?;
        Ok(co.call(shield(inner)).await.unwrap_err().to_string())
    });
    assert_eq!(run(main).unwrap(), "expected");
}

#[test]
fn test_gather_cancels_the_others_on_failure() {
    // Differs (README): asyncio's gather leaves the others running.
    let main = Coroutine::new(|co| async move {
        let slow = after(secs(10), 1);
        let bad = Coroutine::<u32>::new(|co| async move {
            co.sleep(secs(1)).await?;
            Err(Error::msg("bad"))
        });
        let got = co.call(gather(vec![slow, bad])).await;
        Ok((
            got.unwrap_err().to_string(),
            co.now().await?,
            co.all_tasks().await?.len(),
        ))
    });
    assert_eq!(run(main).unwrap(), ("bad".to_string(), secs(1), 1));
}

// CPython's `test_cancel_with_message_then_future_result`: the message given
// to `cancel(msg)` reaches whoever awaits the task, in its CancelledError.
#[test]
fn test_cancel_with_message_then_future_result() {
    let main = Coroutine::new(|co| async move {
        let t = co.spawn(after(secs(10), 12)).await?;
        yield_now(&co).await?;
        assert!(t.cancel_with("my message"));
        let error = co.join(t).await.unwrap_err();
        Ok((error.is_cancelled(), error.to_string()))
    });
    assert_eq!(
        run(main).unwrap(),
        (true, "cancelled: my message".to_string())
    );
}

// CPython's `test_cancel_with_message_before_starting_task`: a task
// cancelled before it ever ran ends cancelled, with the message.
#[test]
fn test_cancel_with_message_before_starting_task() {
    let main = Coroutine::new(|co| async move {
        let t = co.spawn(after(secs(10), 12)).await?;
        assert!(t.cancel_with("my message"));
        let error = co.join(t).await.unwrap_err();
        Ok((error.is_cancelled(), error.to_string(), co.now().await?))
    });
    assert_eq!(
        run(main).unwrap(),
        (true, "cancelled: my message".to_string(), Duration::ZERO)
    );
}
