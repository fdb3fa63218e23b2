//! CPython's `Lib/test/test_asyncio/test_tasks.py` (3.12), every test
//! method in the file's order: ported under its own name, or a one-line
//! comment `// test_xxx: why not`. A bare future is a task parked on a queue
//! (`new_future`: putting `Ok`/`Err` in is `set_result`/`set_exception`,
//! cancelling the task is `fut.cancel()`), or a `sync::Event` where only
//! `set_result(None)` is used; `run_briefly` is one `sleep(0)`;
//! `run_until_complete(t)` then `t.result()` is `finished`.
//!
//! The file has 156 test methods (`BaseTaskTests` is run by eight classes,
//! the C and Python twins and their subclasses: ported once;
//! `GatherTestsBase` by `FutureGatherTests` and `CoroutineGatherTests`: each
//! port checks both, over tasks and over coroutines). 79 are ported here
//! (`cargo test --test asyncio test_tasks`); 2 are covered by another port
//! (`test_wait_invalid_args`, `test_current_task_with_implicit_loop`); 75 do
//! not apply, one line each: repr and names, the C/Python twins and Task
//! subclasses, loops and loop policies, contextvars, exception chaining,
//! Python types and introspection, asyncio's private registry, threads. A
//! port that found a difference says so above it (`Differs`); the last test,
//! `test_gather_cancels_the_others_on_failure`, is ours, for one of them.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use trampoline::sync::Event;
use trampoline::{
    Awaitable, Co, Coroutine, Error, ErrorKind, JoinHandle, Queue, ReturnWhen, RunError, TaskId,
    TaskRef, as_completed, capture_reports, gather, gather_outcomes, shield, timeout, wait,
};

use super::common::{after, fail, ms, run, scheduler, secs, yield_now};

/// A bare future: a task parked on a queue, and the queue that settles it.
type Settle<T> = Queue<Result<T, Error>>;

async fn new_future<T: 'static>(co: &Co) -> Result<(JoinHandle<T>, Settle<T>), Error> {
    let settle: Settle<T> = Queue::new();
    let q = settle.clone();
    let task = co
        .spawn(Coroutine::new(move |co| async move { co.call(q.get()).await? }).named("future"))
        .await?;
    Ok((task, settle))
}

/// `n` bare futures of `u32`.
async fn new_futures(co: &Co, n: usize) -> Result<Vec<(JoinHandle<u32>, Settle<u32>)>, Error> {
    let mut futures = Vec::with_capacity(n);
    for _ in 0..n {
        futures.push(new_future(co).await?);
    }
    Ok(futures)
}

/// Waits until `t` has finished and gives it back, to look at
/// (`loop.run_until_complete(t)` then `t.result()`).
async fn finished<T: 'static>(co: &Co, t: JoinHandle<T>) -> Result<JoinHandle<T>, Error> {
    let (mut done, _) = co
        .call(wait(vec![t], ReturnWhen::AllCompleted, None))
        .await?;
    Ok(done.pop().expect("one task, all completed"))
}

/// The live task `id`, to cancel or look at while its handle is elsewhere.
async fn task_ref(co: &Co, id: TaskId) -> Result<TaskRef, Error> {
    let all = co.all_tasks().await?;
    Ok(all.into_iter().find(|t| t.id() == id).expect("a live task"))
}

/// Notes, when `t` finishes, whether it ended cancelled.
fn ended_cancelled<T: 'static>(t: &JoinHandle<T>) -> Rc<Cell<Option<bool>>> {
    let seen = Rc::new(Cell::new(None));
    let s = seen.clone();
    t.add_done_callback(move |t| s.set(Some(t.is_cancelled())));
    seen
}

/// Counts the calls of a done callback (`test_utils.MockCallback`).
fn callback_count<T: 'static>(t: &JoinHandle<T>) -> Rc<Cell<u32>> {
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    t.add_done_callback(move |_| c.set(c.get() + 1));
    calls
}

/// `GatherTestsBase._run_loop`: run until nothing is ready.
async fn run_loop(co: &Co) -> Result<(), Error> {
    for _ in 0..5 {
        yield_now(co).await?;
    }
    Ok(())
}

// BaseTaskTests (CTask_CFuture_Tests, PyTask_PyFuture_Tests and the other six
// classes run the same methods on the C and Python twins: ported once).

// test_generic_alias: `Task[str]` is Python's typing; `JoinHandle<T>` is generic.

#[test]
fn test_task_cancel_message_getter() {
    // `_cancel_message` is private; what it holds reaches the awaiter.
    let main = Coroutine::new(|co| async move {
        let t = co.spawn(Coroutine::new(|_co| async { Ok(()) })).await?;
        assert!(t.cancel_with("my message"));
        let error = co.join(t).await.unwrap_err();
        Ok((error.is_cancelled(), error.to_string()))
    });
    assert_eq!(
        run(main).unwrap(),
        (true, "cancelled: my message".to_string())
    );
}

// test_task_cancel_message_setter: sets the private `_cancel_message`; a message given is final.
// test_task_del_collect: `__del__` calling `gc.collect()`; no garbage collector.
// test_other_loop_future: our futures and sync objects are not bound to a loop.

// CPython: RuntimeError "Task cannot await on itself".
#[test]
fn test_task_awaits_on_itself() {
    let main = Coroutine::new(|co| async move {
        let slot: Rc<RefCell<Option<JoinHandle<()>>>> = Rc::default();
        let said: Rc<RefCell<Option<String>>> = Rc::default();
        let (s, out) = (slot.clone(), said.clone());
        let task = co
            .spawn(Coroutine::new(move |co| async move {
                let itself = s.borrow_mut().take().expect("set before it ran");
                let got = co.join(itself).await;
                *out.borrow_mut() = Some(format!("{got:?}"));
                Ok(())
            }))
            .await?;
        *slot.borrow_mut() = Some(task);
        run_loop(&co).await?;
        let said = said.borrow().clone();
        Ok(said)
    });
    let said = run(main).unwrap().expect("the join returned");
    assert!(said.starts_with("Err"), "{said}");
}

#[test]
fn test_task_class() {
    let mut s = scheduler();
    let t = s.spawn(Coroutine::new(|_co| async { Ok("ok") }));
    s.run_until_complete(Coroutine::new(|co| async move { yield_now(&co).await }))
        .unwrap();
    assert!(t.is_finished());
    assert_eq!(t.result().unwrap(), "ok");
    // `t._loop`, `get_loop()` and a second loop: a task lives on the loop that spawned it.
}

#[test]
fn test_ensure_future_coroutine() {
    // `ensure_future(coro)` is `co.spawn`; "no current event loop" cannot happen
    // (a coroutine is spawned from a coroutine or a `Scheduler`).
    let main = Coroutine::new(|co| async move {
        let t = co.spawn(Coroutine::new(|_co| async { Ok("ok") })).await?;
        let t = finished(&co, t).await?;
        Ok((t.is_finished(), t.result()?))
    });
    assert_eq!(run(main).unwrap(), (true, "ok"));
}

#[test]
fn test_ensure_future_future() {
    // `ensure_future(f)` of a future is `f` itself: `Awaitable::from(task)`;
    // the other-loop `ValueError` cannot happen.
    let main = Coroutine::new(|co| async move {
        let (f_orig, settle) = new_future::<&str>(&co).await?;
        settle.put_nowait(Ok("ko")).unwrap();
        let id = f_orig.id();
        let Awaitable::Task(f) = Awaitable::from(f_orig) else {
            unreachable!("a task stays a task")
        };
        let f = finished(&co, f).await?;
        Ok((f.id() == id, f.is_finished(), f.result()?))
    });
    assert_eq!(run(main).unwrap(), (true, true, "ko"));
}

