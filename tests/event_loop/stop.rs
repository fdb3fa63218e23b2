//! `stop` ends `run_forever` after the current tick; inside
//! `run_until_complete` it is an error if the coroutine is not done; a loop
//! with nothing left that could ever stop it reports a deadlock.

use std::time::Duration;

use trampoline::{Clock, Coroutine, RunError, Scheduler};

#[test]
fn a_task_can_stop_run_forever_and_the_loop_runs_again_later() {
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    let handle = scheduler.handle();
    let task = scheduler.spawn(Coroutine::new(move |co| async move {
        co.sleep(Duration::from_secs(3)).await?;
        handle.stop();
        co.sleep(Duration::from_secs(3)).await?;
        Ok("finished after a second run")
    }));
    scheduler.run_forever().unwrap();
    assert_eq!(scheduler.clock().now(), Duration::from_secs(3));
    assert!(!task.is_finished());
    let main = Coroutine::new(move |co| async move { co.join(task).await });
    assert_eq!(
        scheduler.run_until_complete(main).unwrap(),
        "finished after a second run"
    );
}

#[test]
fn stop_during_run_until_complete_is_reported_as_stopped() {
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    let main = Coroutine::new(|co| async move {
        co.loop_handle().await?.stop();
        co.sleep(Duration::from_secs(1)).await
    });
    assert!(matches!(
        scheduler.run_until_complete(main),
        Err(RunError::Stopped)
    ));
}

#[test]
fn run_forever_with_nothing_to_do_is_a_deadlock_not_a_hang() {
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    assert!(matches!(scheduler.run_forever(), Err(RunError::Deadlock)));
}

#[test]
fn a_task_waiting_on_a_queue_nobody_fills_is_a_deadlock_not_a_hang() {
    let queue: trampoline::Queue<u8> = trampoline::Queue::new();
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    assert!(matches!(
        scheduler.run_until_complete(queue.get()),
        Err(RunError::Deadlock)
    ));
}
