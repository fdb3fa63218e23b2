//! `as_completed` streams outcomes in the order the tasks finish, failures
//! included; with a timeout the stream fails with `TimedOut` and cancels the
//! unfinished tasks.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, Error, ErrorKind, Scheduler, as_completed};

fn get_url(url: &'static str, secs: u64) -> Coroutine<(&'static str, u64)> {
    Coroutine::new(move |co| async move {
        co.sleep(Duration::from_secs(secs)).await?;
        if url == "BAD" {
            Err(Error::msg("404"))
        } else {
            Ok((url, secs))
        }
    })
}

fn scheduler() -> Scheduler {
    Scheduler::with_clock(Clock::virtual_at_zero()).unwrap()
}

#[test]
fn outcomes_come_in_completion_order() {
    let main = Coroutine::new(|co| async move {
        let mut results = as_completed(
            vec![
                get_url("URL1", 4),
                get_url("BAD", 1),
                get_url("URL2", 2),
                get_url("URL3", 3),
            ],
            None,
        );
        let mut order = Vec::new();
        while let Some(outcome) = co.next(&mut results).await? {
            let at = co.now().await?.as_secs();
            order.push(match outcome {
                Ok((url, secs)) => format!("{url} {secs}s at {at}"),
                Err(e) => format!("error {e} at {at}"),
            });
        }
        Ok(order)
    });
    let order = scheduler().run_until_complete(main).unwrap();
    assert_eq!(
        order,
        [
            "error 404 at 1",
            "URL2 2s at 2",
            "URL3 3s at 3",
            "URL1 4s at 4"
        ]
    );
}

#[test]
fn a_timeout_ends_the_stream_and_cancels_the_rest() {
    let cancelled = Rc::new(RefCell::new(0));
    let c = cancelled.clone();
    let slow = Coroutine::new(move |co| async move {
        let slept = co.sleep(Duration::from_secs(10)).await;
        if slept.as_ref().is_err_and(Error::is_cancelled) {
            *c.borrow_mut() += 1;
        }
        slept.map(|()| ("slow", 10))
    });
    let main = Coroutine::new(move |co| async move {
        let mut results =
            as_completed(vec![slow, get_url("fast", 1)], Some(Duration::from_secs(3)));
        let first = co.next(&mut results).await?.unwrap()?;
        let second = co.next(&mut results).await.unwrap_err();
        let at = co.now().await?;
        co.sleep(Duration::ZERO).await?;
        co.sleep(Duration::ZERO).await?;
        let after = co.next(&mut results).await?;
        Ok((
            first,
            matches!(second.kind(), ErrorKind::TimedOut),
            at,
            after.is_none(),
        ))
    });
    let got = scheduler().run_until_complete(main).unwrap();
    assert_eq!(got, (("fast", 1), true, Duration::from_secs(3), true));
    assert_eq!(*cancelled.borrow(), 1);
}
