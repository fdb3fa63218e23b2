//! The seed's coroutine fib demo: "Hello world!" every few seconds while every
//! number typed on stdin becomes a task computing fib(n) by recursive
//! sub-coroutines through the trampoline, and the timer keeps its rhythm.
//!
//! Written with the library's public API only: it is an example too.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use signal_hook::consts::{SIGINT, SIGTERM};
use trampoline::{Coroutine, RunError, Scheduler};

/// Prints "<unix seconds> - Hello world!" every few seconds while computing
/// fib(n), through coroutines, for every number n typed on standard input.
///
/// Type a number and Enter: fib(n) is computed as a new task, by recursive
/// sub-coroutines, while the timer keeps printing. Type `exit` to quit; end of
/// input (Ctrl-D) waits for the running computations, then quits.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Seconds between two hello lines (a number > 0, fractions allowed).
    #[arg(long, default_value = "3", value_parser = parse_interval, value_name = "SECONDS", allow_negative_numbers = true)]
    interval: Duration,

    /// The text printed after the timestamp.
    #[arg(long, default_value = "Hello world!", value_name = "TEXT")]
    message: String,

    /// Compute fib with a plain recursive function inside the reading task:
    /// the loop is blocked while it runs and the hello lines stop (the
    /// seed's Node.js lesson).
    #[arg(long)]
    blocking: bool,
}

fn parse_interval(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if seconds.is_nan() || seconds <= 0.0 {
        return Err(format!(
            "the interval must be more than 0 seconds, not {text}"
        ));
    }
    Duration::try_from_secs_f64(seconds)
        .map_err(|_| format!("{text} seconds is too long an interval"))
}

/// The largest n whose fib(n) fits in a `u64`: fib(93) = 12200160415121876738.
const MAX_N: u64 = 93;

/// How many computations may run at once. Each holds up to 93 frames (a few
/// KiB); without a cap, `yes 93 | trampoline` would grow until memory runs
/// out. Past it, the reader waits for the oldest computation before reading
/// on.
const MAX_RUNNING: usize = 256;

/// What one line of input asks for.
#[derive(Debug, PartialEq)]
enum Request {
    Nothing,
    Exit,
    Fib(u64),
    Invalid(String),
}

fn parse_request(line: &str) -> Request {
    let text = line.trim();
    if text.is_empty() {
        return Request::Nothing;
    }
    if text == "exit" {
        return Request::Exit;
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Request::Invalid(format!(
            "{} is not a whole number n ≥ 0 (or `exit`)",
            shown(text)
        ));
    }
    match text.parse::<u64>() {
        Ok(n) if n <= MAX_N => Request::Fib(n),
        _ => Request::Invalid(format!(
            "{} is too large: fib(n) fits in 64 bits up to n = {MAX_N}",
            shown(text)
        )),
    }
}

/// How an error line quotes what was typed: escaped, and cut short when long,
/// so a megabyte of garbage gets a one-line error, not a megabyte of error.
fn shown(text: &str) -> String {
    const KEEP: usize = 32;
    match text.char_indices().nth(KEEP) {
        None => format!("{text:?}"),
        Some((cut, _)) => format!("{:?}… ({} bytes)", &text[..cut], text.len()),
    }
}

/// fib(n) as recursive sub-coroutines: every call goes through the trampoline.
fn fib(n: u64) -> Coroutine<u64> {
    Coroutine::new(move |co| async move {
        if n <= 1 {
            return Ok(n);
        }
        let a = co.call(fib(n - 1)).await?;
        let b = co.call(fib(n - 2)).await?;
        Ok(a + b)
    })
    .with_arg(n)
}

/// fib(n) as a plain recursive function: it never yields.
fn blocking_fib(n: u64) -> u64 {
    if n <= 1 {
        n
    } else {
        blocking_fib(n - 1) + blocking_fib(n - 2)
    }
}

/// One task per number: compute, then print the result.
fn compute(n: u64) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let value = co.call(fib(n)).await?;
        say(&format!("fib({n}) = {value}"));
        Ok(())
    })
    .with_arg(n)
}

fn print_every(message: String, interval: Duration) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        loop {
            let now = co.unix_time().await?.as_secs();
            say(&format!("{now} - {message}"));
            co.sleep(interval).await?;
        }
    })
}

