//! The timeline: the event stream as Chrome Trace Event Format JSON, which
//! ui.perfetto.dev and chrome://tracing open.
//!
//! One track (a "thread") per task, named `task 3: compute(28)`. Every
//! generator push is a begin event (`"ph":"B"`) and every pop an end event
//! (`"E"`) on its task's track, so a task's stack is drawn as a flame chart
//! over time. Sleeps, waits for input, joins and wake-ups are instant events
//! (`"i"`). Timestamps are the loop's clock in microseconds.
//!
//! Events are written as they come, through a buffer; [`ChromeTrace::finish`]
//! ends every slice still open and closes the JSON, so the file is valid and
//! balanced however the run stopped.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use super::stacks::Stacks;
use crate::kernel::{LoopEvent, Observer};
use crate::kernel::{TaskId, describe};

/// Frames deeper than this are not recorded unless asked: enough to see
/// who called whom, small enough that a big computation stays a small file.
///
/// ```
/// assert_eq!(trampoline::observe::DEFAULT_DEPTH, 8);
/// ```
pub const DEFAULT_DEPTH: usize = 8;

/// Writes the event stream as a Chrome/Perfetto trace.
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use trampoline::{Clock, Coroutine, Scheduler, observe::ChromeTrace};
///
/// let trace = Rc::new(RefCell::new(ChromeTrace::new(Vec::new())));
/// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
/// scheduler.observe(trace.clone());
/// scheduler.run_until_complete(Coroutine::new(|_co| async { Ok(()) }).named("main")).unwrap();
/// let json = String::from_utf8(trace.borrow_mut().finish().unwrap()).unwrap();
/// assert!(json.contains(r#""ph":"B","pid":1,"tid":1,"ts":0.000,"name":"main""#));
/// assert!(json.ends_with("]}\n"));
/// ```
pub struct ChromeTrace<W: Write> {
    out: Option<BufWriter<W>>,
    stacks: Stacks,
    max_depth: usize,
    /// The latest loop time seen: where the slices still open are ended.
    last_at: Duration,
    /// The first write error; the rest of the trace is dropped after it.
    error: Option<io::Error>,
    line: String,
    /// Steps longer than this are drawn as slices of their own.
    long_step: Option<Duration>,
}

impl ChromeTrace<File> {
    /// A trace written to a new file at `path`.
    ///
    /// ```
    /// let dir = std::env::temp_dir().join("trampoline-doc-chrome.json");
    /// let mut trace = trampoline::observe::ChromeTrace::create(&dir).unwrap();
    /// trace.finish().unwrap();
    /// ```
    pub fn create(path: impl AsRef<Path>) -> io::Result<Self> {
        Ok(ChromeTrace::new(File::create(path)?))
    }
}

impl<W: Write> ChromeTrace<W> {
    /// A trace written to `out`, frames recorded down to [`DEFAULT_DEPTH`].
    ///
    /// ```
    /// let trace = trampoline::observe::ChromeTrace::new(Vec::new());
    /// ```
    pub fn new(out: W) -> Self {
        let mut trace = ChromeTrace {
            out: Some(BufWriter::new(out)),
            stacks: Stacks::default(),
            max_depth: DEFAULT_DEPTH,
            last_at: Duration::ZERO,
            error: None,
            line: String::new(),
            long_step: None,
        };
        trace.write(concat!(
            "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n",
            r#"{"ph":"M","pid":1,"name":"process_name","args":{"name":"trampoline"}}"#
        ));
        trace
    }

    /// Records frames down to `depth` only (the root is at depth 1; at least
    /// the root is always recorded). Deeper calls and returns are left out.
    ///
    /// ```
    /// let trace = trampoline::observe::ChromeTrace::new(Vec::new()).max_depth(100);
    /// ```
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth.max(1);
        self
    }

    /// Draws every step that held the loop longer than `threshold` as a
    /// slice of its own, `held the loop: read_input`, so a blocking call
    /// shows on the timeline. Costs two clock reads per step
    /// ([`Observer::wants_steps`]).
    ///
    /// ```
    /// let trace = trampoline::observe::ChromeTrace::new(Vec::new())
    ///     .mark_steps_over(std::time::Duration::from_millis(5));
    /// ```
    pub fn mark_steps_over(mut self, threshold: Duration) -> Self {
        self.long_step = Some(threshold);
        self
    }

    /// Ends every slice still open (tasks alive when the run stopped) at the
    /// last time seen, closes the JSON and flushes it; returns the writer, or
    /// the first write error. Later events are ignored.
    ///
    /// ```
    /// let mut trace = trampoline::observe::ChromeTrace::new(Vec::new());
    /// assert_eq!(trace.finish().unwrap(), b"{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n{\"ph\":\"M\",\"pid\":1,\"name\":\"process_name\",\"args\":{\"name\":\"trampoline\"}}\n]}\n");
    /// ```
    pub fn finish(&mut self) -> io::Result<W> {
        let mut open: Vec<(TaskId, usize)> = self
            .stacks
            .iter()
            .filter(|(_, shadow)| shadow.whole)
            .map(|(task, shadow)| (*task, shadow.frames.len()))
            .collect();
        open.sort();
        for (task, depth) in open {
            self.end_slices(task, depth.min(self.max_depth), None);
        }
        self.write("\n]}\n");
        let out = self.out.take();
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        match out {
            Some(out) => out.into_inner().map_err(io::IntoInnerError::into_error),
            None => Err(io::Error::other("the trace was already finished")),
        }
    }

    fn write(&mut self, text: &str) {
        if let (Some(out), None) = (&mut self.out, &self.error)
            && let Err(error) = out.write_all(text.as_bytes())
        {
            self.error = Some(error);
        }
    }

    /// Writes one event: `ph` its phase, `rest` its other fields.
    fn event(&mut self, task: TaskId, ph: &str, rest: &str) {
        self.line.clear();
        let ns = self.last_at.as_nanos();
        let _ = write!(
            self.line,
            ",\n{{\"ph\":\"{ph}\",\"pid\":1,\"tid\":{task},\"ts\":{}.{:03}{rest}}}",
            ns / 1000,
            ns % 1000
        );
        let line = std::mem::take(&mut self.line);
        self.write(&line);
        self.line = line;
    }

    fn end_slices(&mut self, task: TaskId, count: usize, error: Option<&str>) {
        for _ in 0..count {
            let args = match error {
                Some(error) => format!(",\"args\":{{\"error\":{}}}", json_string(error)),
                None => String::new(),
            };
            self.event(task, "E", &args);
        }
    }

    /// A complete slice (`"X"`) for a step that held the loop; the step ended
    /// at `at`.
    fn long(&mut self, at: Duration, task: TaskId, label: &str, took: Duration) {
        let start = at.saturating_sub(took).as_nanos();
        let took = took.as_nanos();
        let name = json_string(&format!("held the loop: {label}"));
        self.write(&format!(
            ",\n{{\"ph\":\"X\",\"pid\":1,\"tid\":{task},\"ts\":{}.{:03},\"dur\":{}.{:03},\"name\":{name}}}",
            start / 1000,
            start % 1000,
            took / 1000,
            took % 1000
        ));
    }

    fn instant(&mut self, task: TaskId, name: &str) {
        let rest = format!(",\"s\":\"t\",\"name\":{}", json_string(name));
        self.event(task, "i", &rest);
    }
}

