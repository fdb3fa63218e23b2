//! A task error nobody can retrieve is reported on stderr, never dropped. The
//! scenarios run in a child process (this test binary, re-run on one ignored
//! test) so their stderr can be read.

use std::time::Duration;

use crate::support::{TIMEOUT, output, this_test_again};
use trampoline::{Clock, Coroutine, Error, Scheduler};

fn failing() -> Coroutine<()> {
    Coroutine::new(|co| async move {
        co.sleep(Duration::from_millis(1)).await?;
        co.call(Coroutine::<()>::new(|_co| async { Err(Error::msg("no tea")) }).named("brew"))
            .await
    })
    .named("make_tea")
}

/// Runs the ignored test `name` in a child and returns its stderr.
fn stderr_of(name: &str) -> String {
    let mut command = this_test_again(module_path!(), name);
    command.arg("--ignored");
    let output = output(command, b"", TIMEOUT);
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stderr).unwrap()
}

#[test]
#[ignore = "run by detached_failure_is_reported"]
fn child_detached_failure() {
    let main = Coroutine::new(|co| async move {
        drop(co.spawn(failing()).await?);
        co.sleep(Duration::from_millis(5)).await
    });
    Scheduler::with_clock(Clock::virtual_at_zero())
        .unwrap()
        .run_until_complete(main)
        .unwrap();
}

#[test]
fn detached_failure_is_reported() {
    let stderr = stderr_of("child_detached_failure");
    assert_eq!(
        stderr
            .matches("task 2 failed: no tea (in brew ← make_tea)")
            .count(),
        1,
        "{stderr}"
    );
}

#[test]
#[ignore = "run by unjoined_failure_is_reported_when_its_handle_drops"]
fn child_unjoined_failure() {
    let main = Coroutine::new(|co| async move {
        let handle = co.spawn(failing()).await?;
        co.sleep(Duration::from_millis(5)).await?;
        drop(handle);
        Ok(())
    });
    Scheduler::with_clock(Clock::virtual_at_zero())
        .unwrap()
        .run_until_complete(main)
        .unwrap();
}

#[test]
fn unjoined_failure_is_reported_when_its_handle_drops() {
    let stderr = stderr_of("child_unjoined_failure");
    let expected = "task 2: error never retrieved: no tea (in brew ← make_tea)";
    assert_eq!(stderr.matches(expected).count(), 1, "{stderr}");
    assert!(!stderr.contains("failed"), "{stderr}");
}

#[test]
#[ignore = "run by joined_failure_is_not_reported"]
fn child_joined_failure() {
    let main = Coroutine::new(|co| async move {
        let handle = co.spawn(failing()).await?;
        assert!(co.join(handle).await.is_err());
        Ok(())
    });
    Scheduler::with_clock(Clock::virtual_at_zero())
        .unwrap()
        .run_until_complete(main)
        .unwrap();
}

#[test]
fn joined_failure_is_not_reported() {
    let stderr = stderr_of("child_joined_failure");
    assert!(!stderr.contains("no tea"), "{stderr}");
}
