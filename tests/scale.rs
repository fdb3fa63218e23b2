//! Scale without collapse: a million tasks alive at once, 100,000 spawned,
//! sleeping and joined, a ten-million-deep chain that fails at the bottom, a
//! task with 100,000 children. Nothing may
//! recurse on the native stack (drop and error propagation included), and
//! the virtual clock keeps the sleeps instant.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, Error, RunError, Scheduler, capture_reports};

fn virtual_scheduler() -> Scheduler {
    Scheduler::with_clock(Clock::virtual_at_zero()).expect("a scheduler")
}

/// Counts the tasks alive now and the most ever alive at once.
#[derive(Default)]
struct Census {
    alive: Cell<usize>,
    peak: Cell<usize>,
    done: Cell<usize>,
}

fn sleeper(census: Rc<Census>) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        census.alive.set(census.alive.get() + 1);
        census.peak.set(census.peak.get().max(census.alive.get()));
        co.sleep(Duration::from_secs(1)).await?;
        census.alive.set(census.alive.get() - 1);
        census.done.set(census.done.get() + 1);
        Ok(())
    })
}

#[test]
fn a_million_tasks_are_alive_at_once_and_all_finish() {
    const TASKS: usize = 1_000_000;
    let census = Rc::new(Census::default());
    let main = {
        let census = census.clone();
        Coroutine::new(move |co| async move {
            for _ in 0..TASKS {
                co.spawn(sleeper(census.clone())).await?;
            }
            co.sleep(Duration::from_secs(2)).await
        })
    };
    let (run, reports) = capture_reports(|| virtual_scheduler().run_until_complete(main));
    run.expect("main returns");
    assert_eq!(census.peak.get(), TASKS);
    assert_eq!(census.done.get(), TASKS);
    assert!(reports.is_empty(), "{reports:?}");
}

/// Calls itself `n` deep and fails at the bottom; every level passes the
/// error on with `?`.
fn chain(n: u64) -> Coroutine<u64> {
    Coroutine::new(move |co| async move {
        if n == 0 {
            return Err(Error::msg("the bottom gave way"));
        }
        Ok(co.call(chain(n - 1)).await? + 1)
    })
    .named("chain")
}

#[test]
fn a_ten_million_deep_chain_fails_at_the_bottom_and_the_error_reaches_the_top() {
    const DEPTH: u64 = 10_000_000;
    let run = virtual_scheduler().run_until_complete(chain(DEPTH));
    let Err(RunError::Failed(error)) = run else {
        panic!("the chain must fail, got {run:?}");
    };
    assert_eq!(error.to_string(), "the bottom gave way");
    // DEPTH + 1 frames were thrown through; the trace keeps 16 of them.
    assert_eq!(error.trace().len(), 16);
    assert!(
        error
            .trace_line()
            .contains(&format!("… {} more ← chain", DEPTH + 1 - 16)),
        "{}",
        error.trace_line()
    );
}

#[test]
fn a_million_deep_suspended_chain_is_dropped_without_recursion() {
    // The chain sleeps at the bottom; the main task returns first, and the
    // scheduler is dropped with the whole stack still suspended. A million
    // frames is plenty: a recursive drop would need far more than the test
    // thread's 2 MiB of native stack (and ten million would cost 3.6 GB more).
    fn sleepy_chain(n: u64) -> Coroutine<u64> {
        Coroutine::new(move |co| async move {
            if n == 0 {
                co.sleep(Duration::MAX).await?;
                return Ok(0);
            }
            Ok(co.call(sleepy_chain(n - 1)).await? + 1)
        })
    }
    let main = Coroutine::new(|co| async move {
        let deep = co.spawn(sleepy_chain(1_000_000)).await?;
        co.sleep(Duration::from_secs(1)).await?;
        Ok(deep.is_finished())
    });
    let mut scheduler = virtual_scheduler();
    assert!(!scheduler.run_until_complete(main).expect("main returns"));
    drop(scheduler);
}

#[test]
fn a_task_spawns_a_hundred_thousand_children_and_joins_them_one_by_one() {
    const CHILDREN: u64 = 100_000;
    fn child(i: u64) -> Coroutine<u64> {
        Coroutine::new(move |co| async move {
            co.sleep(Duration::from_millis(i % 7)).await?;
            Ok(i)
        })
    }
    let main = Coroutine::new(|co| async move {
        let mut handles = Vec::new();
        for i in 0..CHILDREN {
            handles.push(co.spawn(child(i)).await?);
        }
        let mut sum = 0;
        for handle in handles {
            sum += co.join(handle).await?;
        }
        Ok(sum)
    });
    let sum = virtual_scheduler()
        .run_until_complete(main)
        .expect("main returns");
    assert_eq!(sum, CHILDREN * (CHILDREN - 1) / 2);
}

#[test]
fn gather_of_a_hundred_thousand_children_keeps_their_order() {
    use trampoline::gather;
    const CHILDREN: u64 = 100_000;
    let children = (0..CHILDREN)
        .map(|i| {
            Coroutine::new(move |co| async move {
                // Finish in an order unlike the argument order.
                co.sleep(Duration::from_millis((i * 7919) % 1000)).await?;
                Ok(i)
            })
        })
        .collect();
    let values = virtual_scheduler()
        .run_until_complete(gather(children))
        .unwrap();
    assert_eq!(values, (0..CHILDREN).collect::<Vec<_>>());
}

#[test]
fn gather_of_a_hundred_thousand_children_fails_with_the_one_that_failed() {
    use trampoline::gather;
    let children = (0..100_000u64)
        .map(|i| {
            Coroutine::new(move |co| async move {
                co.sleep(Duration::from_millis(i % 1000)).await?;
                if i == 4242 {
                    return Err(Error::msg("child 4242 failed"));
                }
                Ok(i)
            })
        })
        .collect();
    let (run, reports) =
        capture_reports(|| virtual_scheduler().run_until_complete(gather(children)));
    let Err(RunError::Failed(error)) = run else {
        panic!("gather should fail")
    };
    assert_eq!(error.to_string(), "child 4242 failed");
    assert_eq!(
        reports,
        Vec::<String>::new(),
        "the failure was retrieved, the others cancelled"
    );
}

#[test]
fn a_hundred_thousand_tasks_sleep_and_finish() {
    let main = Coroutine::new(|co| async move {
        let mut handles = Vec::with_capacity(100_000);
        for i in 0..100_000u64 {
            let task = Coroutine::new(move |co| async move {
                co.sleep(Duration::from_millis(i % 100)).await?;
                Ok(i)
            });
            handles.push(co.spawn(task).await?);
        }
        let mut sum = 0;
        for handle in handles {
            sum += co.join(handle).await?;
        }
        Ok((sum, co.now().await?))
    });
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    let (sum, at) = scheduler.run_until_complete(main).unwrap();
    assert_eq!(sum, 100_000 * 99_999 / 2);
    assert_eq!(at, Duration::from_millis(99));
}
