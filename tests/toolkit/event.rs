//! An `Event` wakes every waiter when set; waiting on a set event returns at
//! once; after `clear`, new waiters wait again.

use std::time::Duration;

use trampoline::sync::Event;
use trampoline::{Clock, Coroutine, Scheduler};

#[test]
fn set_wakes_every_waiter_and_clear_makes_new_ones_wait() {
    let event = Event::new();
    let e = event.clone();
    let main = Coroutine::new(move |co| async move {
        let mut waiters = Vec::new();
        for _ in 0..3 {
            waiters.push(co.spawn(e.wait()).await?);
        }
        co.sleep(Duration::from_secs(1)).await?;
        let none_done = waiters.iter().all(|w| !w.is_finished());
        e.set();
        for waiter in waiters {
            co.join(waiter).await?;
        }
        let woken_at = co.now().await?;
        co.call(e.wait()).await?; // already set: at once
        e.clear();
        let late = co.spawn(e.wait()).await?;
        co.sleep(Duration::from_secs(1)).await?;
        let late_waits = !late.is_finished();
        e.set();
        co.join(late).await?;
        Ok((none_done, woken_at, late_waits))
    });
    let got = Scheduler::with_clock(Clock::virtual_at_zero())
        .unwrap()
        .run_until_complete(main)
        .unwrap();
    assert_eq!(got, (true, Duration::from_secs(1), true));
}