#[test]
fn test_ensure_future_task() {
    let main = Coroutine::new(|co| async move {
        let t_orig = co.spawn(Coroutine::new(|_co| async { Ok("ok") })).await?;
        let id = t_orig.id();
        let Awaitable::Task(t) = Awaitable::from(t_orig) else {
            unreachable!("a task stays a task")
        };
        let t = finished(&co, t).await?;
        Ok((t.id() == id, t.is_finished(), t.result()?))
    });
    assert_eq!(run(main).unwrap(), (true, true, "ok"));
}

// test_ensure_future_awaitable: an object with `__await__`; any Rust future is awaited in place.
// test_ensure_future_task_awaitable: the same, and `get_coro()`.
// test_ensure_future_neither: `ensure_future('ok')` is a TypeError; here it does not compile.
// test_ensure_future_error_msg: a future of another loop; not bound to a loop here.

#[test]
fn test_get_stack() {
    // `get_stack(limit=1)`/`print_stack`: our task's frames, as `co.tasks()` shows them.
    let bar = Coroutine::new(|co| async move {
        let me = co.current_task().await?.id();
        let tasks = co.tasks().await?;
        let info = tasks.iter().find(|t| t.id == me).expect("running");
        Ok(info.stack.iter().map(|l| l.to_string()).collect::<Vec<_>>())
    })
    .named("bar");
    let foo = Coroutine::new(move |co| async move { co.call(bar).await }).named("foo");
    let main = Coroutine::new(move |co| async move {
        let t = co.spawn(foo).await?;
        co.join(t).await
    });
    assert_eq!(run(main).unwrap(), ["bar", "foo"]);
}

// test_task_repr: repr of a Python Task (our Display, `Task(<label>)<PENDING>`, is in its doc test).

#[test]
fn test_task_repr_autogenerated() {
    // Autogenerated names `Task-N` grow; our task ids do.
    let main = Coroutine::new(|co| async move {
        let t1 = co.spawn(Coroutine::new(|_co| async { Ok(123) })).await?;
        let t2 = co.spawn(Coroutine::new(|_co| async { Ok(123) })).await?;
        let increasing = t1.id() < t2.id();
        Ok((increasing, co.join(t1).await?, co.join(t2).await?))
    });
    assert_eq!(run(main).unwrap(), (true, 123, 123));
}

// test_task_set_name_pylong: `set_name(int)`; a label is a `&'static str` given with `named`.
// test_task_repr_name_not_str: the same, `set_name({6})`.
// test_task_repr_wait_for: repr of a Python Task.

#[test]
fn test_task_basics() {
    let inner1 = Coroutine::new(|_co| async { Ok(42) });
    let inner2 = Coroutine::new(|_co| async { Ok(1000) });
    let outer = Coroutine::new(move |co| async move {
        let a = co.call(inner1).await?;
        let b = co.call(inner2).await?;
        Ok(a + b)
    });
    assert_eq!(run(outer).unwrap(), 1042);
}

// test_exception_chaining_after_await: `__context__` chaining; our `Error` has no context.
// test_exception_chaining_after_await_with_context_cycle: the same.

#[test]
fn test_cancelling() {
    let main = Coroutine::new(|co| async move {
        let t = co.spawn(after(secs(10), ())).await?;
        let r = task_ref(&co, t.id()).await?;
        let before = r.cancelling();
        assert!(t.cancel());
        let once = r.cancelling();
        // asyncio 3.12: a second `cancel()` before the first is delivered is true too.
        assert!(t.cancel());
        let error = co.join(t).await.unwrap_err();
        Ok((before, once, error.is_cancelled()))
    });
    assert_eq!(run(main).unwrap(), (0, 1, true));
}

// test_uncancel_basic: `uncancel()` is the toolkit's own (its `timeout` scope uses it, test_timeouts).

#[test]
fn test_uncancel_structured_blocks() {
    // The structure this case builds with `call_later`, `cancel` and
    // `uncancel` by hand is our `timeout` scope.
    fn make_request_with_timeout(
        sleep: Duration,
        limit: Duration,
    ) -> Coroutine<(bool, bool, bool, u32)> {
        Coroutine::new(move |co| async move {
            let block_finished = Rc::new(Cell::new(false));
            let b = block_finished.clone();
            let block = Coroutine::new(move |co| async move {
                co.sleep(sleep).await?;
                b.set(true);
                Ok(())
            });
            let timed_out = match co.call(timeout(limit, block)).await {
                Ok(()) => false,
                Err(e) if matches!(e.kind(), ErrorKind::TimedOut) => true,
                Err(e) => return Err(e),
            };
            // Outer code not affected by the timeout:
            let outer_code_reached = true;
            yield_now(&co).await?;
            let cancelling = co.current_task().await?.cancelling();
            Ok((
                timed_out,
                block_finished.get(),
                outer_code_reached,
                cancelling,
            ))
        })
    }
    let t1 = make_request_with_timeout(secs(10), ms(100));
    assert_eq!(run(t1).unwrap(), (true, false, true, 0));
    let t2 = make_request_with_timeout(Duration::ZERO, secs(10));
    assert_eq!(run(t2).unwrap(), (false, true, true, 0));
}

#[test]
fn test_cancel() {
    let main = Coroutine::new(|co| async move {
        let t = co.spawn(after(secs(10), 12)).await?;
        yield_now(&co).await?; // `loop.call_soon(t.cancel)`
        t.cancel();
        let t = finished(&co, t).await?;
        Ok((
            t.is_finished(),
            t.is_cancelled(),
            t.cancel(),
            co.now().await?,
        ))
    });
    assert_eq!(run(main).unwrap(), (true, true, false, Duration::ZERO));
}

// CPython's subcases with no argument or `None` are `cancel()` (test_cancel); `5`: a message is a string.
#[test]
fn test_cancel_with_message_then_future_result() {
    let main = Coroutine::new(|co| async move {
        let t = co.spawn(after(secs(10), 12)).await?;
        yield_now(&co).await?;
        assert!(t.cancel_with("my message"));
        let t = finished(&co, t).await?;
        let error = t.result().unwrap_err();
        Ok((error.is_cancelled(), error.to_string()))
    });
    assert_eq!(
        run(main).unwrap(),
        (true, "cancelled: my message".to_string())
    );
}

#[test]
fn test_cancel_with_message_then_future_exception() {
    let main = Coroutine::new(|co| async move {
        let t = co.spawn(after(secs(10), 12)).await?;
        yield_now(&co).await?;
        assert!(t.cancel_with("my message"));
        let t = finished(&co, t).await?;
        Err::<(), _>(t.error().expect("it ended cancelled"))
    });
    let Err(RunError::Failed(error)) = run(main) else {
        panic!("the cancel should come out");
    };
    assert!(error.is_cancelled());
    assert_eq!(error.to_string(), "cancelled: my message");
}

// test_cancellation_exception_context: `raise ... from` and `__context__`; our `Error` has no cause.

#[test]
fn test_cancel_with_message_before_starting_task() {
    let main = Coroutine::new(|co| async move {
        let t = co.spawn(after(secs(10), 12)).await?;
        assert!(t.cancel_with("my message"));
        let t = finished(&co, t).await?;
        let error = t.error().expect("it ended cancelled");
        Ok((error.is_cancelled(), error.to_string(), co.now().await?))
    });
    assert_eq!(
        run(main).unwrap(),
        (true, "cancelled: my message".to_string(), Duration::ZERO)
    );
}

#[test]
fn test_cancel_yield() {
    let main = Coroutine::new(|co| async move {
        let t = co
            .spawn(Coroutine::new(|co| async move {
                yield_now(&co).await?;
                yield_now(&co).await?;
                Ok(12)
            }))
            .await?;
        yield_now(&co).await?; // start coro
        t.cancel();
        let t = finished(&co, t).await?;
        Ok((t.is_finished(), t.is_cancelled(), t.cancel()))
    });
    assert_eq!(run(main).unwrap(), (true, true, false));
}

