//! Stopping the demo from outside: Ctrl-C (SIGINT) and SIGTERM in the middle
//! of a computation, and a second Ctrl-C while the loop cannot look. The demo
//! exits at once with the usual status, and prints no partial line.

mod support;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process};
use support::{Demo, TIMEOUT, demo, wait};

fn send(child: &Child, signal: Signal) {
    let pid = Pid::from_child(child);
    kill_process(pid, signal).expect("the demo is there to signal");
}

/// Starts computations that take far longer than the test, then sends
/// `signal` and returns how the demo ended and how long it took.
fn interrupt_mid_computation(signal: Signal) -> (support::Ended, Duration) {
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
    assert_eq!(ended.stderr, "");
}

#[test]
fn sigterm_mid_computation_exits_143_at_once_without_a_partial_line() {
    let (ended, took) = interrupt_mid_computation(Signal::TERM);
    println!("SIGTERM to exit: {took:?}");
    assert_eq!(ended.status.code(), Some(143), "{ended:?}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    ended.assert_whole_lines();
    assert_eq!(ended.stderr, "");
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
    std::thread::sleep(Duration::from_millis(100));
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
    assert_eq!(ended.stderr, "");
}
