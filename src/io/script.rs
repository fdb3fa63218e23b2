//! Scripted input: lines that arrive at given loop times, in place of
//! standard input, so a run under the virtual clock is an exact, repeatable
//! transcript.
//!
//! A script's text has one line per input line, `<seconds> <text>`: at that
//! loop time, `<text>` arrives as if typed. After the last line, input ends.
//! The scheduler treats each line's time like a timer's deadline, so the
//! virtual clock stops there.

use std::collections::VecDeque;
use std::time::Duration;

use crate::kernel::InputQueue;

/// Input lines with their arrival times, for
/// [`Scheduler::scripted`](crate::Scheduler::scripted).
///
/// ```
/// use std::time::Duration;
/// use trampoline::{Coroutine, Scheduler, Script};
///
/// let script = Script::parse("1.5 hello\n# a comment\n4 exit\n").unwrap();
/// let main = Coroutine::new(|co| async move {
///     let mut heard = Vec::new();
///     while let Some(line) = co.read_line().await? {
///         heard.push(format!("{:?} {line}", co.now().await?));
///     }
///     Ok(heard)
/// });
/// let heard = Scheduler::scripted(script).unwrap().run_until_complete(main).unwrap();
/// assert_eq!(heard, ["1.5s hello", "4s exit"]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Script {
    lines: VecDeque<(Duration, String)>,
    ended: bool,
}

/// A script line that cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScriptError {
    /// The line does not start with a number of seconds.
    #[error("script line {line}: {text:?} does not start with a time in seconds (like `4.0 28`)")]
    NoTime {
        /// 1-based line number.
        line: usize,
        /// The line.
        text: String,
    },
    /// The time goes backwards.
    #[error("script line {line}: time {time} s is before the previous line's")]
    Backwards {
        /// 1-based line number.
        line: usize,
        /// The time found.
        time: String,
    },
}

impl Script {
    /// An empty script: input ends at once.
    ///
    /// ```
    /// let script = trampoline::Script::new().line(1.0, "28");
    /// ```
    pub fn new() -> Self {
        Script::default()
    }

    /// Adds a line arriving at `seconds` (not before the previous line).
    ///
    /// # Panics
    /// If `seconds` is negative, not finite, or before the previous line:
    /// that is a mistake in the test that wrote it.
    ///
    /// ```
    /// let script = trampoline::Script::new().line(4.0, "28").line(10.0, "exit");
    /// ```
    pub fn line(mut self, seconds: f64, text: impl Into<String>) -> Self {
        let at = Duration::try_from_secs_f64(seconds).expect("a script time is seconds ≥ 0");
        let last = self.lines.back().map_or(Duration::ZERO, |(t, _)| *t);
        assert!(at >= last, "script times must not go backwards");
        self.lines.push_back((at, text.into()));
        self
    }

    /// Reads a script: one `<seconds> <text>` line per input line; blank
    /// lines and lines starting with `#` are skipped.
    ///
    /// ```
    /// use trampoline::Script;
    /// assert!(Script::parse("4 28\n10 exit\n").is_ok());
    /// assert!(Script::parse("soon 28\n").is_err());
    /// assert!(Script::parse("4 a\n3 b\n").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, ScriptError> {
        let mut script = Script::new();
        let mut last = Duration::ZERO;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let trimmed = raw.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let (time, rest) = trimmed
                .split_once(char::is_whitespace)
                .unwrap_or((trimmed, ""));
            let at = time
                .parse::<f64>()
                .ok()
                .and_then(|s| Duration::try_from_secs_f64(s).ok())
                .ok_or_else(|| ScriptError::NoTime {
                    line,
                    text: raw.to_string(),
                })?;
            if at < last {
                return Err(ScriptError::Backwards {
                    line,
                    time: time.to_string(),
                });
            }
            last = at;
            script.lines.push_back((at, rest.trim_start().to_string()));
        }
        Ok(script)
    }

    /// When the next line arrives, if one is left.
    pub(crate) fn next_time(&self) -> Option<Duration> {
        self.lines.front().map(|(at, _)| *at)
    }

    /// Puts the lines due by `now` in the queue, and ends the input after
    /// the last one.
    pub(crate) fn feed(&mut self, now: Duration, queue: &mut InputQueue) {
        while let Some((at, _)) = self.lines.front()
            && *at <= now
        {
            let (_, text) = self.lines.pop_front().expect("BUG: just looked at it");
            queue.push(Ok(text));
        }
        if self.lines.is_empty() && !self.ended {
            self.ended = true;
            queue.end();
        }
    }
}
