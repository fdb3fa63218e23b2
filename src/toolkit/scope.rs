//! Scopes around awaits: [`TaskGroup`] (asyncio 3.11's `TaskGroup`, trio's
//! nursery: the scope ends only when every child has ended; the first
//! failure cancels the rest and every error comes back), [`Timeout`] and
//! [`timeout`] (asyncio's `async with timeout(d):` around several awaits,
//! a deadline one can keep, look at and move) and
//! [`shield`]. They run their body as a call on the current task's stack,
//! as `async with` does, and cancel that task ([`Co::current_task`]) to
//! interrupt the body, taking the cancel back if it was theirs.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use super::combinators::Awaitable;
use super::current::TaskRef;
use super::handle::copy_error;
use crate::kernel::{Co, Coroutine, Error, ErrorKind, JoinHandle, WaitList};

/// A group of tasks that ends together: [`run`](Self::run) returns only
/// when every child it started has finished. The first child to fail
/// cancels the others and the body; [`run`](Self::run) then fails with one
/// error that lists every failure, and [`errors`](Self::errors) gives them
/// one by one (asyncio's `ExceptionGroup`). Clones share the group.
///
/// ```
/// use std::time::Duration;
/// use trampoline::{Clock, Coroutine, Error, Scheduler, TaskGroup};
///
/// let group = TaskGroup::new();
/// let g = group.clone();
/// let main = Coroutine::new(move |co| async move {
///     let got = co.call(g.run(|g| Coroutine::new(move |co| async move {
///         let slow = g.spawn(&co, Coroutine::new(|co| async move {
///             co.sleep(Duration::from_secs(10)).await?;
///             Ok("slow")
///         })).await?;
///         g.spawn(&co, Coroutine::<()>::new(|co| async move {
///             co.sleep(Duration::from_secs(1)).await?;
///             Err(Error::msg("boom"))
///         })).await?;
///         co.sleep(Duration::from_secs(60)).await?; // cancelled at 1 s
///         Ok(slow)
///     }))).await;
///     Ok((got.unwrap_err().to_string(), co.now().await?))
/// });
/// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
/// let (error, at) = scheduler.run_until_complete(main).unwrap();
/// assert_eq!((error.as_str(), at), ("1 error in the task group: boom", Duration::from_secs(1)));
/// assert_eq!(group.errors().len(), 1);
/// ```
#[derive(Clone, Default)]
pub struct TaskGroup {
    inner: Rc<GroupInner>,
}

#[derive(Default)]
struct GroupInner {
    /// The task running the body, while it runs.
    parent: RefCell<Option<TaskRef>>,
    /// `run` has started (a group runs once), and has ended: a child
    /// spawned before or after would have nobody to report its error to.
    entered: Cell<bool>,
    finished: Cell<bool>,
    /// Cancels of the children, to send when the group aborts.
    children: RefCell<Vec<Box<dyn Fn()>>>,
    running: Cell<usize>,
    errors: RefCell<Vec<Error>>,
    aborting: Cell<bool>,
    /// The parent's `cancelling()` when the group started, and how many
    /// cancels the group itself asked of it: any more came from outside.
    parent_cancels_before: Cell<u32>,
    parent_cancels_ours: Cell<u32>,
    /// Woken when a child finishes.
    done: WaitList,
}

