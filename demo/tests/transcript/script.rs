//! The demo under `--script`: virtual time from 0, input from the script,
//! exact transcripts (insta snapshots), byte-identical from run to run.

use crate::support::{run_script, stderr, stdout};

/// The seed's run: hello every 3 s, `28` typed at 4.0, `exit` at 10.0.
const SEED: &str = "4.0 28\n10.0 exit\n";

#[test]
fn the_seed_run_is_an_exact_transcript() {
    let output = run_script(SEED, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output));
    assert_eq!(stderr(&output), "");
}

#[test]
fn two_runs_of_a_script_print_the_same_bytes() {
    let script = "1 5\n1 ps\n2.5 3\n7 ps\n8 exit\n";
    let first = run_script(script, &[]);
    let second = run_script(script, &[]);
    assert!(first.status.success());
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(first.stderr, second.stderr);
}

#[test]
fn the_blocking_run_prints_the_same_lines_on_a_virtual_clock() {
    // Computing takes no virtual time, so blocking the loop changes nothing
    // here; it shows in real time (the README's timeline, and --stats).
    let output = run_script(SEED, &["--blocking"]);
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn ps_lists_every_task_with_its_state_and_stack() {
    let output = run_script("1 ps\n4 28\n4 ps\n5 ps\n6 exit\n", &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn input_ends_after_the_last_script_line_and_running_work_finishes() {
    let output = run_script("1 20\n1 21\n", &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "0 - Hello world!\nfib(20) = 6765\nfib(21) = 10946\n"
    );
}

#[test]
fn bad_lines_get_an_error_and_the_run_goes_on() {
    let output = run_script("1 abc\n2 7\n", &[]);
    assert!(output.status.success());
    assert_eq!(stdout(&output), "0 - Hello world!\nfib(7) = 13\n");
    insta::assert_snapshot!(stderr(&output));
}

#[test]
fn a_script_that_cannot_be_read_is_a_clear_error() {
    let output = run_script("4 28\nsoon exit\n", &[]);
    assert!(!output.status.success());
    assert!(stdout(&output).is_empty());
    let why = stderr(&output);
    assert!(
        why.starts_with("error: ")
            && why.contains("script line 2: \"soon exit\" does not start with a time"),
        "{why}"
    );
}
