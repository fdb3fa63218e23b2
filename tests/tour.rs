//! The guided tour (`examples/tour/`): every step runs as a child process,
//! gets its input through a pipe (or /dev/null, or a regular file), and what
//! it prints is checked line by line as it comes. Every child has a deadline:
//! past it, the child is killed and the test fails with all it printed.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long a step may run, at most.
const LIMIT: Duration = Duration::from_secs(20);

/// `target/<profile>/examples/NAME`, next to this test's own binary. A plain
/// `cargo test` builds the examples first, `cargo test --test tour` does not:
/// so we ask cargo to build it (a no-op when it is fresh), in the profile this
/// test was built with. Adapted from `tests/common/mod.rs`, so that this file
/// stands alone.
fn example(name: &str) -> PathBuf {
    let mut path = std::env::current_exe().expect("the test knows its path");
    path.pop();
    if path.ends_with("deps") {
        path.pop();
    }
    let profile = path
        .file_name()
        .and_then(|dir| dir.to_str())
        .unwrap_or("debug");
    let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    build.args(["build", "--quiet", "--example", name]);
    match profile {
        "debug" => {}
        "release" => _ = build.arg("--release"),
        custom => _ = build.args(["--profile", custom]),
    }
    let built = build.status().expect("cargo runs");
    assert!(built.success(), "cannot build the {name} example");
    path.join("examples").join(name)
}

/// A line the step printed, and where.
#[derive(Debug, Clone, PartialEq)]
enum Line {
    Out(String),
    Err(String),
}

impl Line {
    fn text(&self) -> &str {
        match self {
            Line::Out(text) | Line::Err(text) => text,
        }
    }
}

/// A running step. Two threads read its stdout and stderr and send each line
/// as it comes; the child is killed if the test ends before it does.
struct Step {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Line>,
    seen: Vec<Line>,
    deadline: Instant,
}

impl Step {
    fn start(name: &str, args: &[&str], stdin: Stdio) -> Step {
        let mut child = Command::new(example(name))
            .args(args)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the step starts");
        let (sender, lines) = mpsc::channel();
        let out = child.stdout.take().expect("stdout is piped");
        let err = child.stderr.take().expect("stderr is piped");
        forward(out, sender.clone(), Line::Out);
        forward(err, sender, Line::Err);
        Step {
            name: name.into(),
            stdin: child.stdin.take(),
            child,
            lines,
            seen: Vec::new(),
            deadline: Instant::now() + LIMIT,
        }
    }

    /// A step whose stdin is a pipe the test writes to.
    fn piped(name: &str, args: &[&str]) -> Step {
        Step::start(name, args, Stdio::piped())
    }

    fn write(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(text.as_bytes()).expect("the step reads");
        stdin.flush().expect("the step reads");
    }

    /// Closes stdin: the end of input.
    fn close(&mut self) {
        self.stdin = None;
    }

    /// The next line, or `None` once the step closed its output.
    fn next(&mut self) -> Option<Line> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        match self.lines.recv_timeout(left) {
            Ok(line) => {
                self.seen.push(line.clone());
                Some(line)
            }
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => self.fail("took too long"),
        }
    }

    /// Reads lines until one is `wanted`; returns the lines before it.
    fn until(&mut self, wanted: &Line) -> Vec<Line> {
        self.until_match(|line| line == wanted)
    }

    /// Reads lines until one matches; returns the lines before it.
    fn until_match(&mut self, wanted: impl Fn(&Line) -> bool) -> Vec<Line> {
        let mut before = Vec::new();
        loop {
            match self.next() {
                Some(line) if wanted(&line) => return before,
                Some(line) => before.push(line),
                None => self.fail("ended before printing the line it waited for"),
            }
        }
    }

    /// Waits for the step to end (its output first), within the deadline.
    fn finish(mut self) -> (ExitStatus, Vec<Line>) {
        while self.next().is_some() {}
        loop {
            if let Some(status) = self.child.try_wait().expect("waitpid") {
                return (status, std::mem::take(&mut self.seen));
            }
            if Instant::now() > self.deadline {
                self.fail("did not exit");
            }
            std::thread::sleep(Duration::from_millis(10)); // its output is closed: no line to wait for
        }
    }

    /// Like `finish`, and the step must have succeeded.
    fn succeeds(self) -> Vec<Line> {
        let name = self.name.clone();
        let (status, seen) = self.finish();
        assert!(status.success(), "{name} failed: {status:?}\n{seen:#?}");
        seen
    }

    fn fail(&self, why: &str) -> ! {
        panic!("{}: {why}; it printed:\n{:#?}", self.name, self.seen)
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn forward(
    stream: impl Read + Send + 'static,
    sender: mpsc::Sender<Line>,
    tag: fn(String) -> Line,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { return };
            if sender.send(tag(line)).is_err() {
                return;
            }
        }
    });
}

fn out(text: &str) -> Line {
    Line::Out(text.into())
}

