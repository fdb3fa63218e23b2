//! 100,000 tasks spawned, sleeping and joined.

use std::time::Duration;

use trampoline::{Clock, Coroutine, Scheduler};

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
