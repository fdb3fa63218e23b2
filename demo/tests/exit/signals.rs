//! Stopping the demo from outside: Ctrl-C (SIGINT) and SIGTERM in the middle
//! of a computation, and a second Ctrl-C while the loop cannot look. The demo
//! exits at once with the usual status, and prints no partial line.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Demo, Ended, TIMEOUT, demo, wait};
use rustix::process::{Pid, Signal, kill_process};

/// Waits (within the test's timeout) until `child` has used `busy` of CPU
/// time, read from `/proc/<pid>/stat` (user + system, in clock ticks of
/// 10 ms on Linux).
fn wait_for_cpu(child: &Child, busy: Duration) {
    let stat = format!("/proc/{}/stat", child.id());
    let ticks = (busy.as_millis() / 10) as u64;
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(&stat).expect("the demo is running");
        // Fields after the command name (which may hold spaces): state is
        // the first, utime the 12th, stime the 13th.
        let fields: Vec<&str> = text[text.rfind(')').expect("a stat line") + 2..]
            .split(' ')
            .collect();
        let used: u64 =
            fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
        if used >= ticks {
            return;
        }
        assert!(started.elapsed() < TIMEOUT, "the demo never got busy");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn send(child: &Child, signal: Signal) {
    let pid = Pid::from_child(child);
    kill_process(pid, signal).expect("the demo is there to signal");
}

/// Starts computations that take far longer than the test, then sends
/// `signal` and returns how the demo ended and how long it took.
fn interrupt_mid_computation(signal: Signal) -> (Ended, Duration) {
    let mut demo = Demo::start(demo(), Stdio::piped());
    demo.wait_for_line(|l| l.ends_with("Hello world!"));
    demo.write(b"93\n92\n5\n");
    demo.wait_for_line(|l| l == "fib(5) = 5");
    std::thread::sleep(Duration::from_millis(50));
    let sent = Instant::now();
    send(&demo.child, signal);
    let status = wait(&mut demo.child, TIMEOUT);
    let took = sent.elapsed();
    let mut ended = demo.finish();
    ended.status = status;
    (ended, took)
}

#[test]
fn sigint_mid_computation_exits_130_at_once_without_a_partial_line() {
    let (ended, took) = interrupt_mid_computation(Signal::INT);
    println!("SIGINT to exit: {took:?}");
    assert_eq!(ended.status.code(), Some(130), "{ended:?}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    ended.assert_whole_lines();
    ended.assert_no_complaints();
}

#[test]
fn sigterm_mid_computation_exits_143_at_once_without_a_partial_line() {
    let (ended, took) = interrupt_mid_computation(Signal::TERM);
    println!("SIGTERM to exit: {took:?}");
    assert_eq!(ended.status.code(), Some(143), "{ended:?}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    ended.assert_whole_lines();
    ended.assert_no_complaints();
}

#[test]
fn a_second_sigint_exits_at_once_even_while_the_loop_is_blocked() {
    // `--blocking` computes fib(60) without yielding: the loop cannot see the
    // first Ctrl-C for minutes. The second one ends the process at once.
    let mut command = demo();
    command.arg("--blocking");
    let mut demo = Demo::start(command, Stdio::piped());
    demo.wait_for_line(|l| l.ends_with("Hello world!"));
    demo.write(b"60\n");
    // Wait until it is computing: it has burned CPU time reading the line
    // and running fib (a busy machine may take a while to get there).
    wait_for_cpu(&demo.child, Duration::from_millis(100));
    send(&demo.child, Signal::INT);
    std::thread::sleep(Duration::from_millis(100));
    let blocked = demo.child.try_wait().expect("waitable").is_none();
    let sent = Instant::now();
    send(&demo.child, Signal::INT);
    let status = wait(&mut demo.child, TIMEOUT);
    let took = sent.elapsed();
    println!("second SIGINT to exit: {took:?} (blocked after the first: {blocked})");
    assert!(blocked, "fib(60) cannot have finished in 100 ms");
    assert_eq!(status.code(), Some(130));
    assert!(took < Duration::from_secs(1), "took {took:?}");
    let mut ended = demo.finish();
    ended.status = status;
    ended.assert_whole_lines();
    ended.assert_no_complaints();
}