#[test]
fn test_cancel_inner_future() {
    let main = Coroutine::new(|co| async move {
        let (f, _settle) = new_future::<u32>(&co).await?;
        let f_ref = task_ref(&co, f.id()).await?;
        let t = co
            .spawn(Coroutine::new(move |co| async move {
                co.join(f).await?;
                Ok(12)
            }))
            .await?;
        yield_now(&co).await?; // start task
        f_ref.cancel();
        let t = finished(&co, t).await?;
        Ok((
            t.result().unwrap_err().is_cancelled(),
            f_ref.is_cancelled(),
            t.is_cancelled(),
        ))
    });
    assert_eq!(run(main).unwrap(), (true, true, true));
}

#[test]
fn test_cancel_both_task_and_inner_future() {
    let main = Coroutine::new(|co| async move {
        let (f, _settle) = new_future::<u32>(&co).await?;
        let f_ref = task_ref(&co, f.id()).await?;
        let t = co
            .spawn(Coroutine::new(move |co| async move {
                co.join(f).await?;
                Ok(12)
            }))
            .await?;
        yield_now(&co).await?;
        f_ref.cancel();
        t.cancel();
        let t = finished(&co, t).await?;
        Ok((t.is_finished(), f_ref.is_cancelled(), t.is_cancelled()))
    });
    assert_eq!(run(main).unwrap(), (true, true, true));
}

// The `_fut_waiter` white-box asserts are left out; `fut2.cancelled()`: an `Event` is not cancelled.
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
        let t = finished(&co, t).await?;
        Ok((t.result()?, t.is_cancelled()))
    });
    assert_eq!(run(main).unwrap(), (42, false));
}

#[test]
fn test_cancel_task_ignoring() {
    let main = Coroutine::new(|co| async move {
        let (fut1, fut2) = (Event::new(), Event::new());
        let (fut3, settle3) = new_future::<u32>(&co).await?;
        let fut3_ref = task_ref(&co, fut3.id()).await?;
        let (f1, f2) = (fut1.clone(), fut2.clone());
        let t = co
            .spawn(Coroutine::new(move |co| async move {
                co.call(f1.wait()).await?;
                let _ = co.call(f2.wait()).await;
                co.join(fut3).await
            }))
            .await?;
        yield_now(&co).await?;
        fut1.set();
        yield_now(&co).await?;
        t.cancel();
        yield_now(&co).await?;
        settle3.put_nowait(Ok(42)).unwrap();
        let t = finished(&co, t).await?;
        Ok((t.result()?, fut3_ref.is_cancelled(), t.is_cancelled()))
    });
    assert_eq!(run(main).unwrap(), (42, false, false));
}

// The `_must_cancel` white-box asserts are left out.
#[test]
fn test_cancel_current_task() {
    let main = Coroutine::new(|co| async move {
        let t = co
            .spawn(Coroutine::new(|co| async move {
                co.current_task().await?.cancel();
                // The sleep should be cancelled immediately.
                co.sleep(secs(100)).await?;
                Ok(12)
            }))
            .await?;
        assert!(!t.is_cancelled());
        let t = finished(&co, t).await?;
        Ok((
            t.is_finished(),
            t.is_cancelled(),
            t.cancel(),
            co.now().await?,
        ))
    });
    assert_eq!(run(main).unwrap(), (true, true, false, Duration::ZERO));
}

#[test]
fn test_cancel_at_end() {
    let main = Coroutine::new(|co| async move {
        let t = co
            .spawn(Coroutine::new(|co| async move {
                co.current_task().await?.cancel();
                Ok(12)
            }))
            .await?;
        assert!(!t.is_cancelled());
        let t = finished(&co, t).await?;
        Ok((t.is_finished(), t.is_cancelled(), t.cancel()))
    });
    assert_eq!(run(main).unwrap(), (true, true, false));
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
        let task = co
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
        let task = finished(&co, task).await?;
        yield_now(&co).await?;
        let nested_still_waits = !nested_ended.get();
        fut.set();
        yield_now(&co).await?;
        Ok((task.is_cancelled(), nested_still_waits, nested_ended.get()))
    });
    assert_eq!(run(main).unwrap(), (true, true, true));
}

/// `coro` of the two traceback cases: spawns `nested`, cancels it, and
/// passes the cancel on through `take` (`await task` or `task.exception()`).
fn cancelled_nested(take: fn(&Co, JoinHandle<()>) -> Coroutine<()>) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let nested = Coroutine::new(|co| async move {
            // This will get cancelled immediately.
            co.sleep(secs(10)).await
        });
        let task = co.spawn(nested.named("nested")).await?;
        yield_now(&co).await?;
        task.cancel();
        co.call(take(&co, task)).await
    })
    .named("coro")
}

// A Python traceback's lines are our `Error::trace`: the labels it passed.
#[test]
fn test_cancel_traceback_for_future_result() {
    let main = cancelled_nested(|_co, task| {
        Coroutine::new(move |co| async move { co.join(task).await }).named("search_target")
    });
    let Err(RunError::Failed(error)) = run(main) else {
        panic!("the cancel did not come out");
    };
    assert!(error.is_cancelled());
    assert_eq!(error.trace_line(), "nested ← search_target ← coro");
}

#[test]
fn test_cancel_traceback_for_future_exception() {
    let main = cancelled_nested(|_co, task| {
        Coroutine::new(move |co| async move {
            let task = finished(&co, task).await?;
            Err(task.error().expect("it ended cancelled")) // search target
        })
        .named("search_target")
    });
    let Err(RunError::Failed(error)) = run(main) else {
        panic!("the cancel did not come out");
    };
    assert!(error.is_cancelled());
    assert_eq!(error.trace_line(), "nested ← search_target ← coro");
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
    let t = scheduler.spawn(task);
    let wait_t = Coroutine::new(move |co| async move { co.join(t).await });
    let got = scheduler.run_until_complete(wait_t);
    assert!(matches!(got, Err(RunError::Stopped)));
    assert_eq!(x.get(), 2);
    assert_eq!(scheduler.clock().now(), ms(200));
    // `t.cancel()` then running it again: `t` went with the coroutine that joined it.
}

// test_log_traceback: sets the private `_log_traceback`.

#[test]
fn test_wait() {
    let main = Coroutine::new(|co| async move {
        let a = co.spawn(after(ms(100), ())).await?;
        let b = co.spawn(after(ms(150), ())).await?;
        let (a_id, b_id) = (a.id(), b.id());
        let (done, pending) = co
            .call(wait(vec![b, a], ReturnWhen::AllCompleted, None))
            .await?;
        let ids: Vec<TaskId> = done.iter().map(JoinHandle::id).collect();
        assert_eq!((ids, pending.len()), (vec![b_id, a_id], 0));
        let first = co.now().await?;
        // Doing it again should take no time and exercise a different path.
        let (done, pending) = co.call(wait(done, ReturnWhen::AllCompleted, None)).await?;
        assert_eq!((done.len(), pending.len()), (2, 0));
        Ok((first, co.now().await?))
    });
    assert_eq!(run(main).unwrap(), (ms(150), ms(150)));
}

// test_wait_duplicate_coroutines: a handle is moved into `wait`; it cannot be passed twice.

// Differs (README): asyncio's `wait(set())` is a ValueError; here it returns at
// once, nothing done, nothing pending. `return_when=-1` cannot be written.
#[test]
fn test_wait_errors() {
    let main = Coroutine::new(|co| async move {
        let (done, pending) = co
            .call(wait(
                Vec::<JoinHandle<()>>::new(),
                ReturnWhen::FirstCompleted,
                None,
            ))
            .await?;
        Ok((done.len(), pending.len(), co.now().await?))
    });
    assert_eq!(run(main).unwrap(), (0, 0, Duration::ZERO));
}