impl TaskGroup {
    /// A group with no task yet.
    ///
    /// ```
    /// assert!(trampoline::TaskGroup::new().errors().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts `coroutine` as a child of the group (asyncio's
    /// `create_task`). Its handle is for looking at it or joining it; the
    /// group waits for it anyway. Fails, starting nothing, if the group's
    /// [`run`](Self::run) has not started yet or has ended (as asyncio's
    /// "has not been entered", "is finished"): nobody would wait for the
    /// child or hear of its error.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler, TaskGroup};
    /// let main = Coroutine::new(|co| async move {
    ///     let group = TaskGroup::new();
    ///     let one = co.call(group.run(|g| Coroutine::new(move |co| async move {
    ///         let one = g.spawn(&co, Coroutine::new(|_co| async { Ok(1) })).await?;
    ///         co.join(one).await
    ///     }))).await?;
    ///     let late = group.spawn(&co, Coroutine::new(|_co| async { Ok(2) })).await;
    ///     assert_eq!(late.unwrap_err().to_string(), "TaskGroup is finished");
    ///     Ok(one)
    /// });
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), 1);
    /// ```
    pub async fn spawn<T: 'static>(
        &self,
        co: &Co,
        coroutine: Coroutine<T>,
    ) -> Result<JoinHandle<T>, Error> {
        if !self.inner.entered.get() {
            return Err(Error::msg("TaskGroup has not been entered"));
        }
        if self.inner.finished.get() {
            return Err(Error::msg("TaskGroup is finished"));
        }
        let task = co.spawn(coroutine).await?;
        let inner = self.inner.clone();
        inner.running.set(inner.running.get() + 1);
        let view = task.view();
        self.inner.children.borrow_mut().push(Box::new(move || {
            view.cancel();
        }));
        let view = task.view();
        task.completion.on_done(Box::new(move || {
            inner.running.set(inner.running.get() - 1);
            inner.done.wake_all();
            if let Some(error) = view.error().filter(|e| !e.is_cancelled()) {
                inner.errors.borrow_mut().push(error);
                abort(&inner);
            }
        }));
        if self.inner.aborting.get() {
            task.cancel();
        }
        Ok(task)
    }

    /// A coroutine that runs `body` with the group, then waits for every
    /// child; returns the body's value, or fails if a child (or the body)
    /// failed: one error listing them all. A group runs once: a second
    /// `run` fails at once (asyncio's "has already been entered").
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler, TaskGroup};
    /// let group = TaskGroup::new();
    /// let run = group.run(|_g| Coroutine::new(|_co| async { Ok("empty") }));
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(run).unwrap(), "empty");
    /// ```
    pub fn run<T: 'static>(&self, body: impl FnOnce(TaskGroup) -> Coroutine<T>) -> Coroutine<T> {
        let group = self.clone();
        let body = body(self.clone());
        Coroutine::new(move |co| async move {
            let inner = &group.inner;
            if inner.entered.replace(true) {
                return Err(Error::msg("TaskGroup has already been entered"));
            }
            let parent = co.current_task().await?;
            inner.parent_cancels_before.set(parent.cancelling());
            *inner.parent.borrow_mut() = Some(parent);
            let got = co.call(body).await;
            let mut outside_cancel = None;
            let value = match got {
                Ok(value) => Some(value),
                Err(error) => {
                    group.sort_out(error, &mut outside_cancel);
                    None
                }
            };
            while inner.running.get() > 0 {
                if let Err(error) = co.wait_on(&inner.done, None).await {
                    group.sort_out(error, &mut outside_cancel);
                }
            }
            inner.finished.set(true);
            let parent = inner.parent.borrow_mut().take();
            if let Some(parent) = &parent {
                if group.cancelled_from_outside() {
                    outside_cancel.get_or_insert_with(Error::cancelled);
                }
                parent.uncancel(inner.parent_cancels_ours.take());
            }
            // The children's errors have priority over a cancel from outside,
            // as asyncio's: the group fails with them, and the task is
            // cancelled again (its count kept) so that the cancel is not
            // lost: it arrives at the task's next suspension.
            let errors = inner.errors.borrow();
            match (value, outside_cancel) {
                (_, cancelled) if !errors.is_empty() => {
                    if let (Some(parent), Some(_)) = (&parent, cancelled) {
                        parent.uncancel(1);
                        parent.cancel();
                    }
                    Err(group_error(&errors))
                }
                (_, Some(cancelled)) => Err(cancelled),
                (Some(value), None) => Ok(value),
                (None, None) => Err(Error::cancelled()),
            }
        })
        .named("task_group")
    }

    /// An error that reached the group's own frame: its own cancel of the
    /// body (ignored), a cancel from outside (kept, and the children
    /// cancelled), or the body's failure (one of the group's errors).
    fn sort_out(&self, error: Error, outside_cancel: &mut Option<Error>) {
        let inner = &self.inner;
        if error.is_cancelled() {
            if self.cancelled_from_outside() {
                outside_cancel.get_or_insert(error);
                abort(inner);
            }
        } else {
            inner.errors.borrow_mut().push(error);
            abort(inner);
        }
    }

    /// Whether the parent was cancelled by someone else than the group.
    fn cancelled_from_outside(&self) -> bool {
        let inner = &self.inner;
        let now = inner
            .parent
            .borrow()
            .as_ref()
            .map_or(0, TaskRef::cancelling);
        now > inner.parent_cancels_before.get() + inner.parent_cancels_ours.get()
    }

    /// The errors of the children that failed (and of the body, if it
    /// did), in the order they came; copies.
    ///
    /// ```
    /// assert!(trampoline::TaskGroup::new().errors().is_empty());
    /// ```
    pub fn errors(&self) -> Vec<Error> {
        self.inner.errors.borrow().iter().map(copy_error).collect()
    }
}

