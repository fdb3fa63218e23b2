//! `Queue`: FIFO; `put_nowait`/`get_nowait` fail with `Full`/`Empty`;
//! `get` waits for an item and `put` for room; many producers and consumers
//! lose nothing and never exceed `maxsize`.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, Queue, QueueError, ReturnWhen, Scheduler, wait};

fn scheduler() -> Scheduler {
    Scheduler::with_clock(Clock::virtual_at_zero()).unwrap()
}

#[test]
fn nowait_operations_are_fifo_and_report_empty_and_full() {
    let queue = Queue::with_maxsize(2);
    assert_eq!(queue.get_nowait(), Err(QueueError::Empty));
    queue.put_nowait("a").unwrap();
    queue.put_nowait("b").unwrap();
    assert!(queue.is_full());
    assert_eq!(queue.put_nowait("c"), Err(QueueError::Full));
    assert_eq!(QueueError::Full.to_string(), "queue is full");
    assert_eq!(queue.get_nowait(), Ok("a"));
    assert_eq!(queue.get_nowait(), Ok("b"));
    assert_eq!(
        queue.get_nowait().unwrap_err().to_string(),
        "queue is empty"
    );
}

#[test]
fn a_waiting_get_times_out_in_wait_then_finishes_once_an_item_comes() {
    let queue: Queue<&str> = Queue::new();
    let mut scheduler = scheduler();
    let task = scheduler.spawn(queue.get());
    let main = Coroutine::new(move |co| async move {
        let (done, mut pending) = co
            .call(wait(
                vec![task],
                ReturnWhen::AllCompleted,
                Some(Duration::from_secs(1)),
            ))
            .await?;
        assert!(done.is_empty());
        Ok(pending.pop().unwrap())
    });
    let task = scheduler.run_until_complete(main).unwrap();
    assert!(!task.is_finished());
    queue.put_nowait("bar").unwrap();
    let handle = scheduler.handle();
    task.add_done_callback(move |_| handle.stop());
    scheduler.run_forever().unwrap();
    assert_eq!(task.result().unwrap(), "bar");
}

#[test]
fn producers_and_consumers_lose_nothing_and_never_exceed_maxsize() {
    let queue = Queue::with_maxsize(3);
    let most = Rc::new(Cell::new(0));
    let (q, m) = (queue.clone(), most.clone());
    let main = Coroutine::new(move |co| async move {
        let mut producers = Vec::new();
        for p in 0..4u64 {
            let (q, m) = (q.clone(), m.clone());
            producers.push(Coroutine::new(move |co| async move {
                for i in 0..25 {
                    co.call(q.put(p * 100 + i)).await?;
                    m.set(m.get().max(q.len()));
                    if i % 7 == 0 {
                        co.sleep(Duration::from_millis(i)).await?;
                    }
                }
                Ok(0)
            }));
        }
        let mut consumers = Vec::new();
        for _ in 0..3 {
            let q = q.clone();
            consumers.push(Coroutine::new(move |co| async move {
                let mut sum = 0;
                for _ in 0..(100 / 4) {
                    sum += co.call(q.get()).await?;
                    co.sleep(Duration::from_millis(3)).await?;
                }
                Ok(sum)
            }));
        }
        // 3 consumers take 75 items; the main task takes the last 25.
        let mut all = producers;
        all.extend(consumers);
        let sums = co.spawn(trampoline::gather(all)).await?;
        let mut rest = 0;
        for _ in 0..25 {
            rest += co.call(q.get()).await?;
        }
        let sums: u64 = co.join(sums).await?.iter().sum();
        Ok(sums + rest)
    });
    let total = scheduler().run_until_complete(main).unwrap();
    let expected: u64 = (0..4u64)
        .flat_map(|p| (0..25).map(move |i| p * 100 + i))
        .sum();
    assert_eq!(total, expected);
    assert!(most.get() <= 3, "the queue held {} items", most.get());
    assert!(queue.is_empty());
}

#[test]
fn a_put_waits_for_room() {
    let queue = Queue::with_maxsize(1);
    let q = queue.clone();
    let main = Coroutine::new(move |co| async move {
        q.put_nowait(1).unwrap();
        let putter = co.spawn(q.put(2)).await?;
        co.sleep(Duration::from_secs(1)).await?;
        let blocked = !putter.is_finished();
        let first = co.call(q.get()).await?;
        co.join(putter).await?;
        Ok((blocked, first, q.get_nowait().unwrap()))
    });
    assert_eq!(scheduler().run_until_complete(main).unwrap(), (true, 1, 2));
}