#[test]
fn test_wait_first_completed() {
    let main = Coroutine::new(|co| async move {
        let a = co.spawn(after(secs(10), ())).await?;
        let b = co.spawn(after(ms(100), ())).await?;
        let (a_id, b_id) = (a.id(), b.id());
        let (done, pending) = co
            .call(wait(vec![b, a], ReturnWhen::FirstCompleted, None))
            .await?;
        assert_eq!(done.iter().map(JoinHandle::id).collect::<Vec<_>>(), [b_id]);
        assert_eq!(
            pending.iter().map(JoinHandle::id).collect::<Vec<_>>(),
            [a_id]
        );
        assert!(!pending[0].is_finished());
        assert!(done[0].is_finished());
        done[0].result()?;
        co.now().await
    });
    assert_eq!(run(main).unwrap(), ms(100));
}

// Differs (README): asyncio's `wait` resumes two loop turns after `a` ends
// (its done callback and the waiter are `call_soon` hops), when `b` has
// ended too; ours on `a`'s turn, so `b` is still pending. Both split by state.
#[test]
fn test_wait_really_done() {
    let main = Coroutine::new(|co| async move {
        let a = co
            .spawn(Coroutine::new(|co| async move { yield_now(&co).await }))
            .await?;
        let b = co
            .spawn(Coroutine::new(|co| async move {
                yield_now(&co).await?;
                yield_now(&co).await
            }))
            .await?;
        let (a_id, b_id) = (a.id(), b.id());
        let (done, pending) = co
            .call(wait(vec![b, a], ReturnWhen::FirstCompleted, None))
            .await?;
        assert!(done.iter().all(|t| t.is_finished() && t.result().is_ok()));
        assert!(pending.iter().all(|t| !t.is_finished()));
        let ids = |ts: &[JoinHandle<()>]| ts.iter().map(JoinHandle::id).collect::<Vec<_>>();
        Ok((ids(&done) == [a_id], ids(&pending) == [b_id]))
    });
    assert_eq!(run(main).unwrap(), (true, true));
}

#[test]
fn test_wait_first_exception() {
    let main = Coroutine::new(|co| async move {
        // first_exception, task already has exception
        let a = co.spawn(after(secs(10), ())).await?;
        let b = co.spawn(fail::<()>("err")).await?;
        let (a_id, b_id) = (a.id(), b.id());
        let (done, pending) = co
            .call(wait(vec![b, a], ReturnWhen::FirstException, None))
            .await?;
        assert_eq!(done.iter().map(JoinHandle::id).collect::<Vec<_>>(), [b_id]);
        assert_eq!(
            pending.iter().map(JoinHandle::id).collect::<Vec<_>>(),
            [a_id]
        );
        assert_eq!(done[0].error().unwrap().to_string(), "err");
        co.now().await
    });
    assert_eq!(run(main).unwrap(), Duration::ZERO);
}

#[test]
fn test_wait_first_exception_in_wait() {
    let main = Coroutine::new(|co| async move {
        // first_exception, exception during waiting
        let a = co.spawn(after(secs(10), ())).await?;
        let b = co
            .spawn(Coroutine::<()>::new(|co| async move {
                co.sleep(ms(10)).await?;
                Err(Error::msg("err"))
            }))
            .await?;
        let (a_id, b_id) = (a.id(), b.id());
        let (done, pending) = co
            .call(wait(vec![b, a], ReturnWhen::FirstException, None))
            .await?;
        assert_eq!(done.iter().map(JoinHandle::id).collect::<Vec<_>>(), [b_id]);
        assert_eq!(
            pending.iter().map(JoinHandle::id).collect::<Vec<_>>(),
            [a_id]
        );
        assert_eq!(done[0].error().unwrap().to_string(), "err");
        co.now().await
    });
    assert_eq!(run(main).unwrap(), ms(10));
}

#[test]
fn test_wait_with_exception() {
    let main = Coroutine::new(|co| async move {
        let a = co.spawn(after(ms(100), ())).await?;
        let b = co
            .spawn(Coroutine::<()>::new(|co| async move {
                co.sleep(ms(150)).await?;
                Err(Error::msg("really"))
            }))
            .await?;
        let mut tasks = vec![b, a];
        let mut times = Vec::new();
        for _ in 0..2 {
            let (done, pending) = co.call(wait(tasks, ReturnWhen::AllCompleted, None)).await?;
            assert_eq!((done.len(), pending.len()), (2, 0));
            let errors = done.iter().filter(|t| t.error().is_some()).count();
            assert_eq!(errors, 1);
            times.push(co.now().await?);
            tasks = done;
        }
        Ok(times)
    });
    assert_eq!(run(main).unwrap(), [ms(150), ms(150)]);
}

#[test]
fn test_wait_with_timeout() {
    let main = Coroutine::new(|co| async move {
        let a = co.spawn(after(ms(100), ())).await?;
        let b = co.spawn(after(ms(150), ())).await?;
        let (a_id, b_id) = (a.id(), b.id());
        let (done, pending) = co
            .call(wait(vec![b, a], ReturnWhen::AllCompleted, Some(ms(110))))
            .await?;
        assert_eq!(done.iter().map(JoinHandle::id).collect::<Vec<_>>(), [a_id]);
        assert_eq!(
            pending.iter().map(JoinHandle::id).collect::<Vec<_>>(),
            [b_id]
        );
        co.now().await
    });
    assert_eq!(run(main).unwrap(), ms(110));
}

#[test]
fn test_wait_concurrent_complete() {
    let main = Coroutine::new(|co| async move {
        let a = co.spawn(after(ms(100), ())).await?;
        let b = co.spawn(after(ms(150), ())).await?;
        let (a_id, b_id) = (a.id(), b.id());
        // asyncio ran `a` and `b` (and set their timers) before the wait's
        // task; the timers due at the same instant fire in that order.
        yield_now(&co).await?;
        let (done, pending) = co
            .call(wait(vec![b, a], ReturnWhen::AllCompleted, Some(ms(100))))
            .await?;
        assert_eq!(done.iter().map(JoinHandle::id).collect::<Vec<_>>(), [a_id]);
        assert_eq!(
            pending.iter().map(JoinHandle::id).collect::<Vec<_>>(),
            [b_id]
        );
        co.now().await
    });
    assert_eq!(run(main).unwrap(), ms(100));
}

#[test]
fn test_wait_with_iterator_of_tasks() {
    let main = Coroutine::new(|co| async move {
        let a = co.spawn(after(ms(100), ())).await?;
        let b = co.spawn(after(ms(150), ())).await?;
        let tasks = [b, a].into_iter().collect();
        let (done, pending) = co.call(wait(tasks, ReturnWhen::AllCompleted, None)).await?;
        assert_eq!((done.len(), pending.len()), (2, 0));
        Ok((42, co.now().await?))
    });
    assert_eq!(run(main).unwrap(), (42, ms(150)));
}

#[test]
fn test_wait_generator() {
    let main = Coroutine::new(|co| async move {
        let mut tasks = Vec::new();
        for i in 0..10 {
            tasks.push(
                co.spawn(Coroutine::new(move |_co| async move { Ok(i) }))
                    .await?,
            );
        }
        let (done, pending) = co.call(wait(tasks, ReturnWhen::AllCompleted, None)).await?;
        Ok((done.len(), pending.len()))
    });
    assert_eq!(run(main).unwrap(), (10, 0));
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

// test_as_completed_reverse_wait: asyncio hands out futures to await in any order; ours is a stream, read in finishing order.
// test_as_completed_concurrent: the same (its futures wrapped in tasks and waited together).
// test_as_completed_duplicate_coroutines: a coroutine is moved into the call; it cannot be passed twice.
// test_as_completed_coroutine_without_loop: built outside a loop is fine: nothing starts until it runs.

#[test]
fn test_as_completed_coroutine_use_running_loop() {
    let main = Coroutine::new(|co| async move {
        let mut futs = as_completed(vec![Coroutine::new(|_co| async { Ok(42) })], None);
        let mut values = Vec::new();
        while let Some(v) = co.next(&mut futs).await? {
            values.push(v?);
        }
        Ok(values)
    });
    assert_eq!(run(main).unwrap(), [42]);
}

// `sleep(dt, result)`: our sleep has no result; the coroutine returns it.
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
        let t = finished(&co, t).await?;
        Ok((t.is_finished(), t.result()?, co.now().await?))
    });
    assert_eq!(run(main).unwrap(), (true, "yeah", ms(100)));
}