/// Cancels every child, and the body (once), if not done already.
fn abort(inner: &Rc<GroupInner>) {
    if inner.aborting.replace(true) {
        return;
    }
    for cancel in inner.children.borrow().iter() {
        cancel();
    }
    if let Some(parent) = &*inner.parent.borrow()
        && parent.cancel()
    {
        inner
            .parent_cancels_ours
            .set(inner.parent_cancels_ours.get() + 1);
    }
}

fn group_error(errors: &[Error]) -> Error {
    let n = errors.len();
    let list: Vec<String> = errors.iter().map(Error::to_string).collect();
    let noun = if n == 1 { "error" } else { "errors" };
    Error::msg(format!("{n} {noun} in the task group: {}", list.join("; ")))
}

impl fmt::Debug for TaskGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("running", &self.inner.running.get())
            .field("errors", &self.inner.errors.borrow().len())
            .field("aborting", &self.inner.aborting.get())
            .finish()
    }
}

/// A deadline for a body run on this task: asyncio's `Timeout`, what
/// `asyncio.timeout(delay)` and `asyncio.timeout_at(when)` return. Made
/// with [`after`](Self::after), [`at`](Self::at) or [`never`](Self::never),
/// entered by [`run`](Self::run) (asyncio's `async with`), whose body gets
/// the `Timeout` to [`reschedule`](Self::reschedule) itself. When the
/// deadline passes, the body's task is cancelled and `run` fails with
/// [`ErrorKind::TimedOut`]; a cancel from outside stays a cancel, and of
/// nested timeouts that expire together only the outermost reports
/// `TimedOut`, as `cancelling()`/`uncancel` decide in asyncio. Clones
/// share the timeout, so one can be kept, looked at and rescheduled from
/// another task or a callback while the body runs.
///
/// Its Debug is asyncio's repr: `<Timeout [created]>`, `<Timeout [active]
/// when=10s>` (the deadline on the loop's clock, `None` for never),
/// `<Timeout [expiring]>` (fired, the body not yet ended), `<Timeout
/// [expired]>`, `<Timeout [finished]>` (ended before its deadline).
///
/// ```
/// use std::time::Duration;
/// use trampoline::{Clock, Coroutine, ErrorKind, Scheduler, Timeout};
///
/// let budget = Timeout::after(Duration::from_secs(2));
/// let kept = budget.clone();
/// let main = Coroutine::new(move |co| async move {
///     let got = co.call(budget.run(|t| Coroutine::new(move |co| async move {
///         co.sleep(Duration::from_secs(1)).await?;
///         assert_eq!(format!("{t:?}"), "<Timeout [active] when=2s>");
///         // Good progress: one second more.
///         t.reschedule(Some(co.now().await? + Duration::from_secs(2)))?;
///         co.sleep(Duration::from_secs(5)).await // cut short at 3 s
///     }))).await;
///     Ok((matches!(got.unwrap_err().kind(), ErrorKind::TimedOut), co.now().await?))
/// });
/// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
/// assert_eq!(scheduler.run_until_complete(main).unwrap(), (true, Duration::from_secs(3)));
/// assert!(kept.expired());
/// assert_eq!(kept.when(), Some(Duration::from_secs(3)));
/// assert_eq!(format!("{kept:?}"), "<Timeout [expired]>");
/// ```
#[derive(Clone)]
pub struct Timeout {
    inner: Rc<TimeoutInner>,
}

struct TimeoutInner {
    state: Cell<TimeoutState>,
    /// The deadline on the loop's clock; `None`: never (or, before
    /// entering, a delay still to start).
    when: Cell<Option<Duration>>,
    /// [`Timeout::after`]'s delay, until `run` starts it.
    delay: Cell<Option<Duration>>,
    /// The task running the body, while it runs.
    task: RefCell<Option<TaskRef>>,
    /// The task's `cancelling()` when the timeout was entered.
    cancelling_before: Cell<u32>,
    /// Wakes the watchdog when the deadline moves.
    moved: WaitList,
}

/// asyncio's `_State`, named by its repr.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TimeoutState {
    Created,
    Active,
    Expiring,
    Expired,
    Finished,
}

