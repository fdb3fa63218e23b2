//! CPython's `Lib/test/test_asyncio/test_queues.py`, ported. asyncio's
//! `LifoQueue(maxsize)` and `PriorityQueue(maxsize)` are `Queue::lifo` and
//! `Queue::priority`; `qsize()` is `len()`; `QueueShutDown` on a waiting
//! `put`/`get` is an `Error` with `QueueError::ShutDown`'s message.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use trampoline::sync::Event;
use trampoline::{Coroutine, Error, Queue, QueueError, gather, wait_for};

use super::common::{ms, run, scheduler, secs, yield_now};

fn is_shut_down(error: &Error) -> bool {
    error.to_string() == QueueError::ShutDown.to_string()
}

// QueueBasicTests

// test_repr, test_str: asyncio's repr shows `_getters[1]`; ours is Debug's
// `getters: WaitList([id])`, checked here instead.
#[test]
fn test_repr() {
    let main = Coroutine::new(|co| async move {
        let q = Queue::<i32>::new();
        assert!(format!("{q:?}").starts_with("Queue"));
        let getter = co.spawn(q.get()).await?;
        yield_now(&co).await?;
        assert!(
            format!("{q:?}").contains("getters: WaitList([TaskId(2)])"),
            "{q:?}"
        );
        q.put_nowait(0).unwrap();
        assert_eq!(0, co.join(getter).await?);

        let q = Queue::with_maxsize(1);
        q.put_nowait(1).unwrap();
        let putter = co.spawn(q.put(2)).await?;
        yield_now(&co).await?;
        assert!(
            format!("{q:?}").contains("putters: WaitList([TaskId(3)])"),
            "{q:?}"
        );
        q.get_nowait().unwrap();
        co.join(putter).await?;

        let q = Queue::new();
        q.put_nowait(1).unwrap();
        assert!(format!("{q:?}").contains("len: 1"));
        Ok(())
    });
    run(main).unwrap();
}

// test_str: Display is not implemented; Debug is covered by test_repr.
// test_generic_alias: Python typing; Queue<T> is generic in Rust already.

#[test]
fn test_empty() {
    let main = Coroutine::new(|co| async move {
        let q = Queue::new();
        assert!(q.is_empty());
        co.call(q.put(1)).await?;
        assert!(!q.is_empty());
        assert_eq!(1, co.call(q.get()).await?);
        assert!(q.is_empty());
        Ok(())
    });
    run(main).unwrap();
}

#[test]
fn test_full() {
    let main = Coroutine::new(|co| async move {
        let q = Queue::<i32>::new();
        assert!(!q.is_full());
        let q = Queue::with_maxsize(1);
        co.call(q.put(1)).await?;
        assert!(q.is_full());
        Ok(())
    });
    run(main).unwrap();
}

#[test]
fn test_order() {
    let main = Coroutine::new(|co| async move {
        let q = Queue::new();
        for i in [1, 3, 2] {
            co.call(q.put(i)).await?;
        }
        let mut items = Vec::new();
        for _ in 0..3 {
            items.push(co.call(q.get()).await?);
        }
        Ok(items)
    });
    assert_eq!(run(main).unwrap(), [1, 3, 2]);
}

#[test]
fn test_maxsize() {
    let main = Coroutine::new(|co| async move {
        let q = Queue::with_maxsize(2);
        assert_eq!(2, q.maxsize());
        let have_been_put = Rc::new(RefCell::new(Vec::new()));
        let (q2, put) = (q.clone(), have_been_put.clone());
        let t = co
            .spawn(Coroutine::new(move |co| async move {
                for i in 0..3 {
                    co.call(q2.put(i)).await?;
                    put.borrow_mut().push(i);
                }
                Ok(true)
            }))
            .await?;
        for _ in 0..2 {
            yield_now(&co).await?;
        }
        // The putter is blocked after putting two items.
        assert_eq!(*have_been_put.borrow(), [0, 1]);
        assert_eq!(0, co.call(q.get()).await?);
        // Let the putter resume and put last item.
        yield_now(&co).await?;
        assert_eq!(*have_been_put.borrow(), [0, 1, 2]);
        assert_eq!(1, co.call(q.get()).await?);
        assert_eq!(2, co.call(q.get()).await?);
        assert!(t.is_finished());
        assert!(t.result()?);
        Ok(())
    });
    run(main).unwrap();
}

// QueueGetTests

#[test]
fn test_blocking_get() {
    let q = Queue::new();
    q.put_nowait(1).unwrap();
    assert_eq!(1, run(q.get()).unwrap());
}

