//! Callbacks the loop runs, and the wake-ups plain code asks for: the
//! [`LoopHandle`] (`call_soon`, `call_later`, `call_next_tick`, `stop`) and the
//! mailbox behind it.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use super::command::{Resume, SystemCall};
use super::coroutine::{Co, thrown};
use super::error::Error;
use super::report::{panic_message, report};
use super::task::TaskId;
use super::timers::Alarm;
use super::trampoline::Trampoline;
use super::value::Value;
use super::wake::Parked;

/// A callback the loop runs: a plain closure. Arguments are captured, so
/// `functools.partial(add_ingredient, 'honey')` is just `move || add("honey")`.
pub(crate) type Callback = Box<dyn FnOnce()>;

/// A request for the trampoline, left by plain code.
#[derive(Debug)]
pub(crate) enum Wake {
    /// Wake this task, parked in a wait list, unless it has already left
    /// the list (woken by its timeout, or cancelled).
    Waiter(Parked),
    /// Throw the error waiting in this task's completion into it.
    Throw { key: usize, id: TaskId },
}

/// The queues plain code fills and the trampoline drains: the loop's
/// mailbox.
///
/// Plain code (a callback, `Queue::put_nowait`, `JoinHandle::cancel`) cannot
/// touch the scheduler: it runs while the scheduler is busy. So it leaves
/// requests here, in an `Rc` the scheduler and every handle hold, and
/// the trampoline carries them out between task turns ([`Trampoline::run_due`]):
///
/// - `soon`: callbacks in FIFO order, run at the start of the next tick,
///   before the ready tasks get their turns;
/// - `next_tick`: callbacks run before anything else queued, even before the
///   next task turn (the seed's `do_on_next_tick`, Node's `process.nextTick`);
/// - `later`: callbacks with a delay; the delay counts from the tick that
///   picks the request up (at most one task turn late), then they wait in
///   the deadline heap (`timers.rs`) like sleeping tasks;
/// - `wakes`: tasks to wake from a wait list, or to throw an error into.
#[derive(Default)]
pub(crate) struct Mailbox {
    pub(crate) soon: RefCell<VecDeque<Callback>>,
    pub(crate) next_tick: RefCell<VecDeque<Callback>>,
    /// `next_tick` is not empty: one load to check after every task turn.
    next_tick_pending: Cell<bool>,
    pub(crate) later: RefCell<Vec<(Duration, Callback)>>,
    pub(crate) wakes: RefCell<VecDeque<Wake>>,
    pub(crate) stopping: Cell<bool>,
}

impl Mailbox {
    /// Whether anything waits to be run or applied.
    pub(crate) fn has_work(&self) -> bool {
        !self.soon.borrow().is_empty()
            || !self.next_tick.borrow().is_empty()
            || !self.later.borrow().is_empty()
            || !self.wakes.borrow().is_empty()
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

impl fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailbox")
            .field("soon", &self.soon.borrow().len())
            .field("next_tick", &self.next_tick.borrow().len())
            .field("later", &self.later.borrow().len())
            .field("wakes", &self.wakes.borrow().len())
            .field("stopping", &self.stopping.get())
            .finish()
    }
}

/// Runs a callback; a panic in it is reported on stderr and the loop goes on.
pub(crate) fn run_reporting(callback: Callback) {
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(callback));
    if let Err(payload) = run {
        report(&format!(
            "a callback panicked: {}",
            panic_message(payload.as_ref())
        ));
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
    pub(crate) mailbox: Rc<Mailbox>,
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
        self.mailbox.soon.borrow_mut().push_back(Box::new(callback));
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
        self.mailbox
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
        self.mailbox
            .next_tick
            .borrow_mut()
            .push_back(Box::new(callback));
        self.mailbox.next_tick_pending.set(true);
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
        self.mailbox.stopping.set(true);
    }
}

impl fmt::Debug for LoopHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LoopHandle").field(&self.mailbox).finish()
    }
}

impl Trampoline {
    /// Runs what is due this tick, before any task's turn: wakes the tasks
    /// whose sleep or wait timed out, then runs the `call_soon` batch in FIFO
    /// order followed by the `call_later` callbacks now due (each preceded
    /// by any next-tick callbacks), then applies the wake-ups and throws they
    /// and the tasks asked for. Callbacks queued during the batch wait for
    /// the next tick, so a callback that requeues itself cannot starve the
    /// tasks.
    pub(crate) fn run_due(&mut self, now: Duration) {
        let mailbox = self.mailbox.clone();
        for (delay, callback) in mailbox.later.take() {
            self.timers
                .insert(now.saturating_add(delay), Alarm::Callback(callback));
        }
        let mut batch = mailbox.soon.take();
        while let Some((seq, alarm)) = self.timers.pop_due(now) {
            match alarm {
                Alarm::Task { key, id } => self.ring(key, id, seq),
                Alarm::Callback(callback) => batch.push_back(callback),
            }
        }
        mailbox.run_next_ticks();
        for callback in batch {
            run_reporting(callback);
            mailbox.run_next_ticks();
        }
        self.apply_wakes();
    }
}

/// The system call behind [`Co::loop_handle`].
#[derive(Debug)]
struct GetLoopHandle;

impl SystemCall for GetLoopHandle {
    fn apply(self: Box<Self>, trampoline: &mut Trampoline, _key: usize) -> Option<Resume> {
        let handle = LoopHandle {
            mailbox: trampoline.mailbox.clone(),
        };
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
