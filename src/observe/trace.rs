//! The text trace: one aligned line per event, with the loop time, the task
//! and its stack innermost first, what a learner would draw on a whiteboard.
//!
//! ```text
//!   4.000000  task 3  call    fib(27) ← fib(28) ← compute(28)
//!   4.000000  task 3  return  fib(1) ← fib(2) ← fib(3) ← … ← compute(28)  [29 deep]
//!   6.000000  task 2  wake    print_every
//! ```

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::time::Duration;

use super::stacks::{Stacks, stack_line};
use crate::kernel::{LoopEvent, Observer};
use crate::kernel::{TaskId, describe};

/// How many innermost frames a trace line shows before `… ← root`.
const FRAMES_SHOWN: usize = 3;

/// Writes the event stream as text, one line per event.
///
/// Calls and returns deeper than [`max_depth`](Self::max_depth) are left
/// out, so a deep computation shows its top levels only. The writer is
/// buffered and flushed whenever the loop may go idle (a task parks or
/// finishes), so the lines keep their order with what the program prints.
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use trampoline::{Clock, Coroutine, Scheduler, observe::Trace};
///
/// #[derive(Clone, Default)]
/// struct Shared(Rc<RefCell<Vec<u8>>>);
/// impl std::io::Write for Shared {
///     fn write(&mut self, b: &[u8]) -> std::io::Result<usize> { self.0.borrow_mut().write(b) }
///     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
/// }
///
/// let out = Shared::default();
/// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
/// scheduler.observe(Trace::new(out.clone()));
/// let child = || Coroutine::new(|_co| async { Ok(1) }).named("child");
/// scheduler.run_until_complete(Coroutine::new(move |co| async move { co.call(child()).await }).named("main")).unwrap();
/// let text = String::from_utf8(out.0.borrow().clone()).unwrap();
/// assert!(text.contains("task 1  call    child ← main"));
/// ```
pub struct Trace<W: Write> {
    out: BufWriter<W>,
    stacks: Stacks,
    max_depth: usize,
    line: String,
}

impl<W: Write> Trace<W> {
    /// A trace written to `out`, every depth shown.
    ///
    /// ```
    /// let trace = trampoline::observe::Trace::new(std::io::stderr());
    /// ```
    pub fn new(out: W) -> Self {
        Trace {
            out: BufWriter::new(out),
            stacks: Stacks::default(),
            max_depth: usize::MAX,
            line: String::new(),
        }
    }

    /// Leaves out calls and returns of frames deeper than `depth` (the root
    /// is at depth 1).
    ///
    /// ```
    /// let trace = trampoline::observe::Trace::new(std::io::stderr()).max_depth(8);
    /// ```
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth;
        self
    }

    /// Writes out what is still buffered.
    ///
    /// ```
    /// let mut trace = trampoline::observe::Trace::new(Vec::new());
    /// trace.flush().unwrap();
    /// ```
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The verb and details of one event, or `None` to leave it out.
    fn describe(&mut self, event: &LoopEvent<'_>) -> Option<(TaskId, &'static str, String)> {
        let stack = |stacks: &mut Stacks, task| stack_line(&stacks.get(task).frames, FRAMES_SHOWN);
        Some(match *event {
            LoopEvent::Spawned { task, label } => (task, "spawn", label.to_string()),
            LoopEvent::Called { depth, .. } | LoopEvent::Returned { depth, .. }
                if depth > self.max_depth =>
            {
                return None;
            }
            LoopEvent::Called { task, .. } => (task, "call", stack(&mut self.stacks, task)),
            LoopEvent::Returned { task, .. } => (task, "return", stack(&mut self.stacks, task)),
            LoopEvent::Threw { task, error, .. } => {
                let at = stack(&mut self.stacks, task);
                (task, "throw", format!("{at}: {error}"))
            }
            LoopEvent::Parked { task, state } => {
                let at = stack(&mut self.stacks, task);
                (task, state.verb(), format!("{at}  ({state})"))
            }
            LoopEvent::Woken { task } => {
                let why = match self.stacks.get(task).parked {
                    Some(state) => state.wake_reason(),
                    None => "woken".to_string(),
                };
                (
                    task,
                    "wake",
                    format!("{}  ({why})", stack(&mut self.stacks, task)),
                )
            }
            LoopEvent::Resumed { task } => (task, "resume", stack(&mut self.stacks, task)),
            LoopEvent::Stepped { .. } => return None,
            LoopEvent::Finished {
                task,
                label,
                error: None,
            } => (task, "done", label.to_string()),
            LoopEvent::Finished {
                task,
                label,
                error: Some(error),
            } => (task, "failed", format!("{label}: {}", describe(error))),
        })
    }
}

impl<W: Write> Observer for Trace<W> {
    fn on_event(&mut self, at: Duration, event: &LoopEvent<'_>) {
        // A push shows the stack after it, a pop the stack before it.
        if let LoopEvent::Called { .. } | LoopEvent::Spawned { .. } = event {
            self.stacks.apply(event);
        }
        if let Some((task, verb, details)) = self.describe(event) {
            self.line.clear();
            let task = format!("task {task}");
            let _ = writeln!(
                self.line,
                "{:>11.6}  {task:<6}  {verb:<6}  {details}",
                at.as_secs_f64()
            );
            // A closed stderr: nobody reads the trace any more; go on.
            let _ = self.out.write_all(self.line.as_bytes());
        }
        if !matches!(event, LoopEvent::Called { .. } | LoopEvent::Spawned { .. }) {
            self.stacks.apply(event);
        }
        if let LoopEvent::Parked { .. } | LoopEvent::Finished { .. } = event {
            let _ = self.out.flush();
        }
    }
}

impl<W: Write> Drop for Trace<W> {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}

impl<W: Write> std::fmt::Debug for Trace<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trace")
            .field("max_depth", &self.max_depth)
            .finish_non_exhaustive()
    }
}
