//! `wait` returns the done and pending tasks, in argument order, when every
//! task has finished, when the first has (FirstCompleted), when one fails
//! (FirstException), or when the timeout runs out; pending tasks go on.

use std::time::Duration;

use trampoline::{Clock, Coroutine, Error, JoinHandle, ReturnWhen, Scheduler, wait};

fn sleep(secs: u64) -> Coroutine<()> {
    Coroutine::new(move |co| async move { co.sleep(Duration::from_secs(secs)).await })
        .named("sleep")
}

fn raise_ex_after(secs: u64) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        co.sleep(Duration::from_secs(secs)).await?;
        Err(Error::msg("Raising an exception."))
    })
    .named("raise_ex_after")
}

fn show(tasks: &[JoinHandle<()>]) -> Vec<String> {
    tasks.iter().map(ToString::to_string).collect()
}

/// Spawns the coroutines, waits, and returns (done, pending, when it returned).
fn run(
    coroutines: Vec<Coroutine<()>>,
    when: ReturnWhen,
    timeout: Option<u64>,
) -> (Vec<String>, Vec<String>, u64) {
    let main = Coroutine::new(move |co| async move {
        let mut tasks = Vec::new();
        for c in coroutines {
            tasks.push(co.spawn(c).await?);
        }
        let (done, pending) = co
            .call(wait(tasks, when, timeout.map(Duration::from_secs)))
            .await?;
        for task in &done {
            let _ = task.error();
        }
        Ok((show(&done), show(&pending), co.now().await?.as_secs()))
    });
    Scheduler::with_clock(Clock::virtual_at_zero())
        .unwrap()
        .run_until_complete(main)
        .unwrap()
}

const DONE: &str = "Task(<sleep>)<result=()>";
const PENDING: &str = "Task(<sleep>)<PENDING>";

#[test]
fn all_completed_waits_for_every_task() {
    assert_eq!(
        run(vec![sleep(2), sleep(1)], ReturnWhen::AllCompleted, None),
        (vec![DONE.into(), DONE.into()], vec![], 2)
    );
}

#[test]
fn a_timeout_returns_what_is_done_so_far() {
    assert_eq!(
        run(vec![sleep(5), sleep(1)], ReturnWhen::AllCompleted, Some(3)),
        (vec![DONE.into()], vec![PENDING.into()], 3)
    );
}

#[test]
fn first_completed_returns_with_the_first_finished_task() {
    let got = run(
        vec![sleep(3), sleep(2), sleep(1)],
        ReturnWhen::FirstCompleted,
        None,
    );
    assert_eq!(
        got,
        (vec![DONE.into()], vec![PENDING.into(), PENDING.into()], 1)
    );
}

#[test]
fn first_exception_returns_when_a_task_fails() {
    let got = run(
        vec![sleep(1), raise_ex_after(2), sleep(3)],
        ReturnWhen::FirstException,
        None,
    );
    let failed = "Task(<raise_ex_after>)<exception=Raising an exception.>".to_string();
    assert_eq!(got, (vec![DONE.into(), failed], vec![PENDING.into()], 2));
}

#[test]
fn first_exception_without_a_failure_waits_for_all() {
    assert_eq!(
        run(vec![sleep(1), sleep(2)], ReturnWhen::FirstException, None),
        (vec![DONE.into(), DONE.into()], vec![], 2)
    );
}

#[test]
fn a_timeout_that_already_passed_returns_at_once() {
    assert_eq!(
        run(vec![sleep(1)], ReturnWhen::AllCompleted, Some(0)),
        (vec![], vec![PENDING.into()], 0)
    );
}
