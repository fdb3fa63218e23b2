//! `gather` returns results in argument order whatever the finishing order;
//! the first failure propagates and cancels the rest; `gather_outcomes`
//! collects every outcome instead; cancelling a gather cancels its tasks.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, Error, Scheduler, gather, gather_outcomes};

type Log = Rc<RefCell<Vec<String>>>;

fn after(log: Log, secs: u64, outcome: Result<u64, &'static str>) -> Coroutine<u64> {
    Coroutine::new(move |co| async move {
        let slept = co.sleep(Duration::from_secs(secs)).await;
        log.borrow_mut().push(format!(
            "{secs}s: {:?}",
            slept.as_ref().map_err(ToString::to_string)
        ));
        slept?;
        outcome.map_err(Error::msg)
    })
}

fn scheduler() -> Scheduler {
    Scheduler::with_clock(Clock::virtual_at_zero()).unwrap()
}

#[test]
fn results_come_in_argument_order() {
    let log = Log::default();
    let all = gather(vec![
        after(log.clone(), 3, Ok(3)),
        after(log.clone(), 1, Ok(1)),
        after(log.clone(), 2, Ok(2)),
    ]);
    let mut scheduler = scheduler();
    assert_eq!(scheduler.run_until_complete(all).unwrap(), [3, 1, 2]);
    assert_eq!(scheduler.clock().now(), Duration::from_secs(3));
}

#[test]
fn the_first_failure_propagates_at_once_and_cancels_the_others() {
    let log = Log::default();
    let all = gather(vec![
        after(log.clone(), 5, Ok(5)),
        after(log.clone(), 1, Err("broken")),
        after(log.clone(), 9, Ok(9)),
    ]);
    let main = Coroutine::new(move |co| async move {
        let error = co.call(all).await.unwrap_err();
        let at = co.now().await?;
        co.sleep(Duration::from_secs(1)).await?; // let the cancelled tasks unwind
        Ok((error.to_string(), at))
    });
    let (error, at) = scheduler().run_until_complete(main).unwrap();
    assert_eq!((error.as_str(), at), ("broken", Duration::from_secs(1)));
    let mut seen = log.borrow().clone();
    seen.sort();
    assert_eq!(
        seen,
        [
            r#"1s: Ok(())"#,
            r#"5s: Err("cancelled")"#,
            r#"9s: Err("cancelled")"#
        ]
    );
}

#[test]
fn gather_outcomes_collects_every_outcome_in_order() {
    let log = Log::default();
    let all = gather_outcomes(vec![
        after(log.clone(), 2, Err("first")),
        after(log.clone(), 1, Ok(1)),
        after(log, 3, Err("third")),
    ]);
    let outcomes = scheduler().run_until_complete(all).unwrap();
    let shown: Vec<String> = outcomes
        .iter()
        .map(|o| format!("{:?}", o.as_ref().map_err(ToString::to_string)))
        .collect();
    assert_eq!(shown, [r#"Err("first")"#, "Ok(1)", r#"Err("third")"#]);
}

#[test]
fn cancelling_a_gather_cancels_its_tasks() {
    let log = Log::default();
    let all = gather(vec![
        after(log.clone(), 5, Ok(5)),
        after(log.clone(), 6, Ok(6)),
    ]);
    let main = Coroutine::new(move |co| async move {
        let task = co.spawn(all).await?;
        co.sleep(Duration::from_secs(1)).await?;
        task.cancel();
        let cancelled = co.join(task).await.unwrap_err().is_cancelled();
        co.sleep(Duration::from_secs(1)).await?;
        Ok(cancelled)
    });
    assert!(scheduler().run_until_complete(main).unwrap());
    assert_eq!(
        *log.borrow(),
        [r#"5s: Err("cancelled")"#, r#"6s: Err("cancelled")"#]
    );
}

#[test]
fn gathering_nothing_gives_nothing() {
    let none: Vec<Coroutine<u8>> = Vec::new();
    assert!(
        scheduler()
            .run_until_complete(gather(none))
            .unwrap()
            .is_empty()
    );
}
