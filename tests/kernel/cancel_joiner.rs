//! A joiner cancelled while it waits gives up its join: the task it was
//! joining goes on, and if that task later fails, its error is reported
//! (nobody is left to retrieve it), never lost.

use std::time::Duration;

use trampoline::{Clock, Coroutine, Error, Scheduler, capture_reports};

#[test]
fn the_failure_of_a_task_whose_joiner_was_cancelled_is_reported() {
    let main = Coroutine::new(|co| async move {
        let joiner = co.spawn(Coroutine::<()>::new(|co| async move {
            let failing = co.spawn(Coroutine::<()>::new(|co| async move {
                co.sleep(Duration::from_millis(2)).await?;
                Err(Error::msg("boom"))
            }));
            let failing = failing.await?;
            co.join(failing).await
        }));
        let joiner = joiner.await?;
        co.sleep(Duration::ZERO).await?;
        joiner.cancel();
        co.sleep(Duration::from_secs(1)).await?;
        Ok(co.join(joiner).await.unwrap_err().is_cancelled())
    });
    let (cancelled, reports) = capture_reports(|| {
        let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
        scheduler.run_until_complete(main).unwrap()
    });
    assert!(cancelled);
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].starts_with("task 3 failed: boom"), "{reports:?}");
}
