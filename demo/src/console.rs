//! The demo's console: where its lines go (stdout for answers, stderr for
//! complaints), the progress bar that a long computation draws, the
//! observers its flags ask for (`--trace`, `--trace-json`, `--stats`), how an
//! error is printed, and what a second Ctrl-C does.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};
use trampoline::observe::{ChromeTrace, Progress, ProgressHandle, Stats, Trace};
use trampoline::{LoopHandle, Scheduler, TaskId};

use crate::cli::Args;

/// Where the demo's lines go: stdout for results, stderr for complaints,
/// and a progress bar on stderr that every line erases first. The trace's
/// buffer is flushed before a line, so on a terminal they appear in order.
#[derive(Clone, Default)]
pub struct Console {
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
    pub fn say(&self, line: &str) {
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
    pub fn complain(&self, why: &str) {
        self.clear_progress();
        complain(why);
    }

    /// Gives the task computing fib(n) a progress bar, when it is expected to
    /// last a second or more and there is a terminal to draw it on.
    pub fn track_fib(&self, task: TaskId, n: u64) {
        let total = coroutines_of_fib(n);
        if let Some(progress) = self.progress.as_ref().filter(|_| total >= PROGRESS_FROM) {
            progress.track(task, format!("fib({n})"), total as u64);
        }
    }

    /// The exit status owed when stdout could not be written, if it could not.
    pub fn stdout_gone(&self) -> Rc<Cell<Option<u8>>> {
        self.stdout_gone.clone()
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

/// One `error:` line on stderr; the program goes on.
pub fn complain(why: &str) {
    let _ = writeln!(std::io::stderr().lock(), "error: {why}");
}

/// An error and its sources, `a: b: c`.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
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

/// A step longer than this is drawn on the timeline: it held the loop.
const LONG_STEP: Duration = Duration::from_millis(20);

/// The observers the flags asked for, kept to be finished after the run.
#[derive(Default)]
pub struct Watchers {
    trace: Option<Rc<RefCell<Trace<std::io::Stderr>>>>,
    timeline: Option<(PathBuf, Rc<RefCell<ChromeTrace<File>>>)>,
    stats: Option<Rc<RefCell<Stats>>>,
}

impl Watchers {
    /// Attaches what `args` asks for, and the progress bar when stderr is a
    /// terminal (and the run is not scripted).
    pub fn attach(args: &Args, scheduler: &mut Scheduler) -> Result<(Self, Console), String> {
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
    /// `false` if the timeline could not be written: the run then fails.
    pub fn finish(self) -> bool {
        if let Some(trace) = self.trace {
            let _ = trace.borrow_mut().flush();
        }
        let mut written = true;
        if let Some((path, timeline)) = self.timeline
            && let Err(e) = timeline.borrow_mut().finish()
        {
            complain(&format!("cannot write {}: {e}", path.display()));
            written = false;
        }
        if let Some(stats) = self.stats {
            let _ = writeln!(std::io::stderr().lock(), "{}", stats.borrow().report());
        }
        written
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
pub fn exit_on_second_signal() -> std::io::Result<()> {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    let signalled = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, signalled.clone())?;
        signal_hook::flag::register(signal, signalled.clone())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fib_runs_two_f_n_plus_one_minus_one_coroutines() {
        assert_eq!(coroutines_of_fib(0), 1);
        assert_eq!(coroutines_of_fib(1), 1);
        assert_eq!(coroutines_of_fib(2), 3);
        assert_eq!(coroutines_of_fib(10), 177);
        assert_eq!(coroutines_of_fib(93), 2 * 19_740_274_219_868_223_167 - 1);
    }
}
