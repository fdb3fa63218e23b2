//! A task: an id, the stack of suspended generators it is running, what it
//! waits for; and its completion, the part that outlives it, which its
//! [`JoinHandle`] reads.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::marker::PhantomData;
use std::num::NonZeroU64;
use std::rc::Rc;
use std::time::Duration;

use super::error::Error;
use super::frame::Frame;
use super::label::Label;
use super::report::{describe, report};
use super::value::Outcome;
use super::wake::{Callback, Mailbox};

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

/// Where a task is, as `ps` shows it.
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
    /// Parked until an IO source answers: `"a socket"`, `"the thread pool"`.
    /// The kernel does not know what that is; the source that parked the
    /// task says.
    WaitingForIo(&'static str),
}

/// A live task: its stack of suspended generators, innermost last.
///
/// Invariant: a live task's stack is never empty. The root frame is pushed at
/// spawn, and the task is removed from the trampoline when its root returns.
#[derive(Debug)]
pub(crate) struct Task {
    pub(crate) id: TaskId,
    pub(crate) stack: Vec<Frame>,
    pub(crate) state: TaskState,
    pub(crate) completion: Rc<Completion>,
    /// The sequence number of the task's live timer entry (`u64::MAX`: none;
    /// a wake-up clears it). An entry with another number is stale (the task
    /// was woken another way, by a cancel say, and may be asleep again until
    /// the same instant) and is ignored.
    pub(crate) timer: u64,
}

impl Task {
    /// The labels on the stack, innermost first: what `ps` prints.
    pub(crate) fn labels(&self) -> impl Iterator<Item = Label> + '_ {
        self.stack.iter().rev().map(Frame::label)
    }
}

/// The part of a task that outlives it: its outcome, waiting for whoever
/// joins it, and what plain code asked of it (an error to throw in, done
/// callbacks). Shared (`Rc`) between the trampoline and the task's
/// [`JoinHandle`]s.
pub(crate) struct Completion {
    pub(crate) id: TaskId,
    pub(crate) label: Label,
    pub(crate) outcome: RefCell<Option<Outcome>>,
    finished: Cell<bool>,
    /// The task parked in `join` on this one, if any.
    pub(crate) joiner: Cell<Option<(usize, TaskId)>>,
    /// The task's slab key, for wake requests. (`u32` keeps the flags and the
    /// key in one word: every task carries a completion.)
    pub(crate) key: u32,
    /// It finished with `Cancelled`.
    pub(crate) cancelled: Cell<bool>,
    /// Its error was seen (read, joined or reported): report it no more.
    pub(crate) retrieved: Cell<bool>,
    /// Cancels asked for and not taken back (asyncio's `cancelling()`):
    /// scopes tell their own cancels from those that came from outside.
    pub(crate) cancels: Cell<u32>,
    /// Boxed on first use: most tasks never get a throw or a callback.
    requests: Cell<Option<Box<Requests>>>,
}

/// What plain code asked of a task.
#[derive(Default)]
struct Requests {
    /// The error to throw in at the next chance (`throw.rs`).
    throw: Option<Error>,
    /// Run when the task finishes, in the order added.
    callbacks: Vec<Callback>,
}