impl TimeoutState {
    fn name(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Active => "active",
            Self::Expiring => "expiring",
            Self::Expired => "expired",
            Self::Finished => "finished",
        }
    }
}

impl Timeout {
    fn new(when: Option<Duration>, delay: Option<Duration>) -> Self {
        Self {
            inner: Rc::new(TimeoutInner {
                state: Cell::new(TimeoutState::Created),
                when: Cell::new(when),
                delay: Cell::new(delay),
                task: RefCell::new(None),
                cancelling_before: Cell::new(0),
                moved: WaitList::default(),
            }),
        }
    }

    /// A timeout `delay` after it is entered (asyncio's `timeout(delay)`).
    /// `Duration::MAX` is never (asyncio's `timeout(None)`). asyncio reads
    /// the clock when the timeout is made; here `run` does, when it starts
    /// (a `Timeout` is plain data, made outside any task): until then
    /// [`when`](Self::when) is `None`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use trampoline::{Clock, Coroutine, Scheduler, Timeout};
    ///
    /// let t = Timeout::after(Duration::from_secs(5));
    /// assert_eq!(t.when(), None);
    /// let main = Coroutine::new(|co| async move {
    ///     co.sleep(Duration::from_secs(1)).await?;
    ///     co.call(t.run(|t| Coroutine::new(move |_co| async move { Ok(t.when()) }))).await
    /// });
    /// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    /// assert_eq!(scheduler.run_until_complete(main).unwrap(), Some(Duration::from_secs(6)));
    /// ```
    pub fn after(delay: Duration) -> Self {
        if delay == Duration::MAX {
            return Self::never();
        }
        Self::new(None, Some(delay))
    }

    /// A timeout at `when` on the loop's clock ([`Co::now`]'s time), as
    /// asyncio's `timeout_at(when)`. A deadline already passed expires at
    /// the body's first suspension.
    ///
    /// ```
    /// use std::time::Duration;
    /// use trampoline::{Clock, Coroutine, ErrorKind, Scheduler, Timeout};
    ///
    /// let main = Coroutine::new(|co| async move {
    ///     let t = Timeout::at(co.now().await? + Duration::from_secs(3));
    ///     let got = co.call(t.run(|_t| Coroutine::new(|co| async move {
    ///         co.sleep(Duration::from_secs(10)).await
    ///     }))).await;
    ///     Ok((matches!(got.unwrap_err().kind(), ErrorKind::TimedOut), co.now().await?))
    /// });
    /// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    /// assert_eq!(scheduler.run_until_complete(main).unwrap(), (true, Duration::from_secs(3)));
    /// ```
    pub fn at(when: Duration) -> Self {
        Self::new(Some(when), None)
    }

    /// A timeout that never expires unless [rescheduled](Self::reschedule)
    /// (asyncio's `timeout(None)`).
    ///
    /// ```
    /// let t = trampoline::Timeout::never();
    /// assert_eq!(t.when(), None);
    /// assert_eq!(format!("{t:?}"), "<Timeout [created]>");
    /// ```
    pub fn never() -> Self {
        Self::new(None, None)
    }

    /// The deadline on the loop's clock; `None` for never (and for an
    /// [`after`](Self::after) timeout not entered yet).
    ///
    /// ```
    /// let t = trampoline::Timeout::at(std::time::Duration::from_secs(7));
    /// assert_eq!(t.when(), Some(std::time::Duration::from_secs(7)));
    /// ```
    pub fn when(&self) -> Option<Duration> {
        self.inner.when.get()
    }

    /// Moves the deadline to `when` (on the loop's clock), earlier or later,
    /// or to never (`None`), while the body runs: from the body itself,
    /// another task or a callback. A deadline already passed expires at the
    /// body's next suspension (asyncio: on the loop's next iteration). It
    /// fails, changing nothing, if the timeout has not been entered, has
    /// ended, or has expired (asyncio's `RuntimeError`s).
    ///
    /// ```
    /// use std::time::Duration;
    /// use trampoline::{Clock, Coroutine, Scheduler, Timeout};
    ///
    /// let t = Timeout::after(Duration::from_secs(1));
    /// let err = t.reschedule(None).unwrap_err();
    /// assert_eq!(err.to_string(), "Timeout has not been entered");
    /// let main = Coroutine::new(|co| async move {
    ///     co.call(t.run(|t| Coroutine::new(move |co| async move {
    ///         t.reschedule(None)?; // no deadline after all
    ///         co.sleep(Duration::from_secs(10)).await?;
    ///         Ok(t.expired())
    ///     }))).await
    /// });
    /// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    /// assert!(!scheduler.run_until_complete(main).unwrap());
    /// ```
    pub fn reschedule(&self, when: Option<Duration>) -> Result<(), Error> {
        let inner = &self.inner;
        match inner.state.get() {
            TimeoutState::Active => {}
            TimeoutState::Created => return Err(Error::msg("Timeout has not been entered")),
            state => {
                let state = state.name();
                return Err(Error::msg(format!(
                    "Cannot change state of {state} Timeout"
                )));
            }
        }
        inner.when.set(when);
        inner.moved.wake_all();
        Ok(())
    }

