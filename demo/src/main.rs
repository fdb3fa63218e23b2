//! The seed's coroutine fib demo: "Hello world!" every few seconds while every
//! number typed on stdin becomes a task computing fib(n) by recursive
//! sub-coroutines through the trampoline, and the timer keeps its rhythm.
//!
//! The seed program comes first, as `fib_coroutine.py` reads: the hello
//! timer task, then the reading task, which here spawns one fib task per
//! number instead of waiting for each. Then what a line of input may ask
//! for, and `main`. The command line is in `cli.rs`; the console (output,
//! progress bar, `--trace`/`--trace-json`/`--stats`, error lines, Ctrl-C) in
//! `console.rs`.
//!
//! Written with the library's public API only: it is an example too.

mod cli;
mod console;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use signal_hook::consts::{SIGINT, SIGTERM};
// `def fib(n)`: written once for the whole crate, in the library.
use trampoline::{Coroutine, JoinHandle, RunError, Scheduler, fib, ps_table};

use cli::Args;
use console::{Console, Watchers, complain, error_chain};

/// `def print_every(message, interval)`: print, then sleep.
fn print_every(message: String, interval: Duration, console: Console) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        loop {
            let now = co.unix_time().await?.as_secs();
            console.say(&format!("{now} - {message}"));
            co.sleep(interval).await?;
        }
    })
}

/// `def read_input()`: wait for a line, then start `fib(n)` as a task of its
/// own and read on; at the end of input, wait for the running ones.
fn read_input(blocking: bool, console: Console) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let mut running = Vec::new();
        loop {
            let line = match co.read_line().await {
                Ok(Some(line)) => line,
                Ok(None) => break,
                Err(e) => {
                    console.complain(&error_chain(&e));
                    continue;
                }
            };
            // A lone `\r` ends a line too (old Mac files): the line reader
            // splits on `\n` only, so the parts are split here.
            for part in line.split('\r') {
                match parse_request(part) {
                    Request::Nothing => {}
                    Request::Exit => return Ok(()),
                    Request::Ps => console.say(ps_table(&co.tasks().await?).trim_end()),
                    Request::Fib(n) if blocking => {
                        console.say(&format!("fib({n}) = {}", blocking_fib(n)));
                    }
                    Request::Fib(n) => {
                        running.retain(|task: &JoinHandle<()>| !task.is_finished());
                        if running.len() >= MAX_RUNNING {
                            // Back-pressure: read no more lines until the oldest
                            // is done. They wait in the pipe, none is lost.
                            co.join(running.remove(0)).await?;
                        }
                        let task = co.spawn(compute(n, console.clone())).await?;
                        console.track_fib(task.id(), n);
                        running.push(task);
                    }
                    Request::Invalid(why) => console.complain(&why),
                }
            }
        }
        // End of input: let the running computations finish and print.
        for task in running {
            co.join(task).await?;
        }
        Ok(())
    })
}

/// One task per number: compute, then print the result.
fn compute(n: u64, console: Console) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let value = co.call(fib(n)).await?;
        console.say(&format!("fib({n}) = {value}"));
        Ok(())
    })
    .with_arg(n)
}

/// `def main()`: the hello task beside, the reader until input ends.
fn main_task(args: Args, console: Console) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        co.spawn(print_every(args.message, args.interval, console.clone()))
            .await?;
        co.call(read_input(args.blocking, console)).await
    })
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
    Ps,
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
    if text == "ps" {
        return Request::Ps;
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Request::Invalid(format!(
            "{} is not a whole number n ≥ 0 (or `ps`, or `exit`)",
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

/// fib(n) as a plain recursive function: it never yields.
fn blocking_fib(n: u64) -> u64 {
    if n <= 1 {
        n
    } else {
        blocking_fib(n - 1) + blocking_fib(n - 2)
    }
}

/// mimalloc: every coroutine costs a small heap allocation, and
/// mimalloc's thread-local free lists serve them faster than glibc's malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(e) = console::exit_on_second_signal() {
        complain(&format!("cannot handle signals: {e}"));
        return ExitCode::FAILURE;
    }
    let scheduler = match &args.script {
        Some(path) => cli::read_script(path)
            .and_then(|script| Scheduler::scripted(script).map_err(|e| error_chain(&e))),
        None => Scheduler::new().map_err(|e| error_chain(&e)),
    };
    let (mut scheduler, watchers, console) =
        match scheduler.and_then(|mut s| Watchers::attach(&args, &mut s).map(|(w, c)| (s, w, c))) {
            Ok(ready) => ready,
            Err(why) => {
                complain(&why);
                return ExitCode::FAILURE;
            }
        };
    let stdout_gone = console.stdout_gone();
    let run = scheduler
        .stop_on_signals(&[SIGINT, SIGTERM])
        .and_then(|()| scheduler.run_until_complete(main_task(args, console)));
    let timeline_written = watchers.finish();
    if let Some(status) = stdout_gone.get() {
        return ExitCode::from(status);
    }
    match run {
        Ok(()) if timeline_written => ExitCode::SUCCESS,
        Ok(()) => ExitCode::FAILURE,
        Err(RunError::Interrupted(signal)) => ExitCode::from(128 + signal as u8),
        Err(e) => {
            complain(&error_chain(&e));
            ExitCode::FAILURE
        }
    }
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
        assert_eq!(parse_request("ps"), Request::Ps);
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
