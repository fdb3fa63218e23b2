//! The event stream: what the scheduler does, told to observers.
//!
//! Everything that watches the loop (a trace, a timeline, statistics) is an
//! [`Observer`] attached with [`Scheduler::observe`](crate::Scheduler::observe).
//! With none attached, each event site costs one predictable branch and no
//! event is built, like trio's `Instrument`s.

use std::time::Duration;

use crate::error::Error;
use crate::frame::Label;
use crate::task::{TaskId, TaskState};

/// Something the scheduler did. `at` (given alongside) is the loop's clock.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
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
/// use trampoline::{Coroutine, Event, Observer, Scheduler};
///
/// struct CountCalls(Rc<RefCell<usize>>);
/// impl Observer for CountCalls {
///     fn on_event(&mut self, _at: Duration, event: &Event<'_>) {
///         if let Event::Called { .. } = event {
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
    fn on_event(&mut self, at: Duration, event: &Event<'_>);
}

/// The attached observers.
#[derive(Default)]
pub(crate) struct Observers {
    list: Vec<Box<dyn Observer>>,
}

impl Observers {
    pub(crate) fn attach(&mut self, observer: Box<dyn Observer>) {
        self.list.push(observer);
    }

    /// Whether anybody listens: check this before building an event.
    #[inline]
    pub(crate) fn active(&self) -> bool {
        !self.list.is_empty()
    }

    pub(crate) fn emit(&mut self, at: Duration, event: &Event<'_>) {
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