    /// Whether the deadline passed while the body ran (asyncio's
    /// `expired()`): true from the moment it fired, even if the body then
    /// caught the cancel and returned.
    ///
    /// ```
    /// use std::time::Duration;
    /// use trampoline::{Clock, Coroutine, Scheduler, Timeout};
    ///
    /// let t = Timeout::after(Duration::ZERO);
    /// assert!(!t.expired());
    /// let run = t.run(|_t| Coroutine::new(|co| async move { co.sleep(Duration::ZERO).await }));
    /// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    /// assert!(scheduler.run_until_complete(run).is_err());
    /// assert!(t.expired());
    /// ```
    pub fn expired(&self) -> bool {
        matches!(
            self.inner.state.get(),
            TimeoutState::Expiring | TimeoutState::Expired
        )
    }

    /// A coroutine that runs `body` (given this timeout) on the task that
    /// calls it, under the deadline (asyncio's `async with timeout as t:`).
    /// It returns the body's outcome, or [`ErrorKind::TimedOut`] if the
    /// deadline cancelled the body; a body that catches the cancel and
    /// returns is taken at its word. A timeout is entered once: a second
    /// `run` fails with "Timeout has already been entered".
    ///
    /// ```
    /// use std::time::Duration;
    /// use trampoline::{Clock, Coroutine, Scheduler, Timeout};
    ///
    /// let t = Timeout::after(Duration::from_secs(10));
    /// let kept = t.clone();
    /// let run = t.run(|_t| Coroutine::new(|co| async move {
    ///     co.sleep(Duration::from_secs(1)).await?;
    ///     Ok("in time")
    /// }));
    /// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    /// assert_eq!(scheduler.run_until_complete(run).unwrap(), "in time");
    /// assert_eq!(format!("{kept:?}"), "<Timeout [finished]>");
    /// ```
    pub fn run<T: 'static>(&self, body: impl FnOnce(Timeout) -> Coroutine<T>) -> Coroutine<T> {
        let timeout = self.clone();
        let body = body(self.clone());
        Coroutine::new(move |co| async move {
            let me = co.current_task().await?;
            let now = co.now().await?;
            timeout.enter(me, now)?;
            let got = match co.spawn(watchdog(timeout.clone())).await {
                Ok(watchdog) => {
                    let got = co.call(body).await;
                    watchdog.cancel();
                    got
                }
                Err(error) => Err(error),
            };
            timeout.exit(got)
        })
        .named("timeout")
    }

    /// asyncio's `__aenter__`: the deadline starts, on the task `me`.
    fn enter(&self, me: TaskRef, now: Duration) -> Result<(), Error> {
        let inner = &self.inner;
        if inner.state.get() != TimeoutState::Created {
            return Err(Error::msg("Timeout has already been entered"));
        }
        if let Some(delay) = inner.delay.take() {
            inner.when.set(Some(now.saturating_add(delay)));
        }
        inner.cancelling_before.set(me.cancelling());
        *inner.task.borrow_mut() = Some(me);
        inner.state.set(TimeoutState::Active);
        Ok(())
    }

    /// asyncio's `__aexit__`: a cancel the timeout asked for becomes
    /// `TimedOut`, unless someone else cancelled the task too.
    fn exit<T>(&self, got: Result<T, Error>) -> Result<T, Error> {
        let inner = &self.inner;
        let me = inner.task.borrow_mut().take().expect("BUG: entered once");
        if inner.state.get() != TimeoutState::Expiring {
            inner.state.set(TimeoutState::Finished);
            return got;
        }
        inner.state.set(TimeoutState::Expired);
        // Take our cancel back: delivered, or still on its way if it fired
        // as the body ended.
        me.uncancel(1);
        // Cancelled by someone else too (an outer timeout, a cancel): the
        // cancel stays a cancel, as asyncio's `uncancel` count decides.
        let ours_alone = me.cancelling() <= inner.cancelling_before.get();
        match got {
            Err(error) if error.is_cancelled() && ours_alone => Err(ErrorKind::TimedOut.into()),
            other => other,
        }
    }
}