// test_get_with_putters: pokes a future into the private `_putters` deque.

#[test]
fn test_blocking_get_wait() {
    let mut scheduler = scheduler();
    let handle = scheduler.handle();
    let main = Coroutine::new(move |co| async move {
        let q = Queue::new();
        let started = Event::new();
        let finished = Rc::new(Cell::new(false));
        let (q2, s2, f2) = (q.clone(), started.clone(), finished.clone());
        let queue_get_task = co
            .spawn(Coroutine::new(move |co| async move {
                s2.set();
                let res = co.call(q2.get()).await?;
                f2.set(true);
                Ok(res)
            }))
            .await?;
        co.call(started.wait()).await?;
        assert!(!finished.get());
        handle.call_later(ms(10), move || q.put_nowait(1).unwrap());
        let res = co.join(queue_get_task).await?;
        assert!(finished.get());
        Ok((res, co.now().await?))
    });
    assert_eq!(scheduler.run_until_complete(main).unwrap(), (1, ms(10)));
}

#[test]
fn test_nonblocking_get() {
    let q = Queue::new();
    q.put_nowait(1).unwrap();
    assert_eq!(Ok(1), q.get_nowait());
}

#[test]
fn test_nonblocking_get_exception() {
    let q = Queue::<i32>::new();
    assert_eq!(Err(QueueError::Empty), q.get_nowait());
}

#[test]
fn test_get_cancelled_race() {
    let main = Coroutine::new(|co| async move {
        let q = Queue::new();
        let t1 = co.spawn(q.get()).await?;
        let t2 = co.spawn(q.get()).await?;
        yield_now(&co).await?;
        t1.cancel();
        yield_now(&co).await?;
        assert!(t1.is_finished());
        co.call(q.put('a')).await?;
        yield_now(&co).await?;
        co.join(t2).await
    });
    assert_eq!(run(main).unwrap(), 'a');
}

#[test]
fn test_get_with_waiting_putters() {
    let main = Coroutine::new(|co| async move {
        let q = Queue::with_maxsize(1);
        let _a = co.spawn(q.put('a')).await?;
        let _b = co.spawn(q.put('b')).await?;
        Ok((co.call(q.get()).await?, co.call(q.get()).await?))
    });
    assert_eq!(run(main).unwrap(), ('a', 'b'));
}

#[test]
fn test_why_are_getters_waiting() {
    let q = Queue::with_maxsize(1);
    let (qp, qc) = (q.clone(), q.clone());
    let producer = Coroutine::new(move |co| async move {
        for i in 0..5 {
            co.call(qp.put(i)).await?;
        }
        Ok(())
    });
    let consumer = Coroutine::new(move |co| async move {
        for _ in 0..5 {
            co.call(qc.get()).await?;
        }
        Ok(())
    });
    run(gather(vec![producer, consumer])).unwrap();
    assert!(q.is_empty());
}

#[test]
fn test_cancelled_getters_not_being_held_in_self_getters() {
    let main = Coroutine::new(|co| async move {
        let queue = Queue::<i32>::with_maxsize(5);
        let error = co.call(wait_for(queue.get(), ms(100))).await.unwrap_err();
        assert!(matches!(error.kind(), trampoline::ErrorKind::TimedOut));
        Ok(format!("{queue:?}"))
    });
    assert!(run(main).unwrap().contains("getters: WaitList([])"));
}

// QueuePutTests

#[test]
fn test_blocking_put() {
    let main = Coroutine::new(|co| async move {
        let q = Queue::new();
        // No maxsize, won't block.
        co.call(q.put(1)).await?;
        co.call(q.get()).await
    });
    assert_eq!(run(main).unwrap(), 1);
}

#[test]
fn test_blocking_put_wait() {
    let mut scheduler = scheduler();
    let handle = scheduler.handle();
    let main = Coroutine::new(move |co| async move {
        let q = Queue::with_maxsize(1);
        let started = Event::new();
        let finished = Rc::new(Cell::new(false));
        let (q2, s2, f2) = (q.clone(), started.clone(), finished.clone());
        handle.call_later(ms(10), move || {
            let _ = q.get_nowait();
        });
        let queue_put_task = co
            .spawn(Coroutine::new(move |co| async move {
                s2.set();
                co.call(q2.put(1)).await?;
                co.call(q2.put(2)).await?;
                f2.set(true);
                Ok(())
            }))
            .await?;
        co.call(started.wait()).await?;
        assert!(!finished.get());
        co.join(queue_put_task).await?;
        assert!(finished.get());
        co.now().await
    });
    assert_eq!(scheduler.run_until_complete(main).unwrap(), ms(10));
}

