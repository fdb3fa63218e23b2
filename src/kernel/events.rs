//! The event stream: what the trampoline does, told to observers.
//!
//! Everything that watches the loop is an [`Observer`] of [`LoopEvent`]s,
//! like trio's `Instrument`s; the observers themselves (a text trace, a
//! Perfetto timeline, stats, a progress bar) live outside the kernel, in
//! `observe/`. With none attached, each event site costs one predictable
//! branch and no event is built.

use std::time::Duration;

use super::error::Error;
use super::label::Label;
use super::task::{TaskId, TaskState};

/// Something the scheduler did. `at` (given alongside) is the loop's clock.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoopEvent<'a> {
    /// A task was created with this root frame.
    Spawned {
        /// The new task.
        task: TaskId,
        /// Its root frame.
        label: Label,
    },
    /// A generator was pushed on a task's stack (a `call`), now `depth` deep.
    Called {
        /// The task.
        task: TaskId,
        /// The pushed frame.
        label: Label,
        /// Stack depth after the push (the root alone is 1).
        depth: usize,
    },
    /// A generator returned and was popped; its caller resumes with the value.
    Returned {
        /// The task.
        task: TaskId,
        /// The popped frame.
        label: Label,
        /// Stack depth before the pop.
        depth: usize,
    },
    /// A generator failed and was popped; the error is thrown into its caller.
    Threw {
        /// The task.
        task: TaskId,
        /// The popped frame.
        label: Label,
        /// Stack depth before the pop.
        depth: usize,
        /// The error on its way up.
        error: &'a Error,
    },
    /// A task parked: sleeping, waiting for input, or joining.
    Parked {
        /// The task.
        task: TaskId,
        /// What it waits for.
        state: TaskState,
    },
    /// A parked task became ready.
    Woken {
        /// The task.
        task: TaskId,
    },
    /// A ready task got its turn: its top generator is about to be resumed
    /// (and keeps running, step after step, until it parks, finishes or has
    /// used its turn).
    Resumed {
        /// The task.
        task: TaskId,
    },
    /// A generator was resumed and ran one step, until it yielded its next
    /// command or completed. Only sent when an observer asks for it
    /// ([`Observer::wants_steps`]): timing every step costs two clock reads.
    Stepped {
        /// The task.
        task: TaskId,
        /// The frame that ran.
        label: Label,
        /// Its depth on the stack (the root is 1).
        depth: usize,
        /// How long the step held the loop, in real time (even under a
        /// virtual clock, where computing takes no loop time).
        took: Duration,
    },
    /// A task's root finished; `error` says whether it failed.
    Finished {
        /// The task.
        task: TaskId,
        /// Its root frame.
        label: Label,
        /// The failure, if it failed.
        error: Option<&'a Error>,
    },
}

/// Watches the loop. Called synchronously from the scheduler: keep it quick.
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use std::time::Duration;
/// use trampoline::{Coroutine, LoopEvent, Observer, Scheduler};
///
/// struct CountCalls(Rc<RefCell<usize>>);
/// impl Observer for CountCalls {
///     fn on_event(&mut self, _at: Duration, event: &LoopEvent<'_>) {
///         if let LoopEvent::Called { .. } = event {
///             *self.0.borrow_mut() += 1;
///         }
///     }
/// }
///
/// fn fib(n: u64) -> Coroutine<u64> {
///     Coroutine::new(move |co| async move {
///         if n <= 1 { return Ok(n); }
///         Ok(co.call(fib(n - 1)).await? + co.call(fib(n - 2)).await?)
///     })
/// }
///
/// let calls = Rc::new(RefCell::new(0));
/// let mut scheduler = Scheduler::new().unwrap();
/// scheduler.observe(CountCalls(calls.clone()));
/// scheduler.run_until_complete(fib(10)).unwrap();
/// assert_eq!(*calls.borrow(), 2 * 89 - 2); // every coroutine but the root
/// ```
pub trait Observer {
    /// One event, at loop time `at`.
    fn on_event(&mut self, at: Duration, event: &LoopEvent<'_>);

    /// Whether this observer wants [`LoopEvent::Stepped`], the real time every
    /// generator step took. Asked once, when the observer is attached.
    fn wants_steps(&self) -> bool {
        false
    }

    /// Whether this observer wants [`LoopEvent::Called`] and
    /// [`LoopEvent::Returned`]: one each per coroutine, most of what watching
    /// a fast computation costs. Without them it still hears throws, parks,
    /// wake-ups, spawns and ends. Asked once, when the observer is attached.
    fn wants_calls(&self) -> bool {
        true
    }

    /// Whether this observer reads `at`. Reading the real clock is most of
    /// what an event costs, so when no attached observer wants the time,
    /// `at` is `Duration::ZERO`. Asked once, when the observer is attached.
    fn wants_time(&self) -> bool {
        true
    }
}
/// The attached observers.
#[derive(Default)]
pub(crate) struct Observers {
    list: Vec<Box<dyn Observer>>,
    /// Whether one of them wants [`LoopEvent::Stepped`].
    pub(crate) steps: bool,
    /// Whether one of them wants calls and returns.
    pub(crate) calls: bool,
    /// Whether one of them reads the time of events.
    pub(crate) time: bool,
}

impl Observers {
    pub(crate) fn attach(&mut self, observer: Box<dyn Observer>) {
        self.steps |= observer.wants_steps();
        self.calls |= observer.wants_calls();
        self.time |= observer.wants_time();
        self.list.push(observer);
    }

    /// Whether anybody listens: check this before building an event.
    #[inline]
    pub(crate) fn active(&self) -> bool {
        !self.list.is_empty()
    }

    pub(crate) fn emit(&mut self, at: Duration, event: &LoopEvent<'_>) {
        for observer in &mut self.list {
            observer.on_event(at, event);
        }
    }
}

impl std::fmt::Debug for Observers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Observers({})", self.list.len())
    }
}
