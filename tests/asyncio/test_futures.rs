//! CPython's `Lib/test/test_asyncio/test_futures.py`, ported where a
//! future's behaviour is a task's: a "future" here is a task parked on a
//! queue, and `set_result`/`set_exception` is putting its outcome in.
//! `InvalidStateError` is `ErrorKind::NotReady`.
//!
//! Not ported: everything about `Future` objects we do not have (set_result
//! twice, repr, `_copy_future_state`, `__iter__`/`yield from`, source
//! tracebacks, `wrap_future` of concurrent futures, the C/Python twins).
//! `remove_done_callback` counts instances of a function in asyncio; ours
//! takes the token `add_done_callback` gave (README).

use std::cell::RefCell;
use std::rc::Rc;

use trampoline::{Coroutine, Error, ErrorKind, JoinHandle, Queue, Scheduler, capture_reports};

use super::common::scheduler;

/// A task standing for a future, and the queue that resolves it.
fn new_future(scheduler: &mut Scheduler) -> (JoinHandle<String>, Queue<Result<String, String>>) {
    let settle: Queue<Result<String, String>> = Queue::new();
    let q = settle.clone();
    let task = scheduler.spawn(Coroutine::new(move |co| async move {
        co.call(q.get()).await?.map_err(Error::msg)
    }));
    (task, settle)
}

/// Runs the loop until nothing is ready (`run_briefly`, a few times over).
fn run_briefly(scheduler: &mut Scheduler) {
    scheduler
        .run_until_complete(Coroutine::new(|co| async move {
            for _ in 0..3 {
                co.sleep(std::time::Duration::ZERO).await?;
            }
            Ok(())
        }))
        .unwrap();
}

fn not_ready<T>(got: Result<T, Error>) -> bool {
    matches!(got, Err(e) if matches!(e.kind(), ErrorKind::NotReady))
}

#[test]
fn test_initial_state() {
    let mut s = scheduler();
    let (f, _settle) = new_future(&mut s);
    assert!(!f.is_cancelled());
    assert!(!f.is_finished());
    f.cancel();
    run_briefly(&mut s);
    assert!(f.is_cancelled());
}

#[test]
fn test_cancel() {
    let mut s = scheduler();
    let (f, _settle) = new_future(&mut s);
    assert!(f.cancel());
    run_briefly(&mut s);
    assert!(f.is_cancelled());
    assert!(f.is_finished());
    assert!(f.result().unwrap_err().is_cancelled());
    assert!(f.error().unwrap().is_cancelled());
    assert!(!f.cancel());
}

#[test]
fn test_result() {
    let mut s = scheduler();
    let (f, settle) = new_future(&mut s);
    assert!(not_ready(f.result()));
    settle.put_nowait(Ok("42".into())).unwrap();
    run_briefly(&mut s);
    assert!(!f.is_cancelled());
    assert!(f.is_finished());
    assert_eq!(f.result().unwrap(), "42");
    assert!(f.error().is_none());
    assert!(!f.cancel());
}

#[test]
fn test_exception() {
    let mut s = scheduler();
    let (f, settle) = new_future(&mut s);
    assert!(not_ready(f.result()));
    settle.put_nowait(Err("RuntimeError".into())).unwrap();
    run_briefly(&mut s);
    assert!(!f.is_cancelled());
    assert!(f.is_finished());
    assert_eq!(f.result().unwrap_err().to_string(), "RuntimeError");
    assert_eq!(f.error().unwrap().to_string(), "RuntimeError");
    assert!(!f.cancel());
}

/// Runs `body` on a future in a loop that then ends; the reports it made.
fn reports_of(
    body: impl FnOnce(&mut Scheduler, JoinHandle<String>, Queue<Result<String, String>>),
) -> Vec<String> {
    let ((), reports) = capture_reports(|| {
        let mut s = scheduler();
        let (f, settle) = new_future(&mut s);
        body(&mut s, f, settle);
        drop(s);
    });
    reports
}

#[test]
fn test_tb_logger_abandoned() {
    assert!(reports_of(|_, f, _| drop(f)).is_empty());
}