#[test]
fn test_nonblocking_put() {
    let q = Queue::new();
    q.put_nowait(1).unwrap();
    assert_eq!(Ok(1), q.get_nowait());
}

#[test]
fn test_get_cancel_drop_one_pending_reader() {
    let main = Coroutine::new(|co| async move {
        let q = Queue::new();
        let reader = co.spawn(q.get()).await?;
        yield_now(&co).await?;
        q.put_nowait(1).unwrap();
        q.put_nowait(2).unwrap();
        reader.cancel();
        match co.join(reader).await {
            Ok(result) => Ok(result),
            // try again
            Err(_) => {
                let reader = co.spawn(q.get()).await?;
                co.join(reader).await
            }
        }
    });
    // if we get 2, it means 1 got dropped!
    assert_eq!(run(main).unwrap(), 1);
}

#[test]
fn test_get_cancel_drop_many_pending_readers() {
    let main = Coroutine::new(|co| async move {
        let q = Queue::new();
        let reader1 = co.spawn(q.get()).await?;
        let reader2 = co.spawn(q.get()).await?;
        let reader3 = co.spawn(q.get()).await?;
        yield_now(&co).await?;
        q.put_nowait(1).unwrap();
        q.put_nowait(2).unwrap();
        reader1.cancel();
        assert!(co.join(reader1).await.unwrap_err().is_cancelled());
        let r3 = co.join(reader3).await?;
        let r2 = co.join(reader2).await?;
        // It is undefined in which order concurrent readers receive results.
        let mut got = [r2, r3];
        got.sort();
        Ok(got)
    });
    assert_eq!(run(main).unwrap(), [1, 2]);
}

#[test]
fn test_put_cancel_drop() {
    let main = Coroutine::new(|co| async move {
        let q = Queue::with_maxsize(1);
        q.put_nowait(1).unwrap();
        // putting a second item in the queue has to block (qsize=1)
        let writer = co.spawn(q.put(2)).await?;
        yield_now(&co).await?;
        assert_eq!(q.get_nowait(), Ok(1));
        writer.cancel();
        if co.join(writer).await.is_err() {
            // try again
            let writer = co.spawn(q.put(2)).await?;
            co.join(writer).await?;
        }
        assert_eq!(q.get_nowait(), Ok(2));
        Ok(q.len())
    });
    assert_eq!(run(main).unwrap(), 0);
}

#[test]
fn test_nonblocking_put_exception() {
    let q = Queue::with_maxsize(1);
    q.put_nowait(1).unwrap();
    assert_eq!(Err(QueueError::Full), q.put_nowait(2));
}

// test_float_maxsize: maxsize is a usize.

#[test]
fn test_put_cancelled() {
    let main = Coroutine::new(|co| async move {
        let q = Queue::new();
        let q2 = q.clone();
        let t = co
            .spawn(Coroutine::new(move |co| async move {
                co.call(q2.put(1)).await?;
                Ok(true)
            }))
            .await?;
        assert_eq!(1, co.call(q.get()).await?);
        assert!(t.is_finished());
        t.result()
    });
    assert!(run(main).unwrap());
}

#[test]
fn test_put_cancelled_race() {
    let main = Coroutine::new(|co| async move {
        let q = Queue::with_maxsize(1);
        let put_a = co.spawn(q.put('a')).await?;
        let put_b = co.spawn(q.put('b')).await?;
        let put_c = co.spawn(q.put('X')).await?;
        yield_now(&co).await?;
        assert!(put_a.is_finished());
        assert!(!put_b.is_finished());
        put_c.cancel();
        yield_now(&co).await?;
        assert!(put_c.is_finished());
        assert_eq!(q.get_nowait(), Ok('a'));
        yield_now(&co).await?;
        assert_eq!(q.get_nowait(), Ok('b'));
        co.join(put_b).await
    });
    run(main).unwrap();
}

#[test]
fn test_put_with_waiting_getters() {
    let main = Coroutine::new(|co| async move {
        let q = Queue::new();
        let t = co.spawn(q.get()).await?;
        yield_now(&co).await?;
        co.call(q.put('a')).await?;
        co.join(t).await
    });
    assert_eq!(run(main).unwrap(), 'a');
}

