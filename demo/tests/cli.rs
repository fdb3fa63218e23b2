//! The demo binary end to end: stdin from a pipe and from a file, bad lines,
//! `exit`, end of input, the hello timer, usage errors, Ctrl-C.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;
use support::Killed;

const BIN: &str = env!("CARGO_BIN_EXE_trampoline");
const LIMIT: Duration = Duration::from_secs(60);

/// The demo with a long interval, so only the first hello line shows.
fn demo() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(["--interval", "1000"]).timeout(LIMIT);
    cmd
}

fn stdout_lines(output: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn numbers_on_a_pipe_get_their_fib_and_end_of_input_exits_cleanly() {
    let output = demo().write_stdin("10\n0\n1\n20\n").output().unwrap();
    assert!(output.status.success());
    let lines = stdout_lines(&output);
    assert!(lines[0].ends_with(" - Hello world!"), "{lines:?}");
    let mut results: Vec<_> = lines[1..].to_vec();
    results.sort();
    assert_eq!(
        results,
        ["fib(0) = 0", "fib(1) = 1", "fib(10) = 55", "fib(20) = 6765"]
    );
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_hello_line_starts_with_the_unix_time() {
    let output = demo().write_stdin("").output().unwrap();
    let lines = stdout_lines(&output);
    let (secs, text) = lines[0].split_once(" - ").unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let secs: u64 = secs.parse().unwrap();
    assert!(now.abs_diff(secs) < 120, "{secs} vs {now}");
    assert_eq!(text, "Hello world!");
}

#[test]
fn a_regular_file_as_stdin_is_read_to_the_end() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    for n in 0..50 {
        writeln!(file, "{}", n % 15).unwrap();
    }
    let output = demo().pipe_stdin(file.path()).unwrap().output().unwrap();
    assert!(output.status.success());
    assert_eq!(stdout_lines(&output).len(), 51);
}

#[test]
fn dev_null_as_stdin_prints_the_hello_line_and_exits() {
    demo()
        .pipe_stdin("/dev/null")
        .unwrap()
        .assert()
        .success()
        .stdout(predicate::str::ends_with(" - Hello world!\n"));
}

#[test]
fn a_later_short_computation_finishes_before_an_earlier_long_one() {
    let output = demo().write_stdin("27\n5\n").output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        stdout_lines(&output)[1..],
        ["fib(5) = 5", "fib(27) = 196418"]
    );
}

#[test]
fn bad_lines_get_an_error_and_the_valid_ones_are_answered() {
    let input = b"abc\n-5\n+5\n1e3\n0x10\n\n   7  \r\n94\n99999999999999999999\n\xff\n3\n";
    let output = demo().write_stdin(input.to_vec()).output().unwrap();
    assert!(output.status.success());
    let stdout = stdout_lines(&output);
    let mut results = stdout[1..].to_vec();
    results.sort();
    assert_eq!(results, ["fib(3) = 2", "fib(7) = 13"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<_> = stderr.lines().collect();
    assert_eq!(errors.len(), 8, "{stderr}");
    assert!(
        errors.iter().all(|line| line.starts_with("error: ")),
        "{stderr}"
    );
    assert!(stderr.contains("\"abc\" is not a whole number"), "{stderr}");
    assert!(stderr.contains("\"94\" is too large"), "{stderr}");
    assert!(stderr.contains("not valid UTF-8"), "{stderr}");
}

#[test]
fn exit_stops_at_once_even_during_a_long_computation() {
    let started = Instant::now();
    // fib(60) would take days; `exit` must not wait for it.
    let output = demo().write_stdin("60\nexit\n").output().unwrap();
    assert!(output.status.success());
    assert_eq!(stdout_lines(&output).len(), 1);
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn lines_after_exit_are_not_read() {
    let output = demo().write_stdin("exit\n5\n").output().unwrap();
    assert!(output.status.success());
    assert_eq!(stdout_lines(&output).len(), 1);
}

#[test]
fn blocking_mode_computes_in_the_reading_task() {
    let output = demo()
        .arg("--blocking")
        .write_stdin("25\n")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(stdout_lines(&output)[1..], ["fib(25) = 75025"]);
}

#[test]
fn message_changes_the_hello_text() {
    demo()
        .args(["--message", "Bonjour"])
        .write_stdin("")
        .assert()
        .success()
        .stdout(predicate::str::ends_with(" - Bonjour\n"));
}

#[test]
fn a_bad_interval_is_a_usage_error() {
    for bad in ["0", "-1", "abc", "nan", "inf", "1e400"] {
        Command::new(BIN)
            .args(["--interval", bad])
            .write_stdin("")
            .timeout(LIMIT)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--interval"));
    }
}

/// Starts the demo with a piped stdin and stdout, for tests that talk to it.
fn spawn_demo(args: &[&str]) -> Child {
    StdCommand::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn the_timer_keeps_firing_while_fib_computes() {
    let mut child = Killed::new(spawn_demo(&["--interval", "0.05"]));
    let mut stdin = child.0.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.0.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.ends_with("Hello world!\n"), "{line}");
    // A computation far longer than the test: the hello lines must keep coming.
    writeln!(stdin, "50").unwrap();
    let mut hellos = 0;
    let started = Instant::now();
    while hellos < 5 {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "stdout ended");
        assert!(line.ends_with("Hello world!\n"), "{line}");
        hellos += 1;
        assert!(started.elapsed() < LIMIT, "too slow");
    }
    writeln!(stdin, "exit").unwrap();
    let status = child.0.wait().unwrap();
    assert!(status.success());
}

#[test]
fn ctrl_c_mid_computation_exits_130_promptly() {
    let mut child = Killed::new(spawn_demo(&["--interval", "1000"]));
    let mut stdin = child.0.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.0.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    writeln!(stdin, "60").unwrap();
    writeln!(stdin, "5").unwrap();
    line.clear();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "fib(5) = 5\n", "the computations have started");
    let pid = rustix::process::Pid::from_child(&child.0);
    let sent = Instant::now();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(
        sent.elapsed() < Duration::from_secs(10),
        "{:?}",
        sent.elapsed()
    );
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert_eq!(rest, "", "no output after the signal");
}