fn stdout_of(lines: &[Line]) -> Vec<&str> {
    lines
        .iter()
        .filter(|line| matches!(line, Line::Out(_)))
        .map(Line::text)
        .collect()
}

#[test]
fn step_1_a_generator_hands_values_out_and_in() {
    let seen = Step::start("tour_01_generator", &[], Stdio::null()).succeeds();
    let expected = [
        "    generator: started",
        "main: started, the generator yielded 0",
        "main: resume with 10",
        "    generator: got 10",
        "main: it yielded 10",
        "main: resume with 20",
        "    generator: got 20",
        "main: it yielded 30",
        "main: resume with 30",
        "    generator: got 30",
        "main: it returned 60",
    ];
    assert_eq!(stdout_of(&seen), expected);
}

#[test]
fn step_2_tasks_take_turns_until_each_is_done() {
    let seen = Step::start("tour_02_round_robin", &[], Stdio::null()).succeeds();
    let expected = [
        "foo 1 of 3",
        "bar 1 of 5",
        "foo 2 of 3",
        "bar 2 of 5",
        "foo 3 of 3",
        "bar 3 of 5",
        "foo done",
        "bar 4 of 5",
        "bar 5 of 5",
        "bar done",
    ];
    assert_eq!(stdout_of(&seen), expected);
}

#[test]
fn step_3_sleepers_wake_in_deadline_order_and_the_loop_waits_for_them() {
    let started = Instant::now();
    let seen = Step::start("tour_03_sleep", &[], Stdio::null()).succeeds();
    let naps: Vec<&str> = stdout_of(&seen)
        .into_iter()
        .map(|line| line.split(" at ").next().expect("a split has a first part"))
        .collect();
    let expected = [
        "A wakes from nap 1 of 3",
        "B wakes from nap 1 of 2",
        "A wakes from nap 2 of 3",
        "A wakes from nap 3 of 3",
        "B wakes from nap 2 of 2",
    ];
    assert_eq!(naps, expected);
    // B's last nap ends 1000 ms in: never earlier.
    let last = stdout_of(&seen)[4].to_string();
    let ms = last.trim_end_matches(" ms").rsplit(' ').next();
    let ms: u64 = ms
        .and_then(|ms| ms.parse().ok())
        .expect("the line ends with a time in ms");
    assert!(ms >= 1000, "{last}");
    assert!(started.elapsed() >= Duration::from_millis(1000));
}

#[test]
fn step_4_lines_arrive_while_the_ticker_ticks_even_in_pieces() {
    let mut step = Step::piped("tour_04_stdin", &[]);
    step.until(&out("tick 1"));
    step.write("hello\n");
    step.until(&out("read: \"hello\""));
    // A line written in two pieces is handed out once, whole.
    step.write("wor");
    step.write("ld\n");
    step.until(&out("read: \"world\""));
    step.write("last, with no newline");
    step.close();
    step.until(&out("read: \"last, with no newline\""));
    step.until(&out("end of input"));
    let seen = step.succeeds();
    assert!(seen.contains(&out("tick 3")), "{seen:#?}");
}

#[test]
fn step_4_reads_dev_null_and_a_regular_file_which_epoll_refuses() {
    let seen = Step::start("tour_04_stdin", &[], Stdio::null()).succeeds();
    assert!(seen.contains(&out("end of input")), "{seen:#?}");

    let mut file = tempfile::tempfile().expect("a temporary file");
    file.write_all(b"one\ntwo\n").expect("the file is written");
    std::io::Seek::rewind(&mut file).expect("the file rewinds");
    let mut step = Step::start("tour_04_stdin", &[], Stdio::from(file));
    step.until(&out("read: \"one\""));
    step.until(&out("read: \"two\""));
    step.until(&out("end of input"));
    step.succeeds();
}

/// Whether `wanted` appears in `lines` in this order, other lines between.
fn in_order(lines: &[&str], wanted: &[&str]) -> bool {
    let mut rest = lines.iter();
    wanted.iter().all(|want| rest.any(|line| line == want))
}

#[test]
fn step_5_a_call_pushes_a_frame_and_a_return_pops_it() {
    let seen = Step::start("tour_05_trampoline", &[], Stdio::null()).succeeds();
    let stdout = stdout_of(&seen);
    // The ticker's lines come between the others, wherever its naps end.
    let (ticks, trace): (Vec<&str>, Vec<&str>) =
        stdout.iter().partition(|line| line.starts_with("tick "));
    assert_eq!(ticks, ["tick 1", "tick 2", "tick 3"], "{seen:#?}");
    let mut expected: Vec<String> = (2..=6)
        .map(|deep| format!("    trampoline: push, {deep} deep"))
        .collect();
    for (value, deep) in [(1, 5), (2, 4), (6, 3), (24, 2), (120, 1)] {
        expected.push(format!(
            "    trampoline: pop, {value} goes back to {deep} deep"
        ));
    }
    expected.push("5! = 120".into());
    expected.extend((2..=4).map(|deep| format!("    trampoline: push, {deep} deep")));
    for (value, deep) in [(1, 3), (2, 2), (6, 1)] {
        expected.push(format!(
            "    trampoline: pop, {value} goes back to {deep} deep"
        ));
    }
    expected.push("3! = 6".into());
    assert_eq!(trace, expected, "{seen:#?}");
}

