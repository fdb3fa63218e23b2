//! The progress bar: coroutines done out of the expected total, drawn in
//! place on one line, erased when the task finishes or a line is printed.

use crate::support::SharedBuf;
use trampoline::observe::Progress;
use trampoline::{Coroutine, Scheduler, fib};

#[test]
fn a_tracked_task_draws_a_bar_that_is_erased_when_it_finishes() {
    let out = SharedBuf::default();
    let progress = Progress::new(out.clone());
    let handle = progress.handle();
    let mut scheduler = Scheduler::new().unwrap();
    scheduler.observe(progress);
    let main = Coroutine::new(move |co| async move {
        let task = co.spawn(fib(20)).await?;
        // fib(20) runs 2·F(21) − 1 coroutines.
        handle.track(task.id(), "fib(20)", 2 * 10_946 - 1);
        co.join(task).await
    });
    assert_eq!(scheduler.run_until_complete(main).unwrap(), 6765);
    let text = out.text();
    // The first draw comes after 4096 pops: 18 % of 21 891.
    assert!(text.starts_with("\r\x1b[Kfib(20) [####"), "{text:?}");
    assert!(text.contains("]  18%"), "{text:?}");
    assert!(text.ends_with("\r\x1b[K"), "{text:?}");
}

#[test]
fn untracked_tasks_draw_nothing() {
    let out = SharedBuf::default();
    let mut scheduler = Scheduler::new().unwrap();
    scheduler.observe(Progress::new(out.clone()));
    scheduler.run_until_complete(fib(20)).unwrap();
    assert_eq!(out.text(), "");
}
