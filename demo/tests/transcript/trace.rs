//! `--trace`: one aligned line per event on stderr, with the loop time, the
//! task and its stack innermost first.

use crate::support::{run_script, stderr, stdout};

#[test]
fn the_trace_tells_the_story_of_a_run() {
    let output = run_script("1 3\n2 exit\n", &["--trace"]);
    assert!(output.status.success());
    assert_eq!(stdout(&output), "0 - Hello world!\nfib(3) = 2\n");
    insta::assert_snapshot!(stderr(&output));
}

#[test]
fn the_trace_depth_leaves_out_deep_calls() {
    let output = run_script("1 10\n", &["--trace", "--trace-depth", "3"]);
    assert!(output.status.success());
    let trace = stderr(&output);
    assert!(
        trace.contains("call    fib(9) ← fib(10) ← compute(10)"),
        "{trace}"
    );
    assert!(
        trace.contains("call    fib(8) ← fib(10) ← compute(10)"),
        "{trace}"
    );
    assert!(!trace.contains("← fib(9) ← fib(10)"), "{trace}");
}
