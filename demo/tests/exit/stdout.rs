//! Where the answers go: a reader that goes away (`| head -1`) ends the demo
//! quietly; a stdout that cannot be written (`> /dev/full`) is an error said
//! on stderr. No panic either way.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use crate::support::{LIFETIME, TIMEOUT, demo, wait, watchdog};

#[test]
fn a_reader_that_goes_away_ends_the_demo_quietly() {
    // `trampoline | head -1`: the first line is read, then stdout is closed.
    let mut child = demo()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the demo starts");
    let _watchdog = watchdog(&child, LIFETIME);
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

#[test]
fn a_reader_that_goes_away_still_leaves_a_complete_timeline() {
    // `trampoline --trace-json t.json | head -1`: the demo stops its loop
    // (it does not just exit), so the timeline is finished and balanced.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("t.json");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_trampoline"))
        .args(["--interval", "0.02", "--trace-json"])
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the demo starts");
    let _watchdog = watchdog(&child, LIFETIME);
    let mut first = String::new();
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    stdout.read_line(&mut first).expect("the hello line");
    assert!(first.ends_with("Hello world!\n"), "{first:?}");
    drop(stdout);
    // stdin stays open: only the closed stdout can end the run.
    let stdin = child.stdin.take();
    let status = wait(&mut child, TIMEOUT);
    drop(stdin);
    assert!(status.success(), "{status:?}");
    let text = std::fs::read_to_string(&path).expect("the timeline was written");
    let json: serde_json::Value = serde_json::from_str(&text).expect("the timeline is valid JSON");
    let events = json
        .as_array()
        .or_else(|| json["traceEvents"].as_array())
        .expect("a list of events");
    let begins = events.iter().filter(|e| e["ph"] == "B").count();
    let ends = events.iter().filter(|e| e["ph"] == "E").count();
    assert_eq!(begins, ends, "every slice is closed");
    assert!(begins > 0);
}
