//! `wait_for` returns the coroutine's value within the timeout; past it, the
//! coroutine is cancelled (its cleanup runs) and `wait_for` fails with
//! `TimedOut`.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, ErrorKind, RunError, Scheduler, wait_for};

fn brew(secs: u64, log: Rc<RefCell<Vec<String>>>) -> Coroutine<&'static str> {
    Coroutine::new(move |co| async move {
        if let Err(e) = co.sleep(Duration::from_secs(secs)).await {
            log.borrow_mut().push(format!("cleanup: {e}"));
            return Err(e);
        }
        Ok("tea")
    })
}

#[test]
fn a_quick_coroutine_gives_its_value() {
    let log = Rc::default();
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    assert_eq!(
        scheduler
            .run_until_complete(wait_for(brew(1, log), Duration::from_secs(5)))
            .unwrap(),
        "tea"
    );
    assert_eq!(scheduler.clock().now(), Duration::from_secs(1));
}

#[test]
fn a_slow_coroutine_is_cancelled_and_times_out() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    match scheduler.run_until_complete(wait_for(brew(60, log.clone()), Duration::from_secs(5))) {
        Err(RunError::Failed(e)) => assert!(matches!(e.kind(), ErrorKind::TimedOut), "{e:?}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_eq!(*log.borrow(), ["cleanup: cancelled"]);
    assert_eq!(scheduler.clock().now(), Duration::from_secs(5));
}
