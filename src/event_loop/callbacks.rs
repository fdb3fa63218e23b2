//! Callbacks the loop runs, as the seed's callback `EventLoop` does: the
//! [`LoopHandle`] (`call_soon`, `call_later`, `call_next_tick`, `stop`) and
//! the queues behind it.
//!
//! Plain code (a callback, a done callback) cannot touch the loop: it runs
//! while the loop is busy. So it leaves callbacks here, in an `Rc` the loop
//! and every handle hold, and the loop runs them at the start of each tick
//! ([`Callbacks::run`]):
//!
//! - `soon`: callbacks in FIFO order, run at the start of the next tick,
//!   before the ready tasks get their turns;
//! - `next_tick`: callbacks run before anything else queued, even before the
//!   next task turn (the seed's `do_on_next_tick`, Node's `process.nextTick`);
//! - `later`: callbacks with a delay; the delay counts from the tick that
//!   picks the request up (at most one task turn late), then they wait in a
//!   deadline heap, the kernel's `Timers`, like sleeping tasks.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use crate::kernel::{Callback, Co, Error, Resume, SystemCall, Timers, Trampoline, Value};
use crate::kernel::{run_reporting, thrown};

/// The queues plain code fills and the loop drains.
#[derive(Default)]
pub(crate) struct Callbacks {
    soon: RefCell<VecDeque<Callback>>,
    next_tick: RefCell<VecDeque<Callback>>,
    /// `next_tick` is not empty: one load to check after every task turn.
    next_tick_pending: Cell<bool>,
    later: RefCell<Vec<(Duration, Callback)>>,
    stopping: Cell<bool>,
    /// `call_later` callbacks by deadline.
    timers: RefCell<Timers<Callback>>,
}

impl Callbacks {
    /// Whether anything waits to be run now.
    pub(crate) fn has_work(&self) -> bool {
        !self.soon.borrow().is_empty()
            || !self.next_tick.borrow().is_empty()
            || !self.later.borrow().is_empty()
            || self.stopping.get()
    }

    /// The earliest `call_later` deadline.
    pub(crate) fn next_deadline(&self) -> Option<Duration> {
        self.timers.borrow().next_deadline()
    }

    /// `stop` was asked for since the last look (and is now cleared).
    pub(crate) fn take_stop(&self) -> bool {
        self.stopping.replace(false)
    }

    /// Runs what is due this tick: the `call_soon` batch in FIFO order,
    /// then the `call_later` callbacks now due, each preceded by any
    /// next-tick callbacks. Callbacks queued during the batch wait for the
    /// next tick, so a callback that requeues itself cannot starve the tasks.
    pub(crate) fn run(&self, now: Duration) {
        for (delay, callback) in self.later.take() {
            self.timers
                .borrow_mut()
                .insert(now.saturating_add(delay), callback);
        }
        let mut batch = self.soon.take();
        while let Some((_, callback)) = self.timers.borrow_mut().pop_due(now) {
            batch.push_back(callback);
        }
        self.run_next_ticks();
        for callback in batch {
            run_reporting(callback);
            self.run_next_ticks();
        }
    }

    /// Runs the queued next-tick callbacks, and those they queue, until none
    /// is left. A panicking callback is reported; the others still run.
    #[inline]
    pub(crate) fn run_next_ticks(&self) {
        if self.next_tick_pending.get() {
            self.drain_next_ticks();
        }
    }

    fn drain_next_ticks(&self) {
        self.next_tick_pending.set(false);
        loop {
            let next = self.next_tick.borrow_mut().pop_front();
            match next {
                Some(callback) => run_reporting(callback),
                None => return,
            }
        }
    }
}

impl fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callbacks")
            .field("soon", &self.soon.borrow().len())
            .field("later", &self.later.borrow().len())
            .finish_non_exhaustive()
    }
}

/// A handle on the loop for plain code: queue callbacks, stop the loop.
/// Cheap to clone; get one with [`Scheduler::handle`](crate::Scheduler::handle)
/// or, inside a coroutine, [`Co::loop_handle`](crate::Co::loop_handle).
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use trampoline::Scheduler;
///
/// let mut scheduler = Scheduler::new().unwrap();
/// let handle = scheduler.handle();
/// let log = Rc::new(RefCell::new(Vec::new()));
/// let l = log.clone();
/// handle.call_soon(move || l.borrow_mut().push("Hello world!"));
/// let (l, h) = (log.clone(), handle.clone());
/// handle.call_soon(move || {
///     l.borrow_mut().push("Stopping loop.");
///     h.stop();
/// });
/// scheduler.run_forever().unwrap();
/// assert_eq!(*log.borrow(), ["Hello world!", "Stopping loop."]);
/// ```
#[derive(Clone)]
pub struct LoopHandle {
    pub(crate) callbacks: Rc<Callbacks>,
}

