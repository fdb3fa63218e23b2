//! `--trace-json`: the timeline is valid JSON, every track's begin/end events
//! balance, and the nesting seen there is the computation's stack depth,
//! however the run ends (`exit`, end of input, Ctrl-C).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::timeline::{Track, tracks};
use crate::support::{run_script, stderr};

fn timeline_of(script: &str, depth: Option<&str>) -> BTreeMap<u64, Track> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.json");
    let mut args = vec!["--trace-json", path.to_str().unwrap()];
    if let Some(depth) = depth {
        args.extend(["--trace-depth", depth]);
    }
    let output = run_script(script, &args);
    assert!(output.status.success(), "{}", stderr(&output));
    tracks(&std::fs::read_to_string(&path).unwrap())
}

/// 2·F(n+1) − 1: the coroutines fib(n) runs.
fn coroutines_of_fib(n: u64) -> usize {
    let (mut a, mut b) = (0, 1);
    for _ in 0..=n {
        (a, b) = (b, a + b);
    }
    2 * a - 1
}

#[test]
fn every_push_is_a_slice_and_the_nesting_is_the_stack_depth() {
    // `exit` at 2 s: print_every is still alive, its slice is closed at the end.
    let tracks = timeline_of("1 12\n2 exit\n", Some("100"));
    let compute = &tracks[&3];
    assert_eq!(compute.name, "task 3: compute(12)");
    // compute(12) → fib(12) → fib(11) → … → fib(1): 13 frames deep.
    assert_eq!(compute.deepest, 13);
    assert_eq!(compute.begins, 1 + coroutines_of_fib(12));
    assert_eq!(tracks[&1].name, "task 1: main_task");
    assert_eq!(tracks[&1].deepest, 2);
    assert_eq!(tracks[&2].name, "task 2: print_every");
}

#[test]
fn frames_below_the_trace_depth_are_left_out() {
    let tracks = timeline_of("1 12\n", None);
    assert_eq!(tracks[&3].deepest, trampoline::observe::DEFAULT_DEPTH);
    let tracks = timeline_of("1 12\n", Some("3"));
    assert_eq!(tracks[&3].deepest, 3);
    // compute(12), fib(12), and fib(11) and fib(10) under it.
    assert_eq!(tracks[&3].begins, 4);
}

#[test]
fn ctrl_c_mid_computation_still_closes_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_trampoline"))
        .args(["--interval", "0.02", "--trace-json"])
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The child is reaped by this thread only, after at most 60 s: if the
    // demo hangs it is killed, its stdout closes and the test fails.
    let waiter = std::thread::spawn(move || {
        for _ in 0..6000 {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        child.kill().unwrap();
        child.wait().unwrap()
    });
    assert!(lines.next().unwrap().unwrap().ends_with("Hello world!"));
    // fib(60) never finishes: it is deep in its stack when Ctrl-C comes.
    writeln!(stdin, "60").unwrap();
    for _ in 0..3 {
        assert!(lines.next().unwrap().unwrap().ends_with("Hello world!"));
    }
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let status = waiter.join().unwrap();
    assert_eq!(status.code(), Some(130));
    let tracks = tracks(&std::fs::read_to_string(&path).unwrap());
    assert_eq!(tracks[&3].name, "task 3: compute(60)");
    assert_eq!(tracks[&3].deepest, trampoline::observe::DEFAULT_DEPTH);
}

#[test]
fn a_timeline_that_cannot_be_created_is_a_clear_error() {
    let output = run_script("1 3\n", &["--trace-json", "/nonexistent/dir/trace.json"]);
    assert!(!output.status.success());
    let why = stderr(&output);
    assert!(
        why.starts_with("error: cannot create /nonexistent/dir/trace.json: "),
        "{why}"
    );
}