// `handle._cancelled` (the sleep's timer handle is cancelled), seen as what
// the loop still waits for: nothing, so the idle loop's clock stays put.
#[test]
fn test_sleep_cancel() {
    let mut s = scheduler();
    let t = s.spawn(after(secs(10), "yeah"));
    let run_briefly = || Coroutine::new(|co| async move { yield_now(&co).await });
    s.run_until_complete(run_briefly()).unwrap();
    assert!(!t.is_finished());
    t.cancel();
    s.run_until_complete(run_briefly()).unwrap();
    assert!(t.is_cancelled());
    assert!(matches!(s.run_forever(), Err(RunError::Deadlock)));
    assert_eq!(s.clock().now(), secs(0));
}

#[test]
fn test_task_cancel_sleeping_task() {
    let mut scheduler = scheduler();
    let main = Coroutine::new(move |co| async move {
        let sleeper = co.spawn(after(secs(5000), ())).await?;
        let r = task_ref(&co, sleeper.id()).await?;
        co.loop_handle().await?.call_later(ms(100), move || {
            r.cancel();
        });
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

// Differs (README, fix 8): `fut` is a task here, and cancelling the task
// that awaits it does not cancel it. `_fut_waiter` is white-box.
#[test]
fn test_task_cancel_waiter_future() {
    let main = Coroutine::new(|co| async move {
        let (fut, settle) = new_future::<u32>(&co).await?;
        let fut_ref = task_ref(&co, fut.id()).await?;
        let task = co
            .spawn(Coroutine::new(move |co| async move { co.join(fut).await }))
            .await?;
        yield_now(&co).await?;
        task.cancel();
        yield_now(&co).await?;
        let task = finished(&co, task).await?;
        let fut_cancelled = fut_ref.is_cancelled() || fut_ref.is_finished();
        settle.put_nowait(Ok(1)).unwrap();
        yield_now(&co).await?;
        Ok((task.is_cancelled(), fut_cancelled, fut_ref.is_finished()))
    });
    assert_eq!(run(main).unwrap(), (true, false, true));
}

// test_task_set_methods: a `JoinHandle` has no `set_result`/`set_exception`: it does not compile.

// The future's `add_done_callback` spy (`cb_added`) is white-box.
#[test]
fn test_step_result_future() {
    let main = Coroutine::new(|co| async move {
        let (fut, settle) = new_future::<u32>(&co).await?;
        let result = Rc::new(Cell::new(None));
        let r = result.clone();
        let t = co
            .spawn(Coroutine::new(move |co| async move {
                r.set(Some(co.join(fut).await?));
                Ok(())
            }))
            .await?;
        yield_now(&co).await?;
        settle.put_nowait(Ok(7)).unwrap();
        // Two `run_briefly`: the future is a task here, one more step.
        yield_now(&co).await?;
        yield_now(&co).await?;
        Ok((result.get(), t.is_finished(), t.result().is_ok()))
    });
    assert_eq!(run(main).unwrap(), (Some(7), true, true));
}

// A `SystemExit` raised while being cancelled escapes asyncio's loop; here it
// is an error like any other, and the task ends with it, not cancelled.
#[test]
fn test_baseexception_during_cancel() {
    let main = Coroutine::new(|co| async move {
        let sleeper = after(secs(10), ());
        let task = co
            .spawn(Coroutine::<()>::new(move |co| async move {
                match co.call(sleeper).await {
                    Err(e) if e.is_cancelled() => Err(Error::msg("SystemExit")),
                    other => other,
                }
            }))
            .await?;
        yield_now(&co).await?;
        task.cancel();
        assert!(!task.is_finished());
        yield_now(&co).await?;
        Ok((
            task.is_finished(),
            task.is_cancelled(),
            task.error().map(|e| e.to_string()),
        ))
    });
    assert_eq!(
        run(main).unwrap(),
        (true, false, Some("SystemExit".to_string()))
    );
}

// test_iscoroutinefunction: Python introspection; a `Coroutine` is a type.

#[test]
fn test_coroutine_non_gen_function() {
    // `iscoroutine` is the type; running one that never suspends:
    assert_eq!(
        run(Coroutine::new(|_co| async { Ok("test") })).unwrap(),
        "test"
    );
}

#[test]
fn test_coroutine_non_gen_function_return_future() {
    let main = Coroutine::new(|co| async move {
        let (fut, settle) = new_future::<&str>(&co).await?;
        let fut_id = fut.id();
        let t1 = co
            .spawn(Coroutine::new(move |_co| async move { Ok(fut) }))
            .await?;
        let t2 = co
            .spawn(Coroutine::new(move |_co| async move {
                settle.put_nowait(Ok("test")).unwrap();
                Ok(())
            }))
            .await?;
        let res = co.join(t1).await?;
        let t2 = finished(&co, t2).await?;
        Ok((res.id() == fut_id, t2.result().is_ok()))
    });
    assert_eq!(run(main).unwrap(), (true, true));
}

// `current_task()` outside a task (None) cannot be asked: it needs a `Co`.
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

// `waiter.cancelled()`: an `Event` is not cancelled; its waiter is.
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
        let (inner, settle) = new_future::<u32>(&co).await?;
        let outer = co.spawn(shield(inner)).await?;
        settle.put_nowait(Ok(42)).unwrap();
        co.join(outer).await
    });
    assert_eq!(run(main).unwrap(), 42);
}

#[test]
fn test_shield_exception() {
    let main = Coroutine::new(|co| async move {
        let (inner, settle) = new_future::<u32>(&co).await?;
        let outer = co.spawn(shield(inner)).await?;
        yield_now(&co).await?;
        settle.put_nowait(Err(Error::msg("expected"))).unwrap();
        let outer = finished(&co, outer).await?;
        Ok(outer.error().map(|e| e.to_string()))
    });
    assert_eq!(run(main).unwrap(), Some("expected".to_string()));
}

#[test]
fn test_shield_cancel_inner() {
    let main = Coroutine::new(|co| async move {
        let (inner, _settle) = new_future::<u32>(&co).await?;
        let inner_ref = task_ref(&co, inner.id()).await?;
        let outer = co.spawn(shield(inner)).await?;
        yield_now(&co).await?;
        inner_ref.cancel();
        let outer = finished(&co, outer).await?;
        Ok(outer.is_cancelled())
    });
    assert!(run(main).unwrap());
}

// `outer._callbacks` is white-box: here, `inner` runs on and ends on its own.
#[test]
fn test_shield_cancel_outer() {
    let main = Coroutine::new(|co| async move {
        let (inner, settle) = new_future::<u32>(&co).await?;
        let inner_ref = task_ref(&co, inner.id()).await?;
        let outer = co.spawn(shield(inner)).await?;
        yield_now(&co).await?;
        outer.cancel();
        yield_now(&co).await?;
        let outer_cancelled = outer.is_cancelled();
        let inner_runs = !inner_ref.is_finished();
        settle.put_nowait(Ok(1)).unwrap();
        yield_now(&co).await?;
        Ok((
            outer_cancelled,
            inner_runs,
            inner_ref.is_finished() && !inner_ref.is_cancelled(),
        ))
    });
    assert_eq!(run(main).unwrap(), (true, true, true));
}

