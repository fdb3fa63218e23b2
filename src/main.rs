//! The seed's coroutine fib demo: "Hello world!" every few seconds while every
//! number typed on stdin becomes a task computing fib(n) by recursive
//! sub-coroutines through the trampoline, and the timer keeps its rhythm.
//!
//! Written with the library's public API only: it is an example too.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use signal_hook::consts::{SIGINT, SIGTERM};
use trampoline::observe::{ChromeTrace, Progress, ProgressHandle, Stats, Trace};
use trampoline::{Coroutine, LoopHandle, RunError, Scheduler, Script, fib, ps_table};

/// Prints "<unix seconds> - Hello world!" every few seconds while computing
/// fib(n), through coroutines, for every number n typed on standard input.
///
/// Type a number and Enter: fib(n) is computed as a new task, by recursive
/// sub-coroutines, while the timer keeps printing. Type `ps` to see every
/// task and its stack of suspended generators. Type `exit` to quit; end of
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

    /// Print every event on stderr: spawn, resume, call, return, throw,
    /// sleep, read, join, wake, done, failed; with the loop time, the task
    /// and its stack.
    #[arg(long)]
    trace: bool,

    /// Write a timeline to FILE in Chrome Trace Event Format: open it in
    /// ui.perfetto.dev or chrome://tracing. One track per task, one slice per
    /// generator on its stack; a step that holds the loop more than 20 ms is
    /// a slice of its own.
    #[arg(long, value_name = "FILE")]
    trace_json: Option<PathBuf>,

    /// How deep --trace and --trace-json follow calls (the task's root frame
    /// is depth 1): deeper calls and returns are not recorded, so a big
    /// computation stays readable and its file small. Any N deeper than the
    /// deepest stack (100 for any fib here) records everything.
    #[arg(long, default_value_t = trampoline::observe::DEFAULT_DEPTH, value_name = "N")]
    trace_depth: usize,

    /// At exit, print the loop's health on stderr (tasks, coroutines, steps,
    /// deepest stack, timer lateness, longest step); while running, warn when
    /// one step holds the loop more than 100 ms.
    #[arg(long)]
    stats: bool,

    /// Run on a virtual clock starting at 0, with FILE instead of standard
    /// input: each line `<seconds> <text>` arrives at that time; input ends
    /// after the last line. Computing takes no virtual time, so two runs
    /// print the same bytes.
    #[arg(long, value_name = "FILE")]
    script: Option<PathBuf>,
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

/// A computation is expected to last about a second from this many
/// coroutines on (at roughly 50 ns each): it gets a progress bar.
const PROGRESS_FROM: u128 = 20_000_000;

/// How many coroutines fib(n) runs: 2·F(n+1) − 1 (every call, leaves included).
fn coroutines_of_fib(n: u64) -> u128 {
    let (mut a, mut b) = (0u128, 1u128);
    for _ in 0..=n {
        (a, b) = (b, a + b);
    }
    2 * a - 1
}

/// Where the demo's lines go: stdout for results, stderr for complaints,
/// and a progress bar on stderr that every line erases first. The trace's
/// buffer is flushed before a line, so on a terminal they appear in order.
#[derive(Clone, Default)]
struct Console {
    progress: Option<ProgressHandle>,
    trace: Option<Rc<RefCell<Trace<std::io::Stderr>>>>,
    /// Stops the loop when stdout is gone, so the trace and the timeline are
    /// still finished properly on the way out.
    stop: Option<LoopHandle>,
    /// Set once stdout cannot be written: the exit status to end with (0 when
    /// the reader went away, 1 for any other write error).
    stdout_gone: Rc<Cell<Option<u8>>>,
}

impl Console {
    /// One line on stdout, flushed at once (also into a pipe). When the
    /// reader is gone (`| head -1`) there is no one left to talk to: stop
    /// quietly. Any other write error (`> /dev/full`) is a failure to say so.
    /// Either way the loop is stopped (not the process killed), so the
    /// observers are finished on the way out.
    fn say(&self, line: &str) {
        if self.stdout_gone.get().is_some() {
            return;
        }
        self.clear_progress();
        let mut stdout = std::io::stdout().lock();
        let status = match writeln!(stdout, "{line}").and_then(|()| stdout.flush()) {
            Ok(()) => return,
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
            Err(e) => {
                complain(&format!("cannot write to standard output: {e}"));
                1
            }
        };
        self.stdout_gone.set(Some(status));
        if let Some(stop) = &self.stop {
            stop.stop();
        }
    }

    /// One `error:` line on stderr; the program goes on.
    fn complain(&self, why: &str) {
        self.clear_progress();
        complain(why);
    }

