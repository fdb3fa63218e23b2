//! A task cancelled while it waits for a line of input leaves the input
//! queue: the next line goes to the next reader, not to the cancelled task.
//!
//! The test runs itself again as a child process whose stdin is a pipe the
//! parent holds open, so the reader really parks.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::Duration;

use crate::support::{TIMEOUT, this_test_again, watchdog};
use trampoline::{Coroutine, Scheduler};

const CHILD: &str = "TRAMPOLINE_CANCEL_READ_LINE_CHILD";

fn child() {
    let main = Coroutine::new(|co| async move {
        let first = co
            .spawn(Coroutine::new(|co| async move { co.read_line().await }))
            .await?;
        co.sleep(Duration::from_millis(20)).await?;
        first.cancel();
        let cancelled = co.join(first).await.unwrap_err().is_cancelled();
        println!("first reader cancelled: {cancelled}");
        let line = co.read_line().await?;
        println!("second reader got {line:?}");
        Ok(())
    });
    Scheduler::new().unwrap().run_until_complete(main).unwrap();
}

#[test]
fn a_reader_cancelled_while_waiting_for_a_line_does_not_take_it() {
    if std::env::var_os(CHILD).is_some() {
        return child();
    }
    let mut process = this_test_again(
        module_path!(),
        "a_reader_cancelled_while_waiting_for_a_line_does_not_take_it",
    )
    .env(CHILD, "1")
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    // A watchdog, so a broken build fails instead of hanging CI.
    let _watchdog = watchdog(&process, TIMEOUT);
    let mut stdout = BufReader::new(process.stdout.take().unwrap());
    let mut stdin = process.stdin.take().unwrap();
    let mut seen = Vec::new();
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap() > 0 {
        if line.contains("first reader cancelled") {
            stdin.write_all(b"hello\n").unwrap();
        }
        seen.push(std::mem::take(&mut line));
    }
    drop(stdin);
    assert!(process.wait().unwrap().success(), "{seen:?}");
    let seen: Vec<&str> = seen
        .iter()
        .filter_map(|l| l.trim_end().split(" ... ").last())
        .filter(|l| l.contains("reader"))
        .collect();
    assert_eq!(
        seen,
        [
            "first reader cancelled: true",
            r#"second reader got Some("hello")"#
        ]
    );
}