impl LoopHandle {
    /// Runs `callback` at the start of the next tick, after the callbacks
    /// queued before it (FIFO) and before the ready tasks' turns.
    ///
    /// ```
    /// let mut scheduler = trampoline::Scheduler::new().unwrap();
    /// let h = scheduler.handle();
    /// scheduler.handle().call_soon(move || h.stop());
    /// scheduler.run_forever().unwrap();
    /// ```
    pub fn call_soon(&self, callback: impl FnOnce() + 'static) {
        self.callbacks
            .soon
            .borrow_mut()
            .push_back(Box::new(callback));
    }

    /// Runs `callback` once `delay` has passed. Callbacks due at the same
    /// instant run in the order they were queued.
    ///
    /// ```
    /// use std::time::Duration;
    /// use trampoline::{Clock, Scheduler};
    /// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    /// let h = scheduler.handle();
    /// scheduler.handle().call_later(Duration::from_secs(20), move || h.stop());
    /// scheduler.run_forever().unwrap();
    /// assert_eq!(scheduler.clock().now(), Duration::from_secs(20));
    /// ```
    pub fn call_later(&self, delay: Duration, callback: impl FnOnce() + 'static) {
        self.callbacks
            .later
            .borrow_mut()
            .push((delay, Box::new(callback)));
    }

    /// Runs `callback` before any other queued work: before the callbacks
    /// queued with [`call_soon`](Self::call_soon) and before the next task
    /// turn (the seed's `do_on_next_tick`).
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// let mut scheduler = trampoline::Scheduler::new().unwrap();
    /// let handle = scheduler.handle();
    /// let log = Rc::new(RefCell::new(Vec::new()));
    /// let (l1, l2, h) = (log.clone(), log.clone(), handle.clone());
    /// handle.call_soon(move || { l1.borrow_mut().push("soon"); h.stop() });
    /// handle.call_next_tick(move || l2.borrow_mut().push("next tick"));
    /// scheduler.run_forever().unwrap();
    /// assert_eq!(*log.borrow(), ["next tick", "soon"]);
    /// ```
    pub fn call_next_tick(&self, callback: impl FnOnce() + 'static) {
        self.callbacks
            .next_tick
            .borrow_mut()
            .push_back(Box::new(callback));
        self.callbacks.next_tick_pending.set(true);
    }

    /// Stops the loop once the current tick is over:
    /// [`run_forever`](crate::Scheduler::run_forever) returns, and
    /// [`run_until_complete`](crate::Scheduler::run_until_complete) returns
    /// [`RunError::Stopped`](crate::RunError::Stopped) if its coroutine is
    /// not done yet.
    ///
    /// ```
    /// let mut scheduler = trampoline::Scheduler::new().unwrap();
    /// scheduler.handle().stop();
    /// scheduler.run_forever().unwrap();
    /// ```
    pub fn stop(&self) {
        self.callbacks.stopping.set(true);
    }
}

impl fmt::Debug for LoopHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LoopHandle").field(&self.callbacks).finish()
    }
}

/// The system call behind [`Co::loop_handle`].
#[derive(Debug)]
struct GetLoopHandle;

impl SystemCall for GetLoopHandle {
    fn apply(self: Box<Self>, trampoline: &mut Trampoline, _key: usize) -> Option<Resume> {
        let callbacks = trampoline
            .extensions
            .get::<Rc<Callbacks>>()
            .expect("BUG: the event loop keeps its callbacks in the extensions")
            .clone();
        let handle = LoopHandle { callbacks };
        Some(Resume::Returned(Value::new(handle)))
    }
}

impl Co {
    /// A handle on the loop running this coroutine, to queue callbacks or
    /// stop it (asyncio's `get_event_loop()` inside a coroutine).
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let mut scheduler = Scheduler::new().unwrap();
    /// scheduler.spawn(Coroutine::new(|co| async move {
    ///     co.loop_handle().await?.stop();
    ///     Ok(())
    /// }));
    /// scheduler.run_forever().unwrap();
    /// ```
    pub async fn loop_handle(&self) -> Result<LoopHandle, Error> {
        match self.apply(GetLoopHandle).await {
            Resume::Returned(handle) => Ok(handle.take()),
            resume => Err(thrown("loop_handle", resume)),
        }
    }
}