#[test]
fn test_tb_logger_result_unretrieved() {
    let reports = reports_of(|s, f, settle| {
        settle.put_nowait(Ok("42".into())).unwrap();
        run_briefly(s);
        drop(f);
    });
    assert!(reports.is_empty());
}

#[test]
fn test_tb_logger_result_retrieved() {
    let reports = reports_of(|s, f, settle| {
        settle.put_nowait(Ok("42".into())).unwrap();
        run_briefly(s);
        f.result().unwrap();
        drop(f);
    });
    assert!(reports.is_empty());
}

#[test]
fn test_tb_logger_exception_unretrieved() {
    let reports = reports_of(|s, f, settle| {
        settle.put_nowait(Err("boom".into())).unwrap();
        run_briefly(s);
        drop(f);
    });
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(
        reports[0].contains("error never retrieved: boom"),
        "{reports:?}"
    );
}

#[test]
fn test_tb_logger_exception_retrieved() {
    let reports = reports_of(|s, f, settle| {
        settle.put_nowait(Err("boom".into())).unwrap();
        run_briefly(s);
        f.error();
        drop(f);
    });
    assert!(reports.is_empty());
}

#[test]
fn test_tb_logger_exception_result_retrieved() {
    let reports = reports_of(|s, f, settle| {
        settle.put_nowait(Err("boom".into())).unwrap();
        run_briefly(s);
        assert!(f.result().is_err());
        drop(f);
    });
    assert!(reports.is_empty());
}

// BaseFutureDoneCallbackTests

fn bag_appender(
    bag: &Rc<RefCell<Vec<u32>>>,
    thing: u32,
) -> impl FnOnce(&JoinHandle<String>) + 'static {
    let bag = bag.clone();
    move |_| bag.borrow_mut().push(thing)
}

#[test]
fn test_callbacks_invoked_on_set_result() {
    let mut s = scheduler();
    let bag = Rc::new(RefCell::new(Vec::new()));
    let (f, settle) = new_future(&mut s);
    f.add_done_callback(bag_appender(&bag, 42));
    f.add_done_callback(bag_appender(&bag, 17));
    assert!(bag.borrow().is_empty());
    settle.put_nowait(Ok("foo".into())).unwrap();
    run_briefly(&mut s);
    assert_eq!(*bag.borrow(), [42, 17]);
    assert_eq!(f.result().unwrap(), "foo");
}

#[test]
fn test_callbacks_invoked_on_set_exception() {
    let mut s = scheduler();
    let bag = Rc::new(RefCell::new(Vec::new()));
    let (f, settle) = new_future(&mut s);
    f.add_done_callback(bag_appender(&bag, 100));
    assert!(bag.borrow().is_empty());
    settle.put_nowait(Err("RuntimeError".into())).unwrap();
    run_briefly(&mut s);
    assert_eq!(*bag.borrow(), [100]);
    assert_eq!(f.error().unwrap().to_string(), "RuntimeError");
}

#[test]
fn test_remove_done_callback() {
    let mut s = scheduler();
    let bag = Rc::new(RefCell::new(Vec::new()));
    let (f, settle) = new_future(&mut s);
    // Add one cb1 and one cb2.
    let cb1 = f.add_done_callback(bag_appender(&bag, 1));
    let cb2 = f.add_done_callback(bag_appender(&bag, 2));
    // cb2 removed: now there's only cb1.
    assert!(f.remove_done_callback(&cb2));
    // After this there will be 6 callbacks of 1 and one of 2.
    let cb2_again = f.add_done_callback(bag_appender(&bag, 2));
    let mut ones = vec![cb1];
    for _ in 0..5 {
        ones.push(f.add_done_callback(bag_appender(&bag, 1)));
    }
    // Remove all the 1s. One 2 remains.
    let removed = ones.iter().filter(|cb| f.remove_done_callback(cb)).count();
    assert_eq!(removed, 6);
    assert!(bag.borrow().is_empty());
    settle.put_nowait(Ok("foo".into())).unwrap();
    run_briefly(&mut s);
    assert_eq!(*bag.borrow(), [2]);
    assert_eq!(f.result().unwrap(), "foo");
    assert!(!f.remove_done_callback(&cb2_again), "it ran already");
}
