//! Every example that ends by itself runs and prints the seed's key lines.
//!
//! Each runs as a child process with its own stdin (a pipe we write and
//! close) and a time limit. The example binaries are built once, with the
//! `cargo` that runs these tests, into the same target directory.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

/// How long an example may run before it counts as hung.
const LIMIT: Duration = Duration::from_secs(30);

fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("examples")
}

/// Builds the examples (a no-op when `cargo test` already did).
fn build_examples() {
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--examples", "--quiet"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "the examples do not build");
    });
}

/// Runs `name` with `args`, feeding `input` on stdin, and returns its stdout
/// and stderr once it exits (within `LIMIT`).
fn run(name: &str, args: &[&str], input: &str) -> (String, String) {
    build_examples();
    let mut child = Command::new(examples_dir().join(name))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start example {name}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > LIMIT {
            child.kill().unwrap();
            panic!("example {name} did not end within {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    );
    assert!(
        output.status.success(),
        "example {name} failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    (stdout, stderr)
}

/// Asserts that `lines` appear in `text`, in this order (other lines may
/// come between them).
fn assert_in_order(text: &str, lines: &[&str]) {
    let mut rest = text.lines();
    for expected in lines {
        assert!(
            rest.any(|line| line == *expected),
            "missing {expected:?} (in order) in:\n{text}"
        );
    }
}

#[test]
fn hello_threads_computes_while_the_thread_says_hello() {
    let (out, err) = run("hello_threads", &[], "20\nnot a number\n25\n");
    assert_in_order(&out, &["fib(20) = 6765", "fib(25) = 75025"]);
    assert!(err.contains("\"not a number\" is not a number"), "{err}");
}

#[test]
fn hello_eventloop_polls_stdin_and_says_hello() {
    let (out, _) = run("hello_eventloop", &[], "20\n25\n");
    assert!(
        out.lines().next().unwrap().ends_with(" - Hello world!"),
        "{out}"
    );
    assert_in_order(&out, &["fib(20) = 6765", "fib(25) = 75025"]);
}

#[test]
fn hello_callbacks_stops_on_exit() {
    let (out, _) = run("hello_callbacks", &[], "10\nexit\n20\n");
    assert!(
        out.lines().next().unwrap().ends_with(" - Hello world!"),
        "{out}"
    );
    assert_in_order(&out, &["fib(10) = 55"]);
    assert!(
        !out.contains("fib(20)"),
        "lines after exit are not handled:\n{out}"
    );
}

#[test]
fn exceptions_are_caught_where_they_land() {
    let (out, _) = run("exceptions", &[], "");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "Starting",
            "Got an exception: Have an exceptional day!",
            "C got exception: Something went wrong in A!"
        ]
    );
}

#[test]
fn gather_processes_as_completed_then_all_at_once() {
    let (out, _) = run("gather", &["--virtual", "--seed", "7"], "");
    assert_in_order(
        &out,
        &[
            "First, process results as they come in:",
            "Now, process results once they are all ready:",
        ],
    );
    assert_eq!(out.matches("Coroutine for URL").count(), 3, "{out}");
    assert_eq!(out.matches("Done: URL").count(), 6, "{out}");
    let last = out.lines().last().unwrap();
    assert!(
        last.starts_with("[('URL1', ") && last.contains("('URL2', ") && last.contains("('URL3', "),
        "{out}"
    );
}

#[test]
fn chained_says_hello_world() {
    assert_eq!(run("chained", &[], "").0, "Hello World!\n");
}

#[test]
fn memo_fib_finds_results_in_its_cache() {
    let (out, _) = run("memo_fib", &[], "");
    let expected = [
        "calculated 0",
        "calculated 1",
        "calculated 2",
        "found 1 in cache",
        "found 2 in cache",
        "calculated 3",
        "calculated 4",
        "found 4 in cache",
        "found 4 in cache",
        "[3, 3, 3]",
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn call_soon_runs_callbacks_in_fifo_order() {
    let (out, _) = run("call_soon", &[], "");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[..2], ["Hello world!", "Stopping loop."]);
    assert_in_order(
        &out,
        &[
            "Hello world!",
            "Stopping loop.",
            "(the loop stopped at virtual second 20)",
            "\"Hello world!\"",
        ],
    );
}

#[test]
fn futures_show_tasks_callbacks_and_cancel() {
    let (out, _) = run("futures", &[], "");
    assert_in_order(
        &out,
        &[
            "task.done() -> false",
            "task.result() -> InvalidStateError: result is not ready",
            "Now making chamomile tea.",
            "task.done() -> true",
            "task.result() -> \"chamomile tea\"",
            "The green tea is made.",
            "Now adding honey to the herbal tea.",
            "Mixing the herbal tea and green tea together.",
            "task.cancel() -> true",
            "task.result() -> CancelledError: cancelled",
        ],
    );
}

#[test]
fn wait_prints_done_and_pending_sets() {
    let (out, _) = run("wait", &["--virtual"], "");
    assert_in_order(
        &out,
        &[
            "({Task(<sleep>)<result=()>}, {Task(<sleep>)<PENDING>})",
            "({Task(<sleep>)<result=()>}, {Task(<sleep>)<PENDING>, Task(<sleep>)<PENDING>})",
            "({Task(<sleep>)<result=()>, Task(<raise_ex_after>)<exception=Raising an exception.>}, {Task(<sleep>)<PENDING>})",
            "({Task(<sleep>)<result=()>, Task(<sleep>)<result=()>}, set())",
        ],
    );
}

#[test]
fn queue_shows_nowait_waiting_and_bounds() {
    let (out, _) = run("queue", &["--virtual"], "");
    assert_in_order(
        &out,
        &[
            "QueueError::Empty: queue is empty",
            "(set(), {Task(<get>)<PENDING>})",
            "false",
            "true",
            "\"bar\"",
            "QueueError::Full: queue is full",
        ],
    );
}

#[test]
fn interleave_alternates_only_with_sleep_zero() {
    let (out, _) = run("interleave", &[], "");
    let lines: Vec<&str> = out.lines().collect();
    let first: Vec<String> = ["c1_1", "c2_1"]
        .iter()
        .flat_map(|p| (0..10).map(move |i| format!("{p} {i}")))
        .collect();
    assert_eq!(lines[..20], first);
    let order: Vec<&str> = lines[20..]
        .iter()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    let mut runs: Vec<(&str, usize)> = Vec::new();
    for name in order {
        match runs.last_mut() {
            Some((last, n)) if *last == name => *n += 1,
            _ => runs.push((name, 1)),
        }
    }
    assert_eq!(
        runs,
        [
            ("c1_2", 1),
            ("c2_2", 1),
            ("c1_2", 5),
            ("c2_2", 5),
            ("c1_2", 4),
            ("c2_2", 4)
        ]
    );
}

#[test]
fn primes_stream_while_the_mail_is_checked() {
    let (out, _) = run(
        "primes",
        &["--count", "10", "--checks", "2", "--seed", "3", "--virtual"],
        "",
    );
    assert_in_order(
        &out,
        &[
            "new prime number found: 1",
            "new prime number found: 2",
            "new prime number found: 23",
        ],
    );
    assert_eq!(out.matches("new email").count(), 2, "{out}");
}

#[test]
fn never_retrieved_reports_the_forgotten_error_once() {
    let (out, err) = run("never_retrieved", &[], "");
    assert!(
        out.contains("result() raised: caught with result()"),
        "{out}"
    );
    assert_eq!(err.matches("error never retrieved").count(), 1, "{err}");
    assert!(
        err.contains("task 1: error never retrieved: nobody looked at me (in my_task)"),
        "{err}"
    );
}