impl<W: Write> Observer for ChromeTrace<W> {
    fn wants_steps(&self) -> bool {
        self.long_step.is_some()
    }

    fn on_event(&mut self, at: Duration, event: &LoopEvent<'_>) {
        if self.out.is_none() {
            return;
        }
        self.last_at = self.last_at.max(at);
        if let LoopEvent::Called { task, .. }
        | LoopEvent::Returned { task, .. }
        | LoopEvent::Threw { task, .. }
        | LoopEvent::Finished { task, .. } = *event
            && !self.stacks.get(task).whole
        {
            // Spawned before this observer was attached: its slices could
            // not balance, so it is not drawn.
            self.stacks.apply(event);
            return;
        }
        match *event {
            LoopEvent::Spawned { task, label } => {
                let name = json_string(&format!("task {task}: {label}"));
                self.write(&format!(
                    ",\n{{\"ph\":\"M\",\"pid\":1,\"tid\":{task},\"name\":\"thread_name\",\"args\":{{\"name\":{name}}}}},\n\
                     {{\"ph\":\"M\",\"pid\":1,\"tid\":{task},\"name\":\"thread_sort_index\",\"args\":{{\"sort_index\":{task}}}}}"
                ));
                self.event(
                    task,
                    "B",
                    &format!(",\"name\":{}", json_string(&label.to_string())),
                );
            }
            LoopEvent::Called { task, label, depth } if depth <= self.max_depth => {
                self.event(
                    task,
                    "B",
                    &format!(",\"name\":{}", json_string(&label.to_string())),
                );
            }
            LoopEvent::Returned { task, depth, .. } if depth <= self.max_depth => {
                self.end_slices(task, 1, None);
            }
            LoopEvent::Threw {
                task, depth, error, ..
            } if depth <= self.max_depth => {
                self.end_slices(task, 1, Some(&error.to_string()));
            }
            LoopEvent::Called { .. } | LoopEvent::Returned { .. } | LoopEvent::Threw { .. } => {}
            LoopEvent::Parked { task, state } => self.instant(task, &state.to_string()),
            LoopEvent::Woken { task } => {
                let why = match self.stacks.get(task).parked {
                    Some(state) => format!("wake: {}", state.wake_reason()),
                    None => "wake".to_string(),
                };
                self.instant(task, &why);
            }
            LoopEvent::Resumed { .. } => {}
            LoopEvent::Stepped {
                task, label, took, ..
            } => {
                if self.long_step.is_some_and(|threshold| took > threshold) {
                    self.long(at, task, &label.to_string(), took);
                }
            }
            LoopEvent::Finished { task, error, .. } => {
                // A panic drops the frames without popping them one by one.
                let open = self.stacks.get(task).frames.len().min(self.max_depth);
                self.end_slices(task, open, None);
                if let Some(error) = error {
                    self.instant(task, &format!("failed: {}", describe(error)));
                }
            }
        }
        self.stacks.apply(event);
    }
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(quoted, "\\u{:04x}", c as u32);
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

impl<W: Write> Drop for ChromeTrace<W> {
    /// Closes the JSON if nobody called [`finish`](ChromeTrace::finish)
    /// (errors are lost then).
    fn drop(&mut self) {
        if self.out.is_some() {
            let _ = self.finish();
        }
    }
}

impl<W: Write> std::fmt::Debug for ChromeTrace<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChromeTrace")
            .field("max_depth", &self.max_depth)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_for_json() {
        assert_eq!(json_string("a\"b\\c\nd"), r#""a\"b\\c\u000ad""#);
    }
}