#[test]
fn test_shield_shortcut() {
    let main = Coroutine::new(|co| async move {
        let (fut, settle) = new_future::<u32>(&co).await?;
        settle.put_nowait(Ok(42)).unwrap();
        let fut = finished(&co, fut).await?;
        co.call(shield(fut)).await
    });
    assert_eq!(run(main).unwrap(), 42);
}

#[test]
fn test_shield_effect() {
    // Cancelling outer() does not affect inner().
    let proof = Rc::new(Cell::new(0));
    let p = proof.clone();
    let main = Coroutine::new(move |co| async move {
        let waiter = Event::new();
        let (w, p1, p2) = (waiter.clone(), p.clone(), p.clone());
        let inner = Coroutine::new(move |co| async move {
            co.call(w.wait()).await?;
            p1.set(p1.get() + 1);
            Ok(())
        });
        let outer = Coroutine::new(move |co| async move {
            co.call(shield(inner)).await?;
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
fn test_shield_gather() {
    let main = Coroutine::new(|co| async move {
        let (child1, settle1) = new_future::<u32>(&co).await?;
        let (child2, settle2) = new_future::<u32>(&co).await?;
        let parent = co.spawn(gather(vec![child1, child2])).await?;
        let result = Rc::new(RefCell::new(None));
        let r = result.clone();
        parent.add_done_callback(move |p| *r.borrow_mut() = Some(p.result().ok()));
        let outer = co.spawn(shield(parent)).await?;
        yield_now(&co).await?;
        outer.cancel();
        yield_now(&co).await?;
        let outer_cancelled = outer.is_cancelled();
        settle1.put_nowait(Ok(1)).unwrap();
        settle2.put_nowait(Ok(2)).unwrap();
        run_loop(&co).await?;
        let parent_result = result.borrow_mut().take();
        Ok((outer_cancelled, parent_result))
    });
    assert_eq!(run(main).unwrap(), (true, Some(Some(vec![1, 2]))));
}

#[test]
fn test_gather_shield() {
    let main = Coroutine::new(|co| async move {
        let (child1, settle1) = new_future::<u32>(&co).await?;
        let (child2, settle2) = new_future::<u32>(&co).await?;
        let (c1, c2) = (ended_cancelled(&child1), ended_cancelled(&child2));
        let inner1 = co.spawn(shield(child1)).await?;
        let inner2 = co.spawn(shield(child2)).await?;
        let (i1, i2) = (ended_cancelled(&inner1), ended_cancelled(&inner2));
        let parent = co.spawn(gather(vec![inner1, inner2])).await?;
        yield_now(&co).await?;
        parent.cancel();
        // This should cancel inner1 and inner2 but not child1 and child2.
        let parent = finished(&co, parent).await?;
        let parent_cancelled = parent.error().is_some_and(|e| e.is_cancelled());
        settle1.put_nowait(Ok(1)).unwrap();
        settle2.put_nowait(Ok(2)).unwrap();
        run_loop(&co).await?;
        Ok((parent_cancelled, i1.get(), i2.get(), c1.get(), c2.get()))
    });
    assert_eq!(
        run(main).unwrap(),
        (true, Some(true), Some(true), Some(false), Some(false))
    );
}

// test_shield_coroutine_without_loop: built outside a loop is fine: nothing starts until it runs.

#[test]
fn test_shield_coroutine_use_running_loop() {
    let main = Coroutine::new(|co| async move {
        co.call(shield(Coroutine::new(|_co| async { Ok(42) })))
            .await
    });
    assert_eq!(run(main).unwrap(), 42);
}

// test_shield_coroutine_use_global_loop: no global loop.
// test_as_completed_invalid_args: a future where a list is expected is a TypeError; here it does not compile.
// test_wait_invalid_args: the same; its `wait([])` ValueError is test_wait_errors.
// test_log_destroyed_pending_task: the loop owns its tasks; a pending task is never garbage-collected.

// Issue 11's fix 9: cancelling a failed task counts as retrieving its error.
#[test]
fn test_tb_logger_not_called_after_cancel() {
    let main = Coroutine::new(|co| async move {
        let task = co.spawn(fail::<()>("TypeError")).await?;
        co.sleep(ms(50)).await?;
        let cancelled = task.cancel();
        drop(task);
        Ok(cancelled)
    });
    let (got, reports) = capture_reports(|| run(main));
    assert!(!got.unwrap());
    assert!(reports.is_empty(), "{reports:?}");
}

// test_task_source_traceback: debug mode's `_source_traceback`.

// Differs (README): asyncio's gathering future refuses a cancel once its
// children are done (`cancel()` is false, the result stands); our gather is
// a task: the cancel, asked in `fut`'s done callback before the child ran
// on, is delivered, and the gather ends cancelled.
#[test]
fn test_cancel_gather_1() {
    let main = Coroutine::new(|co| async move {
        let (fut, settle) = new_future::<u32>(&co).await?;
        let gather_slot: Rc<RefCell<Option<TaskRef>>> = Rc::default();
        let cancel_result = Rc::new(Cell::new(None));
        let (slot, c) = (gather_slot.clone(), cancel_result.clone());
        fut.add_done_callback(move |_| {
            if let Some(gather_task) = &*slot.borrow() {
                c.set(Some(gather_task.cancel()));
            }
        });
        let child_coro = Coroutine::new(move |co| async move { co.join(fut).await });
        let gather_task = co.spawn(gather(vec![child_coro])).await?;
        *gather_slot.borrow_mut() = Some(task_ref(&co, gather_task.id()).await?);
        settle.put_nowait(Ok(42)).unwrap();
        let gather_task = finished(&co, gather_task).await?;
        Ok((
            cancel_result.get(),
            gather_task.is_cancelled(),
            gather_task.result().ok(),
        ))
    });
    assert_eq!(run(main).unwrap(), (Some(true), true, None));
}

// CPython's subcases with no argument or `None` are `cancel()`; `5`: a message is a string.
#[test]
fn test_cancel_gather_2() {
    let test = Coroutine::new(|co| async move {
        let mut time = Duration::ZERO;
        loop {
            time += ms(50);
            co.call(gather_outcomes(vec![after(ms(50), ())])).await?;
            if time > secs(1) {
                return Ok(());
            }
        }
    });
    let main = Coroutine::new(move |co| async move {
        let qwe = co.spawn(test).await?;
        co.sleep(ms(200)).await?;
        qwe.cancel_with("my message");
        co.join(qwe).await
    });
    let Err(RunError::Failed(error)) = run(main) else {
        panic!("gather() does not propagate the cancel to the gather() caller");
    };
    assert!(error.is_cancelled());
    assert_eq!(error.to_string(), "cancelled: my message");
}

// `task.exception().__traceback__` is our `Error::trace`.
#[test]
fn test_exception_traceback() {
    let main = Coroutine::new(|co| async move {
        let foo = Coroutine::<()>::new(|_co| async { Err(Error::msg("division by zero")) });
        let task = co.spawn(foo.named("foo")).await?;
        yield_now(&co).await?; // skip one loop iteration
        let error = task.error().expect("it failed");
        Ok(error.trace_line())
    });
    assert_eq!(run(main).unwrap(), "foo");
}
// test_error_in_call_soon: monkeypatches `loop.call_soon` to raise.
// test_create_task_with_noncoroutine: `create_task(123)` is a TypeError; here it does not compile.
// test_create_task_with_async_function: `isinstance(task, Task)`; the type is `JoinHandle`.
// test_create_task_with_asynclike_function: an object with `send`/`throw`; a `Coroutine` is built from an async block.

#[test]
fn test_bare_create_task() {
    let main = Coroutine::new(|co| async move {
        let task = co.spawn(Coroutine::new(|_co| async { Ok(1) })).await?;
        co.join(task).await
    });
    assert_eq!(run(main).unwrap(), 1);
}

#[test]
fn test_bare_create_named_task() {
    let main = Coroutine::new(|co| async move {
        let task = co
            .spawn(Coroutine::new(|_co| async { Ok(()) }).named("No-op"))
            .await?;
        let name = task_ref(&co, task.id()).await?.label().to_string();
        co.join(task).await?;
        Ok(name)
    });
    assert_eq!(run(main).unwrap(), "No-op");
}

// test_context_1: contextvars; no context variables (a task's state is its closure).
// test_context_2: the same.
// test_context_3: the same.
// test_context_4: the same, a task spawned with a context.
// test_context_5: the same.
// test_context_6: the same.
// test_get_coro: the coroutine is moved into its task.
// test_get_context: contextvars.

// add_subclass_tests, SetMethodsTest, CTask_CFuture_Tests, CTask_Future_Tests:
// test_subclasses_ctask_cfuture: subclasses of Task and Future.
// test_set_result_causes_invalid_state: `Future.set_result` on a Task; a `JoinHandle` has none.
// test_set_exception_causes_invalid_state: the same, `set_exception`.
// test_refleaks_in_task___init__: reference counts of the C Task.
// test_del__log_destroy_pending_segfault: deleting a C Task's attribute.
// test_foobar: a Future subclass whose `get_loop` raises.

// BaseTaskIntrospectionTests (Py and C): asyncio's private task registry; our
// kernel registers, enters and leaves its tasks itself.
// test__register_task_1: `_register_task`, private.
// test__register_task_2: the same.
// test__register_task_3: the same.
// test__enter_task: `_enter_task`, private.
// test__enter_task_failure: the same.
// test__leave_task: `_leave_task`, private.
// test__leave_task_failure1: the same.
// test__leave_task_failure2: the same.
// test__unregister_task: `_unregister_task`, private.
// test__unregister_task_not_registered: the same.

// BaseCurrentLoopTests (Py and C):
// test_current_task_no_running_loop: `current_task()` needs a `Co`: there is no asking outside a task.
// test_current_task_no_running_loop_implicit: the same.
// test_current_task_with_implicit_loop: one loop per scheduler: test_current_task above.

// GenericTaskTests:
// test_future_subclass: `issubclass(Task, Future)`; a `JoinHandle` is our only future.
// test_asyncio_module_compiled: the C `_asyncio` module.

// GatherTestsBase, run by FutureGatherTests (the children are futures: tasks
// here) and CoroutineGatherTests (coroutines that await them): each port
// below checks both.

#[derive(Clone, Copy, Debug)]
enum Wrap {
    Futures,
    Coroutines,
}

fn wrap_futures(futures: Vec<JoinHandle<u32>>, how: Wrap) -> Vec<Awaitable<u32>> {
    let wrap = move |f: JoinHandle<u32>| match how {
        Wrap::Futures => f.into(),
        Wrap::Coroutines => Coroutine::new(move |co| async move { co.join(f).await }).into(),
    };
    futures.into_iter().map(wrap).collect()
}

/// `gather(..., return_exceptions=)` as a task whose value can be read: an
/// error as its message.
fn gathering(
    items: Vec<Awaitable<u32>>,
    return_exceptions: bool,
) -> Coroutine<Vec<Result<u32, String>>> {
    Coroutine::new(move |co| async move {
        if return_exceptions {
            let outcomes = co.call(gather_outcomes(items)).await?;
            Ok(outcomes
                .into_iter()
                .map(|o| o.map_err(|e| e.to_string()))
                .collect())
        } else {
            Ok(co.call(gather(items)).await?.into_iter().map(Ok).collect())
        }
    })
}

fn check_success(return_exceptions: bool, how: Wrap) {
    let main = Coroutine::new(move |co| async move {
        let (futures, settles): (Vec<_>, Vec<_>) = new_futures(&co, 3).await?.into_iter().unzip();
        let fut = co
            .spawn(gathering(wrap_futures(futures, how), return_exceptions))
            .await?;
        let cb = callback_count(&fut);
        settles[1].put_nowait(Ok(1)).unwrap();
        settles[0].put_nowait(Ok(2)).unwrap();
        run_loop(&co).await?;
        assert_eq!(cb.get(), 0);
        assert!(!fut.is_finished());
        settles[2].put_nowait(Ok(3)).unwrap();
        run_loop(&co).await?;
        assert_eq!(cb.get(), 1);
        fut.result()
    });
    assert_eq!(run(main).unwrap(), [Ok(2), Ok(1), Ok(3)], "{how:?}");
}

#[test]
fn test_success() {
    for how in [Wrap::Futures, Wrap::Coroutines] {
        check_success(false, how);
    }
}

#[test]
fn test_result_exception_success() {
    for how in [Wrap::Futures, Wrap::Coroutines] {
        check_success(true, how);
    }
}

#[test]
fn test_one_exception() {
    for how in [Wrap::Futures, Wrap::Coroutines] {
        // `e.exception()` retrieves `e`'s error; over coroutines, `e`'s handle
        // went with the cancelled coroutine that awaited it: it is reported.
        let main = Coroutine::new(move |co| async move {
            let (futures, settles): (Vec<_>, Vec<_>) =
                new_futures(&co, 5).await?.into_iter().unzip();
            let d_ref = task_ref(&co, futures[3].id()).await?;
            let fut = co
                .spawn(gathering(wrap_futures(futures, how), false))
                .await?;
            let cb = callback_count(&fut);
            settles[0].put_nowait(Ok(1)).unwrap();
            settles[1]
                .put_nowait(Err(Error::msg("ZeroDivisionError")))
                .unwrap();
            run_loop(&co).await?;
            assert!(fut.is_finished());
            assert_eq!(cb.get(), 1);
            let first = fut.error().map(|e| e.to_string());
            // Does nothing
            let _ = settles[2].put_nowait(Ok(3));
            d_ref.cancel();
            let _ = settles[4].put_nowait(Err(Error::msg("RuntimeError")));
            run_loop(&co).await?;
            assert_eq!(cb.get(), 1);
            Ok((first, fut.error().map(|e| e.to_string())))
        });
        let zde = Some("ZeroDivisionError".to_string());
        let (got, reports) = capture_reports(|| run(main));
        assert_eq!(got.unwrap(), (zde.clone(), zde), "{how:?}");
        assert!(
            reports.iter().all(|r| r.contains("RuntimeError")),
            "{reports:?}"
        );
    }
}

#[test]
fn test_return_exceptions() {
    for how in [Wrap::Futures, Wrap::Coroutines] {
        let main = Coroutine::new(move |co| async move {
            let (futures, settles): (Vec<_>, Vec<_>) =
                new_futures(&co, 4).await?.into_iter().unzip();
            let fut = co
                .spawn(gathering(wrap_futures(futures, how), true))
                .await?;
            let cb = callback_count(&fut);
            settles[1].put_nowait(Ok(1)).unwrap();
            settles[2].put_nowait(Err(Error::msg("exc"))).unwrap();
            settles[0].put_nowait(Ok(3)).unwrap();
            run_loop(&co).await?;
            assert!(!fut.is_finished());
            settles[3].put_nowait(Err(Error::msg("exc2"))).unwrap();
            run_loop(&co).await?;
            assert!(fut.is_finished());
            assert_eq!(cb.get(), 1);
            fut.result()
        });
        let expected = [
            Ok(3),
            Ok(1),
            Err("exc".to_string()),
            Err("exc2".to_string()),
        ];
        assert_eq!(run(main).unwrap(), expected, "{how:?}");
    }
}

// test_env_var_debug: PYTHONASYNCIODEBUG and `-X dev`.

// FutureGatherTests:
// test_constructor_empty_sequence_without_loop: built outside a loop is fine: nothing starts until it runs.

#[test]
fn test_constructor_empty_sequence_use_running_loop() {
    let main = Coroutine::new(|co| async move {
        let fut = co.spawn(gather(Vec::<Coroutine<u32>>::new())).await?;
        run_loop(&co).await?;
        Ok((fut.is_finished(), fut.result()?))
    });
    assert_eq!(run(main).unwrap(), (true, vec![]));
}

// test_constructor_empty_sequence_use_global_loop: no global loop.
// test_constructor_heterogenous_futures: futures of two loops; not bound to a loop here.
// test_constructor_homogenous_futures: the gather's loop taken from its children's; the same.

// Differs: asyncio's gathering future is not `cancelled()`, it holds a
// CancelledError; ours is a task that ends with the cancel, so it is.
#[test]
fn test_one_cancellation() {
    let main = Coroutine::new(|co| async move {
        let (futures, settles): (Vec<_>, Vec<_>) = new_futures(&co, 5).await?.into_iter().unzip();
        let b_ref = task_ref(&co, futures[1].id()).await?;
        let d_ref = task_ref(&co, futures[3].id()).await?;
        let fut = co
            .spawn(gathering(wrap_futures(futures, Wrap::Futures), false))
            .await?;
        let cb = callback_count(&fut);
        settles[0].put_nowait(Ok(1)).unwrap();
        b_ref.cancel();
        run_loop(&co).await?;
        assert!(fut.is_finished());
        assert_eq!(cb.get(), 1);
        let error = fut.error().expect("it failed");
        // Does nothing
        let _ = settles[2].put_nowait(Ok(3));
        d_ref.cancel();
        let _ = settles[4].put_nowait(Err(Error::msg("RuntimeError")));
        run_loop(&co).await?;
        Ok((fut.is_cancelled(), error.is_cancelled(), cb.get()))
    });
    assert_eq!(run(main).unwrap(), (true, true, 1));
}

#[test]
fn test_result_exception_one_cancellation() {
    let main = Coroutine::new(|co| async move {
        let (futures, settles): (Vec<_>, Vec<_>) = new_futures(&co, 6).await?.into_iter().unzip();
        let c_ref = task_ref(&co, futures[2].id()).await?;
        let e_ref = task_ref(&co, futures[4].id()).await?;
        let fut = co
            .spawn(gathering(wrap_futures(futures, Wrap::Futures), true))
            .await?;
        let cb = callback_count(&fut);
        settles[0].put_nowait(Ok(1)).unwrap();
        settles[1].put_nowait(Err(Error::msg("zde"))).unwrap();
        c_ref.cancel();
        run_loop(&co).await?;
        assert!(!fut.is_finished());
        settles[3].put_nowait(Ok(3)).unwrap();
        e_ref.cancel();
        settles[5].put_nowait(Err(Error::msg("rte"))).unwrap();
        let fut = finished(&co, fut).await?;
        Ok((fut.result()?, cb.get()))
    });
    let cancelled = Err("cancelled".to_string());
    let expected = vec![
        Ok(1),
        Err("zde".to_string()),
        cancelled.clone(),
        Ok(3),
        cancelled,
        Err("rte".to_string()),
    ];
    assert_eq!(run(main).unwrap(), (expected, 1));
}

// CoroutineGatherTests:
// test_constructor_without_loop: built outside a loop is fine: nothing starts until it runs.

#[test]
fn test_constructor_use_running_loop() {
    let coro = || Coroutine::new(|_co| async { Ok("abc") });
    assert_eq!(run(gather(vec![coro(), coro()])).unwrap(), ["abc", "abc"]);
}

// test_constructor_use_global_loop: no global loop.
// test_duplicate_coroutines: a coroutine is moved into the call; it cannot be passed twice.

// `gatherer.cancel()` is false: the gather ran on `outer`'s own task (a
// call), already cancelled. `waiter.cancelled()`: an `Event` is not cancelled.
#[test]
fn test_cancellation_broadcast() {
    let proof = Rc::new(Cell::new(0));
    let p = proof.clone();
    let main = Coroutine::new(move |co| async move {
        let waiter = Event::new();
        let inner = |w: Event, p: Rc<Cell<u32>>| {
            Coroutine::new(move |co| async move {
                co.call(w.wait()).await?;
                p.set(p.get() + 1);
                Ok(())
            })
        };
        let child1 = co.spawn(inner(waiter.clone(), p.clone())).await?;
        let child2 = co.spawn(inner(waiter.clone(), p.clone())).await?;
        let (c1, c2) = (ended_cancelled(&child1), ended_cancelled(&child2));
        let p2 = p.clone();
        let outer = Coroutine::new(move |co| async move {
            co.call(gather(vec![child1, child2])).await?;
            p2.set(p2.get() + 100);
            Ok(())
        });
        let f = co.spawn(outer).await?;
        yield_now(&co).await?;
        assert!(f.cancel());
        assert!(co.join(f).await.unwrap_err().is_cancelled());
        let children = (c1.get(), c2.get());
        waiter.set();
        yield_now(&co).await?;
        Ok(children)
    });
    assert_eq!(run(main).unwrap(), (Some(true), Some(true)));
    assert_eq!(proof.get(), 0);
}

// "Mark exception retrieved": the second child's error is not reported
// (issue 11's fix 10).
#[test]
fn test_exception_marking() {
    let main = Coroutine::new(|co| async move {
        let (a, settle_a) = new_future::<()>(&co).await?;
        let (b, settle_b) = new_future::<()>(&co).await?;
        let inner = |f: JoinHandle<()>| {
            Coroutine::<()>::new(move |co| async move {
                co.join(f).await?;
                Err(Error::msg("should not be ignored"))
            })
        };
        let (ia, ib) = (inner(a), inner(b));
        let f = co
            .spawn(Coroutine::new(move |co| async move {
                co.call(gather(vec![ia, ib])).await?;
                Ok(())
            }))
            .await?;
        yield_now(&co).await?;
        settle_a.put_nowait(Ok(())).unwrap();
        yield_now(&co).await?;
        settle_b.put_nowait(Ok(())).unwrap();
        yield_now(&co).await?;
        let f = finished(&co, f).await?;
        Ok(f.error().map(|e| e.to_string()))
    });
    let (got, reports) = capture_reports(|| run(main));
    assert_eq!(got.unwrap(), Some("should not be ignored".to_string()));
    assert!(reports.is_empty(), "{reports:?}");
}

// test_issue46672: `gather(c, {})`, a dict as an awaitable, is a TypeError; here it does not compile.

// RunCoroutineThreadsafeTests: a scheduler and its tasks belong to one thread (`Rc`, not `Send`);
// no `run_coroutine_threadsafe` (only `run_in_executor` crosses threads, the other way).
// test_run_coroutine_threadsafe: no `run_coroutine_threadsafe`.
// test_run_coroutine_threadsafe_with_exception: the same.
// test_run_coroutine_threadsafe_with_timeout: the same.
// test_run_coroutine_threadsafe_task_cancelled: the same.
// test_run_coroutine_threadsafe_task_factory_exception: the same, and no task factory.

// SleepTests: `sleep(0, result=10)`: our sleep has no result; the `+ 10` is left out.
#[test]
fn test_sleep_zero() {
    let main = Coroutine::new(|co| async move {
        let result = Rc::new(Cell::new(0));
        let r = result.clone();
        co.loop_handle()
            .await?
            .call_soon(move || r.set(r.get() + 1));
        assert_eq!(result.get(), 0);
        yield_now(&co).await?;
        Ok(result.get()) // inc'ed by call_soon
    });
    assert_eq!(run(main).unwrap(), 1);
}

// CompatibilityTests: no test methods left in 3.12.

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
