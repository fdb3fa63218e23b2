//! Every example that ends by itself runs and prints the seed's key lines.
//!
//! Each runs as a child process with its own stdin (a pipe we write and
//! close) and a time limit. The example binaries are built once, with the
//! `cargo` that runs these tests, into the same target directory.

use crate::support::run_example;

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
    let (out, err) = run_example("hello_threads", &[], "20\nnot a number\n25\n");
    assert_in_order(&out, &["fib(20) = 6765", "fib(25) = 75025"]);
    assert!(err.contains("\"not a number\" is not a number"), "{err}");
}

#[test]
fn hello_eventloop_polls_stdin_and_says_hello() {
    let (out, _) = run_example("hello_eventloop", &[], "20\n25\n");
    assert!(
        out.lines().next().unwrap().ends_with(" - Hello world!"),
        "{out}"
    );
    assert_in_order(&out, &["fib(20) = 6765", "fib(25) = 75025"]);
}

#[test]
fn hello_callbacks_stops_on_exit() {
    let (out, _) = run_example("hello_callbacks", &[], "10\nexit\n20\n");
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
    let (out, _) = run_example("exceptions", &[], "");
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
    let (out, _) = run_example("gather", &["--virtual", "--seed", "7"], "");
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
    assert_eq!(run_example("chained", &[], "").0, "Hello World!\n");
}

#[test]
fn memo_fib_finds_results_in_its_cache() {
    let (out, _) = run_example("memo_fib", &[], "");
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
    let (out, _) = run_example("call_soon", &[], "");
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
    let (out, _) = run_example("futures", &[], "");
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
    let (out, _) = run_example("wait", &["--virtual"], "");
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
    let (out, _) = run_example("queue", &["--virtual"], "");
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
    let (out, _) = run_example("interleave", &[], "");
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
    let (out, _) = run_example(
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
    let (out, err) = run_example("never_retrieved", &[], "");
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

#[test]
fn task_group_cancels_the_others_and_reports_the_failure() {
    let (out, _) = run_example("task_group", &["--virtual"], "");
    assert_in_order(
        &out,
        &[
            "URL1: done after 1s",
            "URL3: failed after 2s",
            "URL2: cancelled",
            "URL4: cancelled",
            "the group failed after 2s: 1 error in the task group: URL3 answered 503",
            "  - URL3 answered 503",
            "tasks still running: 0",
        ],
    );
}

#[test]
fn timeouts_cut_a_slow_session_short() {
    let (out, _) = run_example("timeouts", &["--virtual"], "");
    assert_in_order(
        &out,
        &[
            "a quick session (fetch takes 2s, budget 5s):",
            "  save: done at 4s",
            "  finished in 4s",
            "a slow session (fetch takes 10s, budget 5s):",
            "  fetch: interrupted (started at 1s)",
            "  timed out after 5s",
        ],
    );
    assert!(!out.contains("save: done at 5s"), "{out}");
}
