//! Ready tasks take turns: two long computations both progress, and neither
//! starves the other or the timers.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, Scheduler};

fn fib(n: u64) -> Coroutine<u64> {
    Coroutine::new(move |co| async move {
        if n <= 1 {
            return Ok(n);
        }
        Ok(co.call(fib(n - 1)).await? + co.call(fib(n - 2)).await?)
    })
}

/// Computes fib(n) `rounds` times, logging its name after each round.
fn worker(
    log: Rc<RefCell<Vec<&'static str>>>,
    name: &'static str,
    n: u64,
    rounds: u32,
) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        for _ in 0..rounds {
            co.call(fib(n)).await?;
            log.borrow_mut().push(name);
        }
        Ok(())
    })
}

#[test]
fn two_long_computations_interleave() {
    let log = Rc::new(RefCell::new(Vec::new()));
    // fib(14) is ~1,800 coroutines: longer than one turn, so turns alternate within each round.
    let main = {
        let log = log.clone();
        Coroutine::new(move |co| async move {
            let a = co.spawn(worker(log.clone(), "a", 14, 20)).await?;
            let b = co.spawn(worker(log.clone(), "b", 14, 20)).await?;
            co.join(a).await?;
            co.join(b).await
        })
    };
    Scheduler::new().unwrap().run_until_complete(main).unwrap();
    let log = log.borrow();
    assert_eq!(log.len(), 40);
    // Neither finished all its rounds before the other started: by the time
    // half the rounds are done, both have done some.
    let first_half = &log[..20];
    assert!(
        first_half.contains(&"a") && first_half.contains(&"b"),
        "{log:?}"
    );
    // And they never drift far apart.
    let mut lead: i32 = 0;
    for name in log.iter() {
        lead += if *name == "a" { 1 } else { -1 };
        assert!(lead.abs() <= 3, "one task ran far ahead: {log:?}");
    }
}

#[test]
fn a_timer_fires_while_a_computation_runs() {
    let ticks = Rc::new(RefCell::new(0u32));
    let main = {
        let ticks = ticks.clone();
        Coroutine::new(move |co| async move {
            let ticker = Coroutine::<()>::new(move |co| async move {
                loop {
                    co.sleep(Duration::from_millis(1)).await?;
                    *ticks.borrow_mut() += 1;
                }
            });
            let _ticker = co.spawn(ticker).await?;
            co.call(fib(22)).await
        })
    };
    let mut scheduler = Scheduler::with_clock(Clock::real()).unwrap();
    let started = std::time::Instant::now();
    assert_eq!(scheduler.run_until_complete(main).unwrap(), 17711);
    let took = started.elapsed();
    // The ticker ran during the computation, roughly once per elapsed millisecond.
    if took > Duration::from_millis(20) {
        assert!(*ticks.borrow() >= 2, "{} ticks in {took:?}", ticks.borrow());
    }
}