impl Completion {
    pub(crate) fn new(id: TaskId, label: Label, key: usize) -> Self {
        Completion {
            id,
            label,
            outcome: RefCell::new(None),
            finished: Cell::new(false),
            joiner: Cell::new(None),
            key: u32::try_from(key).expect("BUG: more than 2^32 live tasks"),
            cancelled: Cell::new(false),
            retrieved: Cell::new(false),
            cancels: Cell::new(0),
            requests: Cell::new(None),
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
        let unseen =
            matches!(&*outcome, Some(Err(e)) if !e.is_cancelled()) && !self.retrieved.replace(true);
        match outcome.take() {
            Some(Err(error)) if unseen => Some(error),
            other => {
                *outcome = other;
                None
            }
        }
    }

    /// Runs `f` on the requests, boxing them if this is their first use.
    fn with_requests<R>(&self, f: impl FnOnce(&mut Requests) -> R) -> R {
        let mut requests = self.requests.take().unwrap_or_default();
        let result = f(&mut requests);
        self.requests.set(Some(requests));
        result
    }

    /// Runs `f` on the requests if there are any (no allocation).
    #[inline]
    fn if_requests<R: Default>(&self, f: impl FnOnce(&mut Requests) -> R) -> R {
        match self.requests.take() {
            None => R::default(),
            Some(mut requests) => {
                let result = f(&mut requests);
                self.requests.set(Some(requests));
                result
            }
        }
    }

    /// Leaves `error` to be thrown in; `false` if one already waits (the
    /// first is kept).
    pub(crate) fn set_throw(&self, error: Error) -> bool {
        self.with_requests(|requests| match requests.throw {
            Some(_) => false,
            None => {
                requests.throw = Some(error);
                true
            }
        })
    }

    /// The error waiting to be thrown in, if any.
    #[inline]
    pub(crate) fn take_throw(&self) -> Option<Error> {
        self.if_requests(|requests| requests.throw.take())
    }

    pub(crate) fn push_callback(&self, callback: Callback) {
        self.with_requests(|requests| requests.callbacks.push(callback));
    }

    pub(crate) fn take_callbacks(&self) -> Vec<Callback> {
        self.if_requests(|requests| std::mem::take(&mut requests.callbacks))
    }

    /// Runs `hook` when the task finishes (at once if it has).
    pub(crate) fn on_done(&self, hook: Callback) {
        if self.is_finished() {
            hook();
        } else {
            self.push_callback(hook);
        }
    }
}

impl fmt::Debug for Completion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Completion")
            .field("id", &self.id)
            .field("label", &self.label)
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}

/// A spawned task, to [`Co::join`](crate::Co::join). Dropping it detaches the
/// task. What else plain code can do with it (cancel, throw, look at its
/// result, done callbacks) is the toolkit's (`toolkit/handle.rs`).
pub struct JoinHandle<T> {
    pub(crate) completion: Rc<Completion>,
    pub(crate) returns: PhantomData<fn() -> T>,
    /// The loop's mailbox, to ask it to throw into the task.
    pub(crate) mailbox: Rc<Mailbox>,
    /// `false` for the views done callbacks get: they never report.
    pub(crate) owner: bool,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(completion: Rc<Completion>, mailbox: Rc<Mailbox>) -> Self {
        JoinHandle {
            completion,
            returns: PhantomData,
            mailbox,
            owner: true,
        }
    }

    /// The task's id, as failure reports and traces show it.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     let task = co.spawn(Coroutine::new(|_co| async { Ok(()) })).await?;
    ///     Ok(task.id().get())
    /// });
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), 2);
    /// ```
    pub fn id(&self) -> TaskId {
        self.completion.id
    }

    /// Whether the task has finished (returned, failed or panicked).
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     let task = co.spawn(Coroutine::new(|_co| async { Ok(()) })).await?;
    ///     let before = task.is_finished();
    ///     co.sleep(std::time::Duration::ZERO).await?;
    ///     Ok((before, task.is_finished()))
    /// });
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), (false, true));
    /// ```
    pub fn is_finished(&self) -> bool {
        self.completion.is_finished()
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JoinHandle({})", self.completion.id)
    }
}

impl<T> Drop for JoinHandle<T> {
    /// A task error nobody retrieved is reported, never silently dropped
    /// (asyncio's "Task exception was never retrieved").
    fn drop(&mut self) {
        if !self.owner {
            return;
        }
        if let Some(error) = self.completion.take_unretrieved_error() {
            report(&format!(
                "task {}: error never retrieved: {}",
                self.completion.id,
                describe(&error)
            ));
        }
    }
}