fn read_input(blocking: bool) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let mut running = Vec::new();
        loop {
            let line = match co.read_line().await {
                Ok(Some(line)) => line,
                Ok(None) => break,
                Err(e) => {
                    complain(&error_chain(&e));
                    continue;
                }
            };
            match parse_request(&line) {
                Request::Nothing => {}
                Request::Exit => return Ok(()),
                Request::Fib(n) if blocking => say(&format!("fib({n}) = {}", blocking_fib(n))),
                Request::Fib(n) => {
                    running.retain(|task: &trampoline::JoinHandle<()>| !task.is_finished());
                    if running.len() >= MAX_RUNNING {
                        // Back-pressure: read no more lines until the oldest
                        // is done. They wait in the pipe, none is lost.
                        co.join(running.remove(0)).await?;
                    }
                    running.push(co.spawn(compute(n)).await?);
                }
                Request::Invalid(why) => complain(&why),
            }
        }
        // End of input: let the running computations finish and print.
        for task in running {
            co.join(task).await?;
        }
        Ok(())
    })
}

fn main_task(args: Args) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        co.spawn(print_every(args.message, args.interval)).await?;
        co.call(read_input(args.blocking)).await
    })
}

/// One line on stdout, flushed at once (also into a pipe). When the reader
/// is gone (`| head -1`) there is no one left to talk to: exit quietly. Any
/// other write error (`> /dev/full`) is a failure to say so.
fn say(line: &str) {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{line}").and_then(|()| stdout.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            complain(&format!("cannot write to standard output: {e}"));
            std::process::exit(1);
        }
    }
}

/// One `error:` line on stderr; the program goes on.
fn complain(why: &str) {
    let _ = writeln!(std::io::stderr().lock(), "error: {why}");
}

/// mimalloc: every coroutine costs three small heap allocations, and
/// mimalloc's thread-local free lists serve them faster than glibc's malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(e) = exit_on_second_signal() {
        complain(&format!("cannot handle signals: {e}"));
        return ExitCode::FAILURE;
    }
    let run = Scheduler::new().and_then(|mut scheduler| {
        scheduler.stop_on_signals(&[SIGINT, SIGTERM])?;
        scheduler.run_until_complete(main_task(args))
    });
    match run {
        Ok(()) => ExitCode::SUCCESS,
        Err(RunError::Interrupted(signal)) => ExitCode::from(128 + signal as u8),
        Err(e) => {
            complain(&error_chain(&e));
            ExitCode::FAILURE
        }
    }
}

/// The first Ctrl-C (or SIGTERM) asks the loop to stop, and it does within a
/// millisecond, unless something keeps it from looking: `--blocking`'s fib,
/// or dropping a huge number of tasks on the way out. The second one ends the
/// process at once, with the same status (130 or 143), whatever it is doing.
///
/// signal-hook runs a signal's actions in the order they were registered:
/// the exit is checked first (the flag is still down on the first signal),
/// then the flag is raised for the next one.
fn exit_on_second_signal() -> std::io::Result<()> {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    let signalled = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, signalled.clone())?;
        signal_hook::flag::register(signal, signalled.clone())?;
    }
    Ok(())
}

/// An error and its sources, `a: b: c`.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_parsed_strictly() {
        assert_eq!(parse_request("  28\r"), Request::Fib(28));
        assert_eq!(parse_request("007"), Request::Fib(7));
        assert_eq!(parse_request(""), Request::Nothing);
        assert_eq!(parse_request(" exit "), Request::Exit);
        assert_eq!(parse_request("93"), Request::Fib(93));
        for bad in [
            "-5",
            "+5",
            "1e3",
            "0x10",
            "abc",
            "94",
            "99999999999999999999",
            "1 2",
        ] {
            assert!(matches!(parse_request(bad), Request::Invalid(_)), "{bad}");
        }
    }

    #[test]
    fn long_garbage_is_quoted_short() {
        assert_eq!(shown("abc"), "\"abc\"");
        let long = "x".repeat(1_000_000);
        let quoted = shown(&long);
        assert!(quoted.ends_with("… (1000000 bytes)"), "{quoted}");
        assert!(quoted.len() < 60, "{quoted}");
        // Cut on a character boundary, never inside one.
        assert!(shown(&"é".repeat(100)).starts_with("\"éé"));
    }

    #[test]
    fn intervals_must_be_positive_finite_seconds() {
        assert_eq!(parse_interval("0.05"), Ok(Duration::from_millis(50)));
        for bad in ["0", "-1", "nan", "inf", "1e300", "x", ""] {
            assert!(parse_interval(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_coroutine_fib_agrees_with_the_plain_one() {
        let mut scheduler = Scheduler::new().unwrap();
        for n in [0, 1, 2, 10, 20] {
            assert_eq!(
                scheduler.run_until_complete(fib(n)).unwrap(),
                blocking_fib(n)
            );
        }
    }
}
