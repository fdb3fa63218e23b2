//! What the command line asks for: the flags (parsed by clap), and the
//! script that `--script` names.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use trampoline::Script;

/// Prints "<unix seconds> - Hello world!" every few seconds while computing
/// fib(n), through coroutines, for every number n typed on standard input.
///
/// Type a number and Enter: fib(n) is computed as a new task, by recursive
/// sub-coroutines, while the timer keeps printing. Type `ps` to see every
/// task and its stack of suspended generators. Type `exit` to quit; end of
/// input (Ctrl-D) waits for the running computations, then quits.
#[derive(Debug, Parser)]
// The binary is `trampoline`, its package `trampoline-demo`: the name is
// given, or `--version` would print the package's.
#[command(name = "trampoline", version)]
pub struct Args {
    /// Seconds between two hello lines (a number > 0, fractions allowed).
    #[arg(long, default_value = "3", value_parser = parse_interval, value_name = "SECONDS", allow_negative_numbers = true)]
    pub interval: Duration,

    /// The text printed after the timestamp.
    #[arg(long, default_value = "Hello world!", value_name = "TEXT")]
    pub message: String,

    /// Compute fib with a plain recursive function inside the reading task:
    /// the loop is blocked while it runs and the hello lines stop (the
    /// seed's Node.js lesson).
    #[arg(long)]
    pub blocking: bool,

    /// Print every event on stderr: spawn, resume, call, return, throw,
    /// sleep, read, join, wake, done, failed; with the loop time, the task
    /// and its stack.
    #[arg(long)]
    pub trace: bool,

    /// Write a timeline to FILE in Chrome Trace Event Format: open it in
    /// ui.perfetto.dev or chrome://tracing. One track per task, one slice per
    /// generator on its stack; a step that holds the loop more than 20 ms is
    /// a slice of its own.
    #[arg(long, value_name = "FILE")]
    pub trace_json: Option<PathBuf>,

    /// How deep --trace and --trace-json follow calls (the task's root frame
    /// is depth 1): deeper calls and returns are not recorded, so a big
    /// computation stays readable and its file small. Any N deeper than the
    /// deepest stack (100 for any fib here) records everything.
    #[arg(long, default_value_t = trampoline::observe::DEFAULT_DEPTH, value_name = "N")]
    pub trace_depth: usize,

    /// At exit, print the loop's health on stderr (tasks, coroutines, steps,
    /// deepest stack, timer lateness, longest step); while running, warn when
    /// one step holds the loop more than 100 ms.
    #[arg(long)]
    pub stats: bool,

    /// Run on a virtual clock starting at 0, with FILE instead of standard
    /// input: each line `<seconds> <text>` arrives at that time; input ends
    /// after the last line. Computing takes no virtual time, so two runs
    /// print the same bytes.
    #[arg(long, value_name = "FILE")]
    pub script: Option<PathBuf>,
}

/// The shortest hello interval: 1 ms.
const MIN_INTERVAL: f64 = 0.001;

fn parse_interval(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    // Below a millisecond the hello task would flood stdout; 1e-300 would
    // even round to 0.
    if seconds.is_nan() || seconds < MIN_INTERVAL {
        return Err(format!(
            "the interval must be at least {MIN_INTERVAL} seconds, not {text}"
        ));
    }
    Duration::try_from_secs_f64(seconds)
        .map_err(|_| format!("{text} seconds is too long an interval"))
}

/// The script `--script` names, read and parsed.
pub fn read_script(path: &Path) -> Result<Script, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the script {}: {e}", path.display()))?;
    Script::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_must_be_positive_finite_seconds() {
        assert_eq!(parse_interval("0.05"), Ok(Duration::from_millis(50)));
        for bad in [
            "0", "-1", "nan", "inf", "1e300", "1e-300", "0.0009", "x", "",
        ] {
            assert!(parse_interval(bad).is_err(), "{bad}");
        }
    }
}
