//! The demo's findings of issue 14, point 8: stdin that never blocks and
//! never ends a line, a flood of `ps` beside 256 computations, an interval
//! that rounds to zero, a timeline that cannot be written, and `\r`-only
//! line endings.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process};

use crate::support::{Killed, TIMEOUT, demo, demo_binary, output, stderr, stdout, wait};

/// Starts the demo with `args` and `stdin`; the arrival time of each hello
/// line comes through the returned channel.
fn hellos(args: &[&str], stdin: Stdio) -> (Killed, std::sync::mpsc::Receiver<Instant>) {
    let mut child = Command::new(demo_binary())
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the demo starts");
    let out = BufReader::new(child.stdout.take().expect("piped"));
    let (send, arrivals) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in out.split(b'\n') {
            let Ok(line) = line else { return };
            if line.ends_with(b"Hello world!") && send.send(Instant::now()).is_err() {
                return;
            }
        }
    });
    (Killed::new(child), arrivals)
}

fn interrupt(child: &Killed) {
    let pid = Pid::from_child(&child.0);
    kill_process(pid, Signal::INT).expect("SIGINT");
}

#[test]
fn stdin_that_never_blocks_nor_ends_a_line_leaves_the_timer_and_ctrl_c_working() {
    let zero = std::fs::File::open("/dev/zero").expect("/dev/zero");
    let (mut child, arrivals) = hellos(&["--interval", "0.1"], Stdio::from(zero));
    for _ in 0..4 {
        arrivals
            .recv_timeout(TIMEOUT)
            .expect("the hello lines go on");
    }
    let asked = Instant::now();
    interrupt(&child);
    assert_eq!(wait(&mut child.0, TIMEOUT).code(), Some(130));
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "{:?}",
        asked.elapsed()
    );
}

#[test]
fn a_flood_of_ps_beside_256_computations_keeps_the_timer_on_time() {
    let (mut child, arrivals) = hellos(&["--interval", "0.2"], Stdio::piped());
    let mut stdin = child.0.stdin.take().expect("piped");
    arrivals.recv_timeout(TIMEOUT).expect("the first hello");
    // 256 computations that will not end while we look, then the flood.
    let mut input = "90\n".repeat(256);
    input.push_str(&"ps\n".repeat(2000));
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
        stdin // kept open: no end of input
    });
    let mut times = Vec::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(4) {
        times.push(
            arrivals
                .recv_timeout(TIMEOUT)
                .expect("the hello lines go on"),
        );
    }
    interrupt(&child);
    wait(&mut child.0, TIMEOUT);
    drop(feeder.join());
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let longest = gaps.iter().max().copied().unwrap_or_default();
    assert!(
        longest < Duration::from_millis(700),
        "a 0.2 s timer waited {longest:?}: {gaps:?}"
    );
}

#[test]
fn an_interval_that_rounds_to_zero_is_refused() {
    let mut command = Command::new(demo_binary());
    command.args(["--interval", "1e-300"]);
    let out = output(command, b"", TIMEOUT);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("at least 0.001 seconds"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_timeline_that_cannot_be_written_fails_the_run() {
    let mut command = demo();
    command.args(["--trace-json", "/dev/full"]);
    let out = output(command, b"exit\n", TIMEOUT);
    assert!(
        stderr(&out).contains("cannot write /dev/full"),
        "{}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_lone_cr_ends_a_line() {
    let out = output(demo(), b"5\r6\r\nexit\r", TIMEOUT);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("fib(5) = 5\n") && text.contains("fib(6) = 8\n"),
        "{text}"
    );
}
