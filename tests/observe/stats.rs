//! `Stats`: what the loop did and how healthy it was, counted from the event
//! stream.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::observe::Stats;
use trampoline::{Clock, Coroutine, Scheduler, fib};

#[test]
fn stats_count_tasks_coroutines_steps_and_the_deepest_stack() {
    let stats = Rc::new(RefCell::new(Stats::new().quiet()));
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    scheduler.observe(stats.clone());
    let main = Coroutine::new(|co| async move {
        let ticker = co.spawn(Coroutine::new(|co| async move {
            for _ in 0..4 {
                co.sleep(Duration::from_secs(1)).await?;
            }
            Ok(())
        }));
        let ticker = ticker.await?;
        let value = co.call(fib(15)).await?;
        co.join(ticker).await?;
        Ok(value)
    });
    assert_eq!(scheduler.run_until_complete(main).unwrap(), 610);
    let report = stats.borrow().report();
    assert_eq!(report.tasks, 2);
    // main, the ticker, and 2·F(16) − 1 = 1973 fib coroutines.
    assert_eq!(report.coroutines, 2 + 1973);
    // main → fib(15) → … → fib(1).
    assert_eq!(report.deepest, 16);
    // Every coroutine is resumed once per command it yields, plus once more
    // to finish: at least twice per coroutine.
    assert!(report.steps >= 2 * report.coroutines, "{report:?}");
    // A virtual clock wakes every timer exactly on time.
    assert_eq!(report.wakeups, 4);
    assert_eq!(report.lateness, [Duration::ZERO; 3]);
    assert!(report.longest_step.is_some());
    assert!(
        report
            .to_string()
            .starts_with("stats: 2 tasks, 1975 coroutines, ")
    );
}
