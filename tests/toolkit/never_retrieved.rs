//! A task error nobody retrieves is reported on stderr exactly once: when
//! its handle is dropped unread, or when the loop is dropped while the
//! handle is still alive. Retrieved errors and cancellations are not
//! reported.
//!
//! Each scenario runs in a child process (this test binary again), so its
//! stderr can be read.

use crate::support::{TIMEOUT, output, this_test_again};
use trampoline::{Coroutine, Error, Scheduler};

const CHILD: &str = "TRAMPOLINE_NEVER_RETRIEVED_SCENARIO";

fn failing(message: &'static str) -> Coroutine<u8> {
    Coroutine::new(move |_co| async move { Err(Error::msg(message)) }).named("my_task")
}

fn finish_all(scheduler: &mut Scheduler) {
    scheduler
        .run_until_complete(Coroutine::new(|_co| async { Ok(()) }))
        .unwrap();
}

fn scenario(name: &str) {
    match name {
        "handle outlives the loop" => {
            let mut scheduler = Scheduler::new().unwrap();
            let handle = scheduler.spawn(failing("outlived"));
            finish_all(&mut scheduler);
            drop(scheduler); // reported here ...
            drop(handle); // ... and not again here
        }
        "handle dropped unread" => {
            let mut scheduler = Scheduler::new().unwrap();
            let handle = scheduler.spawn(failing("dropped"));
            finish_all(&mut scheduler);
            drop(handle); // reported here ...
            drop(scheduler); // ... and not again here
        }
        "retrieved" => {
            let mut scheduler = Scheduler::new().unwrap();
            let a = scheduler.spawn(failing("read by result"));
            let b = scheduler.spawn(failing("read by error"));
            let c = scheduler.spawn(failing("joined"));
            finish_all(&mut scheduler);
            assert!(a.result().is_err());
            assert!(b.error().is_some());
            let main = Coroutine::new(move |co| async move { Ok(co.join(c).await.is_err()) });
            assert!(scheduler.run_until_complete(main).unwrap());
        }
        "cancelled" => {
            let mut scheduler = Scheduler::new().unwrap();
            let task = scheduler.spawn(Coroutine::new(|co| async move {
                co.sleep(std::time::Duration::from_secs(60)).await
            }));
            task.cancel();
            finish_all(&mut scheduler);
            assert!(task.is_cancelled());
        }
        other => panic!("no scenario {other}"),
    }
}

/// Runs `name` in a child process and returns its stderr.
fn stderr_of(name: &str) -> String {
    let mut command = this_test_again(module_path!(), "scenarios_report_each_unread_error_once");
    command.env(CHILD, name);
    let output = output(command, b"", TIMEOUT);
    assert!(
        output.status.success(),
        "scenario {name} failed: {output:?}"
    );
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn scenarios_report_each_unread_error_once() {
    if let Some(name) = std::env::var_os(CHILD) {
        return scenario(name.to_str().unwrap());
    }
    let outlived = stderr_of("handle outlives the loop");
    assert_eq!(
        outlived.matches("error never retrieved").count(),
        1,
        "{outlived}"
    );
    assert!(
        outlived.contains("task 1: error never retrieved: outlived (in my_task)"),
        "{outlived}"
    );
    let dropped = stderr_of("handle dropped unread");
    assert_eq!(
        dropped.matches("error never retrieved").count(),
        1,
        "{dropped}"
    );
    assert!(
        dropped.contains("task 1: error never retrieved: dropped"),
        "{dropped}"
    );
    let retrieved = stderr_of("retrieved");
    assert!(!retrieved.contains("never retrieved"), "{retrieved}");
    let cancelled = stderr_of("cancelled");
    assert!(
        !cancelled.contains("never retrieved") && !cancelled.contains("failed"),
        "{cancelled}"
    );
}