/// The task that keeps a timeout's deadline: it waits until the deadline,
/// woken early whenever it moves, and cancels the body's task when it
/// passes (asyncio's `call_at(when, _on_timeout)`).
fn watchdog(timeout: Timeout) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let inner = &timeout.inner;
        while inner.state.get() == TimeoutState::Active {
            let wait = match inner.when.get() {
                None => None,
                Some(when) => {
                    let now = co.now().await?;
                    if when <= now {
                        if let Some(task) = &*inner.task.borrow() {
                            task.cancel();
                        }
                        inner.state.set(TimeoutState::Expiring);
                        break;
                    }
                    Some(when - now)
                }
            };
            co.wait_on(&inner.moved, wait).await?;
        }
        Ok(())
    })
    .named("timeout")
}

impl fmt::Debug for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state.get();
        write!(f, "<Timeout [{}]", state.name())?;
        if state == TimeoutState::Active {
            match self.inner.when.get() {
                Some(when) => write!(f, " when={when:?}")?,
                None => write!(f, " when=None")?,
            }
        }
        write!(f, ">")
    }
}

/// Runs `body` on this task, cancelling it if it has not finished within
/// `limit`: it then fails with [`ErrorKind::TimedOut`] (asyncio's `async
/// with timeout(limit):` around several awaits); `Duration::MAX` is no
/// limit. A body that catches the cancel and returns is taken at its word;
/// a cancel from outside stays a cancel. Short for
/// `Timeout::after(limit).run(|_| body)`: a [`Timeout`] can be kept, looked
/// at and rescheduled.
///
/// ```
/// use std::time::Duration;
/// use trampoline::{Clock, Coroutine, ErrorKind, Scheduler, timeout};
///
/// let main = Coroutine::new(|co| async move {
///     let steps = Coroutine::new(|co| async move {
///         for _ in 0..10 {
///             co.sleep(Duration::from_secs(1)).await?; // the 3rd is cut short
///         }
///         Ok(())
///     });
///     let got = co.call(timeout(Duration::from_millis(2500), steps)).await;
///     Ok((matches!(got.unwrap_err().kind(), ErrorKind::TimedOut), co.now().await?))
/// });
/// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
/// assert_eq!(scheduler.run_until_complete(main).unwrap(), (true, Duration::from_millis(2500)));
/// ```
pub fn timeout<T: 'static>(limit: Duration, body: Coroutine<T>) -> Coroutine<T> {
    Timeout::after(limit).run(|_| body)
}

/// Waits for `awaitable` (started as a task if it is a coroutine) and
/// returns its outcome, but a cancel of the waiter does not reach it: the
/// waiter fails with the cancel at once, and the task runs on, detached
/// (asyncio's `shield`).
///
/// ```
/// use std::time::Duration;
/// use trampoline::{Clock, Coroutine, ErrorKind, Scheduler, shield, wait_for};
///
/// let main = Coroutine::new(|co| async move {
///     let save = Coroutine::new(|co| async move {
///         co.sleep(Duration::from_secs(3)).await?;
///         Ok("saved")
///     });
///     let task = co.spawn(save).await?;
///     let id = task.id();
///     let got = co.call(wait_for(shield(task), Duration::from_secs(1))).await;
///     co.sleep(Duration::from_secs(5)).await?;
///     let still_ran = co.all_tasks().await?.iter().all(|t| t.id() != id);
///     Ok((matches!(got.unwrap_err().kind(), ErrorKind::TimedOut), still_ran))
/// });
/// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
/// assert_eq!(scheduler.run_until_complete(main).unwrap(), (true, true));
/// ```
pub fn shield<T: 'static>(awaitable: impl Into<Awaitable<T>> + 'static) -> Coroutine<T> {
    Coroutine::new(move |co| async move {
        let task = awaitable.into().into_task(&co).await?;
        let done = WaitList::default();
        let wake = done.clone();
        task.completion.on_done(Box::new(move || wake.wake_all()));
        while !task.is_finished() {
            co.wait_on(&done, None).await?;
        }
        co.join(task).await
    })
    .named("shield")
}