#[test]
fn step_6_an_error_comes_back_at_the_call_point_or_fails_the_task() {
    let seen = Step::start("tour_06_errors", &[], Stdio::null()).succeeds();
    let stdout = stdout_of(&seen);
    let a_failed = |deep| {
        format!("    trampoline: pop, Err(\"Something went wrong in A!\") goes back to {deep} deep")
    };
    let overflowed = |deep| {
        format!("    trampoline: pop, Err(\"21! does not fit in a u64\") goes back to {deep} deep")
    };
    // C catches A's error, which came up through B.
    let (a2, a1) = (a_failed(2), a_failed(1));
    let c = [
        a2.as_str(),
        &a1,
        "C got exception: Something went wrong in A!",
    ];
    assert!(in_order(&stdout, &c), "{seen:#?}");
    // 23! fails in the frame of 21!; the error comes up through the frames
    // of 22! and 23! to the task, which catches it and goes on.
    let (o3, o2, o1) = (overflowed(3), overflowed(2), overflowed(1));
    let factorials = [
        o3.as_str(),
        &o2,
        &o1,
        "caught: 21! does not fit in a u64",
        "5! = 120",
    ];
    assert!(in_order(&stdout, &factorials), "{seen:#?}");
    let count = |wanted: &str| stdout.iter().filter(|line| **line == wanted).count();
    assert_eq!((count(&o3), count(&o2), count(&o1)), (1, 1, 1), "{seen:#?}");
    // The careless task does not catch: A's error unwinds it and it fails,
    // once; the other tasks went on.
    assert_eq!((count(&a2), count(&a1)), (2, 2), "{seen:#?}");
    let failed = Line::Err("error: a task failed: Something went wrong in A!".into());
    let stderr: Vec<&Line> = seen
        .iter()
        .filter(|line| matches!(line, Line::Err(_)))
        .collect();
    assert_eq!(stderr, [&failed], "{seen:#?}");
}

const FIB: &str = "tour_07_fib_coroutine";

fn is_hello(line: &Line) -> bool {
    matches!(line, Line::Out(text) if text.ends_with(" - Hello world!"))
}

#[test]
fn step_7_answers_numbers_complains_about_the_rest_and_exits() {
    let mut step = Step::piped(FIB, &["0.2"]);
    step.write("10\n");
    step.until(&out("fib(10) = 55"));
    step.write("abc\n");
    let complaint = "error: \"abc\" is not a whole number from 0 to 93";
    step.until(&Line::Err(complaint.into()));
    step.write("12\n");
    step.until(&out("fib(12) = 144"));
    step.write("exit\n");
    let seen = step.succeeds();
    assert!(seen.iter().any(is_hello), "{seen:#?}");
}

#[test]
fn step_7_the_hello_task_keeps_its_rhythm_while_fib_computes() {
    let mut step = Step::piped(FIB, &["0.1"]);
    step.until_match(is_hello);
    // fib(30) is 1.6 million coroutines: seconds, unoptimized.
    step.write("30\n");
    let mut arrivals = vec![Instant::now()];
    for _ in 0..4 {
        step.until_match(is_hello);
        arrivals.push(Instant::now());
    }
    // Each number is a task of its own: fib(10) is answered meanwhile.
    step.write("10\n");
    step.until(&out("fib(10) = 55"));
    let big = out("fib(30) = 832040");
    assert!(
        !step.seen.contains(&big),
        "fib(30) done too soon to show anything: {:#?}",
        step.seen
    );
    for pair in arrivals.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap < Duration::from_secs(1),
            "a hello came {gap:?} after the one before"
        );
    }
    step.write("exit\n");
    let seen = step.succeeds();
    assert!(
        !seen.contains(&big),
        "exit waits for no computation: {seen:#?}"
    );
}

#[test]
fn step_7_end_of_input_quits_once_the_computations_are_done() {
    let mut step = Step::piped(FIB, &["0.2"]);
    step.write("25\n");
    step.close();
    step.until(&out("fib(25) = 75025"));
    step.succeeds();
    Step::start(FIB, &["0.2"], Stdio::null()).succeeds();
}

#[test]
fn step_7_rejects_an_interval_that_is_not_a_positive_number() {
    for interval in ["0", "-1", "abc", "nan", "1e-12"] {
        let (status, seen) = Step::start(FIB, &[interval], Stdio::null()).finish();
        assert_eq!(status.code(), Some(2), "{interval}: {seen:#?}");
        let why =
            format!("error: the interval must be a positive number of seconds, not {interval:?}");
        assert_eq!(seen, [Line::Err(why)]);
    }
}
