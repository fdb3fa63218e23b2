//! `call_later` callbacks run once their delay has passed, earliest first,
//! FIFO on equal deadlines, interleaved with sleeping tasks by time.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, Scheduler};

#[test]
fn delayed_callbacks_run_by_deadline_and_in_order_on_ties() {
    let log: Rc<RefCell<Vec<(u64, &str)>>> = Rc::default();
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    let handle = scheduler.handle();
    for (secs, name) in [
        (20, "stop"),
        (10, "hello"),
        (10, "hello again"),
        (5, "first"),
    ] {
        let (l, h) = (log.clone(), handle.clone());
        handle.call_later(Duration::from_secs(secs), move || {
            l.borrow_mut().push((secs, name));
            if name == "stop" {
                h.stop();
            }
        });
    }
    let l = log.clone();
    scheduler.spawn(Coroutine::new(move |co| async move {
        co.sleep(Duration::from_secs(7)).await?;
        let now = co.now().await?.as_secs();
        l.borrow_mut().push((now, "task"));
        Ok(())
    }));
    scheduler.run_forever().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            (5, "first"),
            (7, "task"),
            (10, "hello"),
            (10, "hello again"),
            (20, "stop")
        ]
    );
    assert_eq!(scheduler.clock().now(), Duration::from_secs(20));
}
