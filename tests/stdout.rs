//! Where the answers go: a reader that goes away (`| head -1`) ends the demo
//! quietly; a stdout that cannot be written (`> /dev/full`) is an error said
//! on stderr. No panic either way.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use support::{TIMEOUT, demo, wait};

#[test]
fn a_reader_that_goes_away_ends_the_demo_quietly() {
    // `trampoline | head -1`: the first line is read, then stdout is closed.
    let mut child = demo()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the demo starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut first)
        .expect("the hello line");
    assert!(first.ends_with("Hello world!\n"), "{first:?}");
    // The reader is gone; the next answer has nowhere to go.
    let mut stdin = child.stdin.take().expect("piped");
    stdin.write_all(b"10\n11\n").expect("the demo reads");
    drop(stdin);
    let mut stderr = child.stderr.take().expect("piped");
    let status = wait(&mut child, TIMEOUT);
    let mut complaints = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut complaints).expect("stderr");
    assert!(status.success(), "{status:?}");
    assert_eq!(complaints, "", "no panic, no error on a closed stdout");
}

#[test]
fn a_full_stdout_is_an_error_on_stderr_and_status_1() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let mut command = demo();
    command.stdout(full);
    let mut child = command
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the demo starts");
    let mut stderr = child.stderr.take().expect("piped");
    let status = wait(&mut child, TIMEOUT);
    let mut complaints = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut complaints).expect("stderr");
    assert_eq!(status.code(), Some(1));
    assert_eq!(
        complaints,
        "error: cannot write to standard output: No space left on device (os error 28)\n"
    );
}
