//! A task: an id, the stack of suspended generators it is running, what it
//! waits for, and the completion its join handle reads.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::num::NonZeroU64;
use std::time::Duration;

use crate::error::Error;
use crate::frame::{Frame, Label};
use crate::tasks::Control;
use crate::value::Outcome;

/// A task's number, unique for the life of the scheduler (never reused), as
/// failure reports and traces show it. The first task is 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(NonZeroU64);

impl TaskId {
    pub(crate) fn first() -> Self {
        TaskId(NonZeroU64::MIN)
    }

    pub(crate) fn next(self) -> Self {
        TaskId(self.0.checked_add(1).expect("BUG: 2^64 tasks were spawned"))
    }

    /// The number.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     Ok(co.spawn(Coroutine::new(|_co| async { Ok(()) })).await?.id().get())
    /// });
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), 2);
    /// ```
    pub fn get(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where a task is, as `ps` would show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// In the ready queue.
    Ready,
    /// Being resumed right now.
    Running,
    /// Parked until the clock reads this (time since the loop started).
    Sleeping {
        /// The deadline.
        until: Duration,
    },
    /// Parked until a line of input (or its end) arrives.
    WaitingForInput,
    /// Parked until that task finishes.
    Joining(TaskId),
    /// Parked in a wait list (a queue, semaphore, event or combinator),
    /// until woken or until the deadline, if there is one.
    Waiting {
        /// The timeout's deadline.
        until: Option<Duration>,
    },
    /// Parked until a socket is ready (accept, read, write, connect).
    WaitingForSocket,
    /// Parked until its closure has run on the thread pool.
    WaitingForExecutor,
}

/// A live task: its stack of suspended generators, innermost last.
///
/// Invariant: a live task's stack is never empty. The root frame is pushed at
/// spawn, and the task is removed from the scheduler when its root returns.
#[derive(Debug)]
pub(crate) struct Task {
    pub(crate) id: TaskId,
    pub(crate) stack: Vec<Frame>,
    pub(crate) state: TaskState,
    pub(crate) completion: std::rc::Rc<Completion>,
    /// The sequence number of the task's live timer entry. An entry with
    /// another number is stale (the task was woken another way, by a cancel
    /// say, and may be asleep again until the same instant) and is ignored.
    pub(crate) timer: u64,
}

impl Task {
    /// The labels on the stack, innermost first: what `ps` prints.
    pub(crate) fn labels(&self) -> impl Iterator<Item = Label> + '_ {
        self.stack.iter().rev().map(Frame::label)
    }
}

/// Where a task's outcome waits for whoever joins it. Shared (`Rc`) between
/// the scheduler and the task's [`JoinHandle`](crate::JoinHandle).
#[derive(Debug)]
pub(crate) struct Completion {
    pub(crate) id: TaskId,
    pub(crate) label: Label,
    pub(crate) outcome: RefCell<Option<Outcome>>,
    finished: Cell<bool>,
    /// The task parked in `join` on this one, if any.
    pub(crate) joiner: Cell<Option<(usize, TaskId)>>,
    /// Cancel, throw, done callbacks, retrieval (`tasks.rs`).
    pub(crate) control: Control,
}

impl Completion {
    pub(crate) fn new(id: TaskId, label: Label, control: Control) -> Self {
        Completion {
            id,
            label,
            outcome: RefCell::new(None),
            finished: Cell::new(false),
            joiner: Cell::new(None),
            control,
        }
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.finished.get()
    }

    /// The task is done; its outcome waits here for the join handle.
    pub(crate) fn finish(&self, outcome: Outcome) {
        self.finished.set(true);
        *self.outcome.borrow_mut() = Some(outcome);
    }

    /// Takes the outcome for a joiner; `None` if the task is still running.
    pub(crate) fn take(&self) -> Option<Outcome> {
        self.outcome.borrow_mut().take()
    }

    /// The task's error if nobody has seen it yet (cancellation aside), and
    /// marks it seen: it is reported once, whoever asks first.
    pub(crate) fn take_unretrieved_error(&self) -> Option<Error> {
        let mut outcome = self.outcome.borrow_mut();
        let unseen = matches!(&*outcome, Some(Err(e)) if !e.is_cancelled())
            && !self.control.retrieved.replace(true);
        match outcome.take() {
            Some(Err(error)) if unseen => Some(error),
            other => {
                *outcome = other;
                None
            }
        }
    }
}

/// What a panic said: its `&str` or `String` payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    match (
        payload.downcast_ref::<&str>(),
        payload.downcast_ref::<String>(),
    ) {
        (Some(s), _) => s.to_string(),
        (_, Some(s)) => s.clone(),
        _ => "a non-string panic payload".to_string(),
    }
}

/// An error with the frames it was thrown through: `boom (in fib(3) ← fib(5))`.
pub(crate) fn describe(error: &Error) -> String {
    let trace = error.trace_line();
    if trace.is_empty() {
        error.to_string()
    } else {
        format!("{error} (in {trace})")
    }
}

/// Writes one line on stderr for the user: a task failure nobody else will see
/// (or into [`capture_reports`](crate::capture_reports) in a test).
pub(crate) fn report(line: &str) {
    crate::report::write(line);
}