#[test]
fn test_why_are_putters_waiting() {
    let queue = Queue::with_maxsize(2);
    let q = queue.clone();
    let getter = Coroutine::new(move |co| async move {
        yield_now(&co).await?;
        for _ in 0..q.len() {
            q.get_nowait().unwrap();
        }
        Ok(())
    });
    let mut tasks = vec![getter];
    for item in 0..4 {
        tasks.push(queue.put(item));
    }
    run(gather(tasks)).unwrap();
    assert_eq!(queue.len(), 2);
}

#[test]
fn test_cancelled_puts_not_being_held_in_self_putters() {
    let main = Coroutine::new(|co| async move {
        // Full queue.
        let queue = Queue::with_maxsize(1);
        queue.put_nowait(1).unwrap();
        // Task waiting for space to put an item in the queue.
        let put_task = co.spawn(queue.put(1)).await?;
        yield_now(&co).await?;
        assert!(format!("{queue:?}").contains("putters: WaitList([TaskId(2)])"));
        put_task.cancel();
        assert!(co.join(put_task).await.unwrap_err().is_cancelled());
        Ok(format!("{queue:?}"))
    });
    assert!(run(main).unwrap().contains("putters: WaitList([])"));
}

#[test]
fn test_cancelled_put_silence_value_error_exception() {
    let main = Coroutine::new(|co| async move {
        let queue = Queue::with_maxsize(1);
        queue.put_nowait(1).unwrap();
        let put_task = co.spawn(queue.put(1)).await?;
        yield_now(&co).await?;
        queue.get_nowait().unwrap();
        put_task.cancel();
        Ok(co.join(put_task).await.unwrap_err().is_cancelled())
    });
    assert!(run(main).unwrap());
}

// LifoQueueTests, PriorityQueueTests

#[test]
fn lifo_test_order() {
    let main = Coroutine::new(|co| async move {
        let q = Queue::lifo(0);
        for i in [1, 3, 2] {
            co.call(q.put(i)).await?;
        }
        let mut items = Vec::new();
        for _ in 0..3 {
            items.push(co.call(q.get()).await?);
        }
        Ok(items)
    });
    assert_eq!(run(main).unwrap(), [2, 3, 1]);
}

#[test]
fn priority_test_order() {
    let main = Coroutine::new(|co| async move {
        let q = Queue::priority(0);
        for i in [1, 3, 2] {
            co.call(q.put(i)).await?;
        }
        let mut items = Vec::new();
        for _ in 0..3 {
            items.push(co.call(q.get()).await?);
        }
        Ok(items)
    });
    assert_eq!(run(main).unwrap(), [1, 2, 3]);
}

// _QueueJoinTestMixin, for each of the three kinds.

fn kinds() -> [Queue<u64>; 3] {
    [Queue::new(), Queue::lifo(0), Queue::priority(0)]
}

#[test]
fn test_task_done_underflow() {
    for q in kinds() {
        assert_eq!(q.task_done(), Err(QueueError::TooManyTaskDone));
    }
}

#[test]
fn test_task_done() {
    for q in kinds() {
        for i in 0..100 {
            q.put_nowait(i).unwrap();
        }
        let accumulator = Rc::new(Cell::new(0));
        let running = Rc::new(Cell::new(true));
        let (q2, acc, run2) = (q.clone(), accumulator.clone(), running.clone());
        let main = Coroutine::new(move |co| async move {
            let mut tasks = Vec::new();
            for _ in 0..2 {
                let (q, acc, running) = (q2.clone(), acc.clone(), run2.clone());
                tasks.push(
                    co.spawn(Coroutine::new(move |co| async move {
                        while running.get() {
                            let item = co.call(q.get()).await?;
                            acc.set(acc.get() + item);
                            q.task_done().unwrap();
                        }
                        Ok(())
                    }))
                    .await?,
                );
            }
            co.call(q2.join()).await?;
            assert_eq!((0..100).sum::<u64>(), acc.get());
            // close running generators
            run2.set(false);
            for _ in 0..tasks.len() {
                q2.put_nowait(0).unwrap();
            }
            for task in tasks {
                co.join(task).await?;
            }
            Ok(())
        });
        run(main).unwrap();
        assert_eq!((0..100).sum::<u64>(), accumulator.get());
    }
}

#[test]
fn test_join_empty_queue() {
    for q in kinds() {
        let main = Coroutine::new(move |co| async move {
            co.call(q.join()).await?;
            co.call(q.join()).await
        });
        run(main).unwrap();
    }
}

// test_format: `_format()` is private; Debug shows `unfinished` instead.

