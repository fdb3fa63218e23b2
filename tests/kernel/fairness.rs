//! Long computations take turns: no task runs more than one turn (1024
//! generator resumes) while another is ready, so two fib computations
//! progress together and a timer still fires on time between their turns.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, LoopEvent, Observer, Scheduler, TaskId, fib};

/// The task of every push and pop, in order.
struct Steps(Rc<RefCell<Vec<TaskId>>>);

impl Observer for Steps {
    fn on_event(&mut self, _at: Duration, event: &LoopEvent<'_>) {
        if let LoopEvent::Called { task, .. } | LoopEvent::Returned { task, .. } = event {
            self.0.borrow_mut().push(*task);
        }
    }
}

#[test]
fn two_long_computations_take_turns_of_at_most_1024_resumes() {
    let steps = Rc::new(RefCell::new(Vec::new()));
    let main = Coroutine::new(|co| async move {
        let a = co.spawn(fib(20)).await?;
        let b = co.spawn(fib(20)).await?;
        Ok(co.join(a).await? + co.join(b).await?)
    });
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).expect("a scheduler");
    scheduler.observe(Steps(steps.clone()));
    assert_eq!(scheduler.run_until_complete(main).expect("runs"), 2 * 6765);
    let steps = steps.borrow();
    // Runs of consecutive steps by one task: each step is at least one
    // resume, so no run may be longer than a turn.
    let mut runs = Vec::new();
    let mut current = (steps[0], 0usize);
    for &task in steps.iter() {
        if task == current.0 {
            current.1 += 1;
        } else {
            runs.push(current.1);
            current = (task, 1);
        }
    }
    runs.push(current.1);
    let longest = runs.iter().max().copied().unwrap_or(0);
    assert!(longest <= 1024, "a task ran {longest} steps in a row");
    // fib(20) is ~22,000 pushes and pops each: dozens of turns, interleaved.
    assert!(runs.len() > 20, "only {} turns", runs.len());
}

#[test]
fn a_timer_fires_between_the_turns_of_a_long_computation() {
    // The real clock: a virtual one would only move once fib is done. fib(30)
    // takes ~50 times the 1 ms sleep here, slow machine or not.
    let main = Coroutine::new(|co| async move {
        let long = co.spawn(fib(30)).await?;
        let ticker = co
            .spawn(Coroutine::new(|co| async move {
                co.sleep(Duration::from_millis(1)).await?;
                Ok(())
            }))
            .await?;
        co.join(ticker).await?;
        // The ticker woke and finished while fib(30) still had work to do.
        Ok(long.is_finished())
    });
    let mut scheduler = Scheduler::new().expect("a scheduler");
    assert!(!scheduler.run_until_complete(main).expect("runs"));
}