    fn clear_progress(&self) {
        if let Some(progress) = &self.progress {
            progress.clear();
        }
        if let Some(trace) = &self.trace {
            let _ = trace.borrow_mut().flush();
        }
    }
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

fn print_every(message: String, interval: Duration, console: Console) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        loop {
            let now = co.unix_time().await?.as_secs();
            console.say(&format!("{now} - {message}"));
            co.sleep(interval).await?;
        }
    })
}

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
            match parse_request(&line) {
                Request::Nothing => {}
                Request::Exit => return Ok(()),
                Request::Ps => console.say(ps_table(&co.tasks().await?).trim_end()),
                Request::Fib(n) if blocking => {
                    console.say(&format!("fib({n}) = {}", blocking_fib(n)));
                }
                Request::Fib(n) => {
                    running.retain(|task: &trampoline::JoinHandle<()>| !task.is_finished());
                    if running.len() >= MAX_RUNNING {
                        // Back-pressure: read no more lines until the oldest
                        // is done. They wait in the pipe, none is lost.
                        co.join(running.remove(0)).await?;
                    }
                    let task = co.spawn(compute(n, console.clone())).await?;
                    let total = coroutines_of_fib(n);
                    if let Some(progress) =
                        console.progress.as_ref().filter(|_| total >= PROGRESS_FROM)
                    {
                        progress.track(task.id(), format!("fib({n})"), total as u64);
                    }
                    running.push(task);
                }
                Request::Invalid(why) => console.complain(&why),
            }
        }
        // End of input: let the running computations finish and print.
        for task in running {
            co.join(task).await?;
        }
        Ok(())
    })
}

fn main_task(args: Args, console: Console) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        co.spawn(print_every(args.message, args.interval, console.clone()))
            .await?;
        co.call(read_input(args.blocking, console)).await
    })
}

/// One `error:` line on stderr; the program goes on.
fn complain(why: &str) {
    let _ = writeln!(std::io::stderr().lock(), "error: {why}");
}

/// mimalloc: every coroutine costs a small heap allocation, and
/// mimalloc's thread-local free lists serve them faster than glibc's malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A step longer than this is drawn on the timeline: it held the loop.
const LONG_STEP: Duration = Duration::from_millis(20);

/// The observers the flags asked for, kept to be finished after the run.
#[derive(Default)]
struct Watchers {
    trace: Option<Rc<RefCell<Trace<std::io::Stderr>>>>,
    timeline: Option<(PathBuf, Rc<RefCell<ChromeTrace<File>>>)>,
    stats: Option<Rc<RefCell<Stats>>>,
}

impl Watchers {
    /// Attaches what `args` asks for, and the progress bar when stderr is a
    /// terminal (and the run is not scripted).
    fn attach(args: &Args, scheduler: &mut Scheduler) -> Result<(Self, Console), String> {
        let mut watchers = Watchers::default();
        let mut console = Console {
            stop: Some(scheduler.handle()),
            ..Console::default()
        };
        if args.trace {
            let trace = Trace::new(std::io::stderr()).max_depth(args.trace_depth);
            let trace = Rc::new(RefCell::new(trace));
            scheduler.observe(trace.clone());
            console.trace = Some(trace.clone());
            watchers.trace = Some(trace);
        }
        if let Some(path) = &args.trace_json {
            let timeline = ChromeTrace::create(path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?
                .max_depth(args.trace_depth)
                .mark_steps_over(LONG_STEP);
            let timeline = Rc::new(RefCell::new(timeline));
            scheduler.observe(timeline.clone());
            watchers.timeline = Some((path.clone(), timeline));
        }
        if args.stats {
            let stats = Rc::new(RefCell::new(Stats::new()));
            scheduler.observe(stats.clone());
            watchers.stats = Some(stats);
        }
        if args.script.is_none() && std::io::stderr().is_terminal() {
            let progress = Progress::new(std::io::stderr());
            console.progress = Some(progress.handle());
            scheduler.observe(progress);
        }
        Ok((watchers, console))
    }

    /// Flushes the trace, closes the timeline's JSON (ending the slices of
    /// the tasks still alive), prints the stats.
    fn finish(self) {
        if let Some(trace) = self.trace {
            let _ = trace.borrow_mut().flush();
        }
        if let Some((path, timeline)) = self.timeline
            && let Err(e) = timeline.borrow_mut().finish()
        {
            complain(&format!("cannot write {}: {e}", path.display()));
        }
        if let Some(stats) = self.stats {
            let _ = writeln!(std::io::stderr().lock(), "{}", stats.borrow().report());
        }
    }
}

fn read_script(path: &Path) -> Result<Script, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the script {}: {e}", path.display()))?;
    Script::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(e) = exit_on_second_signal() {
        complain(&format!("cannot handle signals: {e}"));
        return ExitCode::FAILURE;
    }
    let scheduler = match &args.script {
        Some(path) => read_script(path)
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
    let stdout_gone = console.stdout_gone.clone();
    let run = scheduler
        .stop_on_signals(&[SIGINT, SIGTERM])
        .and_then(|()| scheduler.run_until_complete(main_task(args, console)));
    watchers.finish();
    if let Some(status) = stdout_gone.get() {
        return ExitCode::from(status);
    }
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
    fn intervals_must_be_positive_finite_seconds() {
        assert_eq!(parse_interval("0.05"), Ok(Duration::from_millis(50)));
        for bad in ["0", "-1", "nan", "inf", "1e300", "x", ""] {
            assert!(parse_interval(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fib_runs_two_f_n_plus_one_minus_one_coroutines() {
        assert_eq!(coroutines_of_fib(0), 1);
        assert_eq!(coroutines_of_fib(1), 1);
        assert_eq!(coroutines_of_fib(2), 3);
        assert_eq!(coroutines_of_fib(10), 177);
        assert_eq!(coroutines_of_fib(93), 2 * 19_740_274_219_868_223_167 - 1);
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
