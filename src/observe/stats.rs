//! The loop's health: how much it did (tasks, coroutines, steps, deepest
//! stack), how late its timers fired, and the longest step that held it;
//! with a warning, as it happens, when one step holds the loop too long
//! (asyncio's debug mode warns about slow callbacks the same way).

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use crate::kernel::Label;
use crate::kernel::{LoopEvent, Observer};
use crate::kernel::{TaskId, TaskState, report};

/// A step that holds the loop longer than this gets a warning on stderr.
///
/// ```
/// assert_eq!(trampoline::observe::SLOW_STEP.as_millis(), 100);
/// ```
pub const SLOW_STEP: Duration = Duration::from_millis(100);

/// Counts what the loop does; [`report`](Self::report) sums it up.
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use trampoline::{Coroutine, Scheduler, observe::Stats};
///
/// fn fib(n: u64) -> Coroutine<u64> {
///     Coroutine::new(move |co| async move {
///         if n <= 1 { return Ok(n); }
///         Ok(co.call(fib(n - 1)).await? + co.call(fib(n - 2)).await?)
///     }).with_arg(n)
/// }
/// let stats = Rc::new(RefCell::new(Stats::new()));
/// let mut scheduler = Scheduler::new().unwrap();
/// scheduler.observe(stats.clone());
/// scheduler.run_until_complete(fib(10)).unwrap();
/// let report = stats.borrow().report();
/// assert_eq!(report.coroutines, 2 * 89 - 1);
/// assert_eq!(report.deepest, 10);
/// ```
#[derive(Debug, Default)]
pub struct Stats {
    report: StatsReport,
    /// Deadlines of the sleeping tasks.
    sleeping: HashMap<TaskId, Duration>,
    /// Timer lateness of every wake-up from a sleep.
    lateness: Vec<Duration>,
    /// Warn about slow steps on stderr (on by default).
    quiet: bool,
}

/// What [`Stats`] saw, summed up. Its `Display` is what `--stats` prints.
#[derive(Debug, Default, Clone)]
#[non_exhaustive]
pub struct StatsReport {
    /// Tasks spawned.
    pub tasks: u64,
    /// Coroutines that ran: task roots and every `call`.
    pub coroutines: u64,
    /// Generator resumes by the trampoline.
    pub steps: u64,
    /// The deepest stack of any task, in frames.
    pub deepest: usize,
    /// Timer lateness (how long after its deadline a sleeping task was woken):
    /// median, 99th percentile, maximum. Zero without timers.
    pub lateness: [Duration; 3],
    /// Wake-ups from sleeps measured.
    pub wakeups: usize,
    /// The longest single step, in real time, and the frame that ran it.
    pub longest_step: Option<(Duration, TaskId, Label)>,
}

impl Stats {
    /// Statistics, warning on stderr when a step holds the loop more than
    /// [`SLOW_STEP`].
    ///
    /// ```
    /// let stats = trampoline::observe::Stats::new();
    /// ```
    pub fn new() -> Self {
        Stats::default()
    }

    /// The same without the run-time warnings.
    ///
    /// ```
    /// let stats = trampoline::observe::Stats::new().quiet();
    /// ```
    pub fn quiet(mut self) -> Self {
        self.quiet = true;
        self
    }

    /// The numbers so far.
    ///
    /// ```
    /// assert_eq!(trampoline::observe::Stats::new().report().steps, 0);
    /// ```
    pub fn report(&self) -> StatsReport {
        let mut report = self.report.clone();
        let mut sorted = self.lateness.clone();
        sorted.sort();
        report.lateness = [
            percentile(&sorted, 50),
            percentile(&sorted, 99),
            sorted.last().copied().unwrap_or_default(),
        ];
        report.wakeups = sorted.len();
        report
    }

    /// A step took `took`; warn if it held the loop too long.
    fn stepped(&mut self, at: Duration, task: TaskId, label: Label, took: Duration) {
        self.report.steps += 1;
        let longest = self.report.longest_step.map_or(Duration::ZERO, |(d, ..)| d);
        if took > longest {
            self.report.longest_step = Some((took, task, label));
        }
        if took > SLOW_STEP && !self.quiet {
            let overdue = self
                .sleeping
                .values()
                .map(|&until| at.saturating_sub(until))
                .max();
            let timers = match overdue {
                Some(late) if !late.is_zero() => format!("timers are {} late now", human(late)),
                _ => "no timer is late".to_string(),
            };
            report(&format!(
                "warning: {label} (task {task}) held the loop for {} in one step; {timers}",
                human(took)
            ));
        }
    }
}

impl Observer for Stats {
    fn on_event(&mut self, at: Duration, event: &LoopEvent<'_>) {
        let report = &mut self.report;
        match *event {
            LoopEvent::Spawned { .. } => {
                report.tasks += 1;
                report.coroutines += 1;
                report.deepest = report.deepest.max(1);
            }
            LoopEvent::Called { depth, .. } => {
                report.coroutines += 1;
                report.deepest = report.deepest.max(depth);
            }
            LoopEvent::Parked {
                task,
                state: TaskState::Sleeping { until },
            } => {
                self.sleeping.insert(task, until);
            }
            LoopEvent::Woken { task } => {
                if let Some(until) = self.sleeping.remove(&task) {
                    self.lateness.push(at.saturating_sub(until));
                }
            }
            LoopEvent::Stepped {
                task, label, took, ..
            } => self.stepped(at, task, label, took),
            LoopEvent::Finished { task, .. } => {
                self.sleeping.remove(&task);
            }
            LoopEvent::Returned { .. }
            | LoopEvent::Threw { .. }
            | LoopEvent::Parked { .. }
            | LoopEvent::Resumed { .. } => {}
        }
    }

    fn wants_steps(&self) -> bool {
        true
    }
}

/// The `p`th percentile of sorted samples (nearest rank).
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// A duration for people: `1.52 s`, `12.3 ms`, `41 µs`.
fn human(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.2} s")
    } else if secs >= 1e-3 {
        format!("{:.1} ms", secs * 1e3)
    } else {
        format!("{:.0} µs", secs * 1e6)
    }
}

impl fmt::Display for StatsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [p50, p99, max] = self.lateness;
        writeln!(
            f,
            "stats: {} tasks, {} coroutines, {} trampoline steps, deepest stack {} frames",
            self.tasks, self.coroutines, self.steps, self.deepest
        )?;
        writeln!(
            f,
            "stats: timer lateness p50 {}, p99 {}, max {} ({} wake-ups)",
            human(p50),
            human(p99),
            human(max),
            self.wakeups
        )?;
        match self.longest_step {
            Some((took, task, label)) => {
                write!(
                    f,
                    "stats: longest step {} in {label} (task {task})",
                    human(took)
                )
            }
            None => write!(f, "stats: no step timed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&samples, 50), Duration::from_millis(50));
        assert_eq!(percentile(&samples, 99), Duration::from_millis(99));
        assert_eq!(percentile(&samples[..1], 99), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50), Duration::ZERO);
    }

    #[test]
    fn durations_read_in_the_right_unit() {
        assert_eq!(human(Duration::from_millis(1520)), "1.52 s");
        assert_eq!(human(Duration::from_micros(12_300)), "12.3 ms");
        assert_eq!(human(Duration::from_micros(41)), "41 µs");
    }
}