// _QueueShutdownTestMixin, for each of the three kinds.

#[test]
fn test_shutdown_empty() {
    for q in kinds() {
        let main = Coroutine::new(move |co| async move {
            let get_task = co.spawn(q.get()).await?;
            yield_now(&co).await?; // want get task pending before shutdown
            q.shutdown(false);
            assert_eq!(q.len(), 0);
            co.call(q.join()).await?;
            yield_now(&co).await?;
            assert!(get_task.is_finished());
            assert!(is_shut_down(&co.join(get_task).await.unwrap_err()));
            assert!(is_shut_down(&co.call(q.put(7)).await.unwrap_err()));
            assert_eq!(q.put_nowait(7), Err(QueueError::ShutDown));
            assert!(is_shut_down(&co.call(q.get()).await.unwrap_err()));
            assert_eq!(q.get_nowait(), Err(QueueError::ShutDown));
            Ok(())
        });
        run(main).unwrap();
    }
}

#[test]
fn test_shutdown_nonempty() {
    for kind in 0..3 {
        let q: Queue<&str> = match kind {
            0 => Queue::with_maxsize(1),
            1 => Queue::lifo(1),
            _ => Queue::priority(1),
        };
        let main = Coroutine::new(move |co| async move {
            q.put_nowait("data").unwrap();
            let join_task = co.spawn(q.join()).await?;
            let put_task = co.spawn(q.put("data2")).await?;
            yield_now(&co).await?;
            assert!(!put_task.is_finished());
            q.shutdown(false);
            assert_eq!(q.len(), 1);
            yield_now(&co).await?;
            assert!(put_task.is_finished());
            assert!(is_shut_down(&co.join(put_task).await.unwrap_err()));
            assert_eq!(co.call(q.get()).await?, "data");
            yield_now(&co).await?;
            assert!(!join_task.is_finished());
            assert!(is_shut_down(&co.call(q.put("data")).await.unwrap_err()));
            assert_eq!(q.put_nowait("data"), Err(QueueError::ShutDown));
            assert!(is_shut_down(&co.call(q.get()).await.unwrap_err()));
            assert_eq!(q.get_nowait(), Err(QueueError::ShutDown));
            q.task_done().unwrap();
            yield_now(&co).await?;
            assert!(join_task.is_finished());
            co.join(join_task).await?;
            assert_eq!(q.task_done(), Err(QueueError::TooManyTaskDone));
            Ok(())
        });
        run(main).unwrap();
    }
}

#[test]
fn test_shutdown_immediate() {
    for q in kinds() {
        let main = Coroutine::new(move |co| async move {
            q.put_nowait(1).unwrap();
            let join_task = co.spawn(q.join()).await?;
            q.shutdown(true);
            assert_eq!(q.len(), 0);
            yield_now(&co).await?;
            assert!(join_task.is_finished());
            co.join(join_task).await?;
            assert!(is_shut_down(&co.call(q.put(1)).await.unwrap_err()));
            assert_eq!(q.put_nowait(1), Err(QueueError::ShutDown));
            assert!(is_shut_down(&co.call(q.get()).await.unwrap_err()));
            assert_eq!(q.get_nowait(), Err(QueueError::ShutDown));
            assert_eq!(q.task_done(), Err(QueueError::TooManyTaskDone));
            Ok(())
        });
        run(main).unwrap();
    }
}

#[test]
fn test_shutdown_immediate_with_unfinished() {
    for q in kinds() {
        let main = Coroutine::new(move |co| async move {
            q.put_nowait(1).unwrap();
            q.put_nowait(1).unwrap();
            let join_task = co.spawn(q.join()).await?;
            assert_eq!(co.call(q.get()).await?, 1);
            q.shutdown(true);
            assert_eq!(q.len(), 0);
            yield_now(&co).await?;
            assert!(!join_task.is_finished());
            assert!(is_shut_down(&co.call(q.put(1)).await.unwrap_err()));
            assert_eq!(q.put_nowait(1), Err(QueueError::ShutDown));
            assert!(is_shut_down(&co.call(q.get()).await.unwrap_err()));
            assert_eq!(q.get_nowait(), Err(QueueError::ShutDown));
            q.task_done().unwrap();
            assert_eq!(q.task_done(), Err(QueueError::TooManyTaskDone));
            yield_now(&co).await?;
            assert!(join_task.is_finished());
            co.join(join_task).await
        });
        run(main).unwrap();
        let _ = secs(0);
    }
}
