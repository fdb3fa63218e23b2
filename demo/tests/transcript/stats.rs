//! `--stats`: the demo's loop health, printed on stderr at exit.

use crate::support::{run_script, stderr};

#[test]
fn the_demo_prints_its_stats_at_exit() {
    let output = run_script("1 10\n2 exit\n", &["--stats"]);
    assert!(output.status.success());
    let stderr = stderr(&output);
    let lines: Vec<&str> = stderr.lines().collect();
    // main_task, read_input, print_every, compute(10), and fib(10)'s 177.
    assert!(
        lines[0].starts_with("stats: 3 tasks, 181 coroutines, ")
            && lines[0].ends_with(" trampoline steps, deepest stack 11 frames"),
        "{stderr}"
    );
    // Every timer fires exactly on time on the virtual clock.
    assert_eq!(
        lines[1],
        "stats: timer lateness p50 0 µs, p99 0 µs, max 0 µs (0 wake-ups)"
    );
    assert!(lines[2].starts_with("stats: longest step "), "{stderr}");
    assert_eq!(lines.len(), 3, "{stderr}");
}
