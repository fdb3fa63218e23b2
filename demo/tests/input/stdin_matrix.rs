//! The demo's stdin, whatever it is: a pipe (a fast burst, a slow trickle of
//! partial lines), a regular file, `/dev/null`, a closed descriptor, a
//! pseudo-terminal, input ending mid-line. Every line is answered exactly
//! once, in order, the exit is clean, and the stdin's file status flags are
//! the same after the run (no `O_NONBLOCK` left behind; a terminal keeps its
//! modes).
//!
//! The inputs are numbers up to 10: fib(10) takes a few hundred resumes, less
//! than one turn, so the answers come in the order of the lines.

use std::fs::File;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{Demo, answers_for, demo};
use rustix::fs::{OFlags, fcntl_getfl};

/// Lines `0`, `1`, ..., cycling through 0..=10.
fn numbers(count: usize) -> Vec<u64> {
    (0..count as u64).map(|i| i % 11).collect()
}

fn text(ns: &[u64]) -> String {
    ns.iter().map(|n| format!("{n}\n")).collect()
}

/// The file status flags of the description behind `fd`.
fn flags(fd: &OwnedFd) -> OFlags {
    fcntl_getfl(fd).expect("F_GETFL")
}

/// A terminal's modes (echo, canonical mode, ...), as `stty` would show them.
fn modes(fd: &OwnedFd) -> String {
    let t = rustix::termios::tcgetattr(fd).expect("tcgetattr");
    format!(
        "{:?} {:?} {:?} {:?}",
        t.input_modes, t.output_modes, t.control_modes, t.local_modes
    )
}

#[test]
fn a_fast_burst_of_100_000_lines_through_a_pipe_is_answered_in_order() {
    let ns = numbers(100_000);
    // Close-on-exec, or every child started meanwhile would hold the write end
    // open and the demo would never see the end of its input.
    let (reader, writer) =
        rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).expect("a pipe");
    let probe = reader.try_clone().expect("dup");
    let before = flags(&probe);
    let demo = Demo::start(demo(), Stdio::from(reader));
    let input = text(&ns);
    let feeder = std::thread::spawn(move || {
        File::from(writer)
            .write_all(input.as_bytes())
            .expect("the demo reads everything");
    });
    let ended = demo.finish();
    feeder.join().expect("fed");
    ended.assert_clean();
    assert_eq!(ended.answers(), answers_for(ns));
    assert_eq!(flags(&probe), before, "stdin's flags changed");
    assert!(!flags(&probe).contains(OFlags::NONBLOCK));
}

#[test]
fn a_slow_trickle_of_partial_lines_is_answered_line_by_line() {
    let mut demo = Demo::start(demo(), Stdio::piped());
    demo.wait_for_line(|l| l.ends_with("Hello world!"));
    for chunk in ["1", "0\n", "", "2\n3", "\r", "\n", "\n", "  4 ", " \n"] {
        demo.write(chunk.as_bytes());
        std::thread::sleep(Duration::from_millis(15));
    }
    let ended = demo.finish();
    ended.assert_clean();
    assert_eq!(ended.answers(), answers_for([10, 2, 3, 4]));
}

#[test]
fn a_regular_file_is_answered_in_order_and_its_flags_are_unchanged() {
    let ns = numbers(1000);
    let mut file = tempfile::tempfile().expect("a temporary file");
    file.write_all(text(&ns).as_bytes()).expect("written");
    std::io::Seek::rewind(&mut file).expect("rewound");
    let probe = OwnedFd::from(file.try_clone().expect("dup"));
    let before = flags(&probe);
    let ended = Demo::start(demo(), Stdio::from(file)).finish();
    ended.assert_clean();
    assert_eq!(ended.answers(), answers_for(ns));
    assert_eq!(flags(&probe), before);
}

#[test]
fn dev_null_is_an_empty_input_and_a_clean_exit() {
    let ended = Demo::start(demo(), Stdio::null()).finish();
    ended.assert_clean();
    assert_eq!(ended.answers(), Vec::<String>::new());
    assert_eq!(ended.stdout.len(), 1, "only the hello line: {ended:?}");
}

#[test]
fn a_closed_stdin_is_an_empty_input_and_a_clean_exit() {
    // `<&-` closes descriptor 0 before the demo starts.
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(r#"exec "$0" --interval 100000 <&-"#)
        .arg(env!("CARGO_BIN_EXE_trampoline"));
    let ended = Demo::start(command, Stdio::null()).finish();
    ended.assert_clean();
    assert_eq!(ended.answers(), Vec::<String>::new());
}

#[test]
fn input_ending_mid_line_still_answers_the_last_line() {
    let mut demo = Demo::start(demo(), Stdio::piped());
    demo.write(b"3\n4");
    let ended = demo.finish();
    ended.assert_clean();
    assert_eq!(ended.answers(), answers_for([3, 4]));
}

#[test]
fn a_pseudo_terminal_is_answered_line_by_line_and_left_as_it_was() {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let controller =
        openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC).expect("a pty");
    grantpt(&controller).expect("grantpt");
    unlockpt(&controller).expect("unlockpt");
    let name = ptsname(&controller, Vec::new()).expect("its name");
    let terminal = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().expect("a UTF-8 path"))
        .expect("the terminal side");
    let probe = OwnedFd::from(terminal.try_clone().expect("dup"));
    let before = flags(&probe);
    let modes_before = modes(&probe);
    let mut demo = Demo::start(demo(), Stdio::from(terminal));
    let mut keyboard = File::from(controller);
    demo.wait_for_line(|l| l.ends_with("Hello world!"));
    // Typed as a person would: a line, then another, then Ctrl-D at the
    // start of a line (the terminal's end of input).
    keyboard.write_all(b"5\n").expect("typed");
    demo.wait_for_line(|l| l == "fib(5) = 5");
    keyboard.write_all(b"7\n\x04").expect("typed");
    let ended = demo.finish();
    ended.assert_clean();
    assert_eq!(ended.answers(), answers_for([5, 7]));
    assert_eq!(flags(&probe), before, "the terminal's flags changed");
    assert_eq!(modes(&probe), modes_before, "the terminal's modes changed");
    drop(keyboard);
}

#[test]
fn a_directory_as_stdin_is_one_clear_error_and_an_exit() {
    let directory = File::open("/").expect("the root directory");
    let ended = Demo::start(demo(), Stdio::from(directory)).finish();
    assert!(ended.status.success(), "{ended:?}");
    assert_eq!(
        ended.stderr,
        "error: cannot read standard input: Is a directory (os error 21)\n"
    );
}
