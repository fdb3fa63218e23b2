//! A callback that panics is reported once, with its message, and the loop,
//! the other callbacks and the tasks go on.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, Scheduler, capture_reports};

#[test]
fn a_panicking_callback_is_reported_once_and_everything_else_goes_on() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    let handle = scheduler.handle();
    {
        let log = log.clone();
        handle.call_soon(move || log.borrow_mut().push("first"));
    }
    handle.call_soon(|| panic!("spilled the tea"));
    {
        let log = log.clone();
        handle.call_soon(move || log.borrow_mut().push("after the panic"));
    }
    {
        let log = log.clone();
        handle.call_later(Duration::from_secs(2), move || {
            log.borrow_mut().push("later")
        });
    }
    let task = {
        let log = log.clone();
        Coroutine::new(move |co| async move {
            for _ in 0..3 {
                co.sleep(Duration::from_secs(1)).await?;
                log.borrow_mut().push("tick");
            }
            Ok(())
        })
    };
    let ((), reports) = capture_reports(|| scheduler.run_until_complete(task).unwrap());
    assert_eq!(
        *log.borrow(),
        ["first", "after the panic", "tick", "later", "tick", "tick"]
    );
    assert_eq!(reports, ["a callback panicked: spilled the tea"]);
}
