//! Scopes around awaits: [`TaskGroup`] (asyncio 3.11's `TaskGroup`, trio's
//! nursery: the scope ends only when every child has ended; the first
//! failure cancels the rest and every error comes back), [`timeout`]
//! (asyncio's `async with timeout(d):` around several awaits) and
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
    /// group waits for it anyway.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler, TaskGroup};
    /// let main = Coroutine::new(|co| async move {
    ///     let group = TaskGroup::new();
    ///     co.call(group.run(|g| Coroutine::new(move |co| async move {
    ///         let one = g.spawn(&co, Coroutine::new(|_co| async { Ok(1) })).await?;
    ///         co.join(one).await
    ///     }))).await
    /// });
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), 1);
    /// ```
    pub async fn spawn<T: 'static>(
        &self,
        co: &Co,
        coroutine: Coroutine<T>,
    ) -> Result<JoinHandle<T>, Error> {
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
    /// failed: one error listing them all.
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
            let parent = inner.parent.borrow_mut().take();
            if let Some(parent) = parent {
                if group.cancelled_from_outside() {
                    outside_cancel.get_or_insert_with(Error::cancelled);
                }
                parent.uncancel(inner.parent_cancels_ours.take());
            }
            // A cancel from outside wins over the children's errors, as in
            // asyncio since 3.12.3 (gh-116720): the task is being cancelled.
            let errors = inner.errors.borrow();
            match (value, outside_cancel) {
                (_, Some(cancelled)) => Err(cancelled),
                _ if !errors.is_empty() => Err(group_error(&errors)),
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

/// Runs `body` on this task, cancelling it if it has not finished within
/// `limit`: it then fails with [`ErrorKind::TimedOut`] (asyncio's `async
/// with timeout(limit):` around several awaits). A body that catches the
/// cancel and returns is taken at its word; a cancel from outside stays a
/// cancel.
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
    Coroutine::new(move |co| async move {
        let me = co.current_task().await?;
        let before = me.cancelling();
        let expired = Rc::new(Cell::new(false));
        let fired = expired.clone();
        let mine = Rc::new(RefCell::new(Some(me)));
        let watched = mine.clone();
        let watchdog = co
            .spawn(
                Coroutine::new(move |co| async move {
                    if !limit.is_zero() {
                        co.sleep(limit).await?;
                    }
                    if let Some(me) = &*watched.borrow() {
                        fired.set(me.cancel());
                    }
                    Ok(())
                })
                .named("timeout"),
            )
            .await?;
        let got = co.call(body).await;
        watchdog.cancel();
        let me = mine.borrow_mut().take().expect("BUG: taken once");
        if expired.get() {
            // Take our cancel back: delivered, or still on its way if it
            // fired as the body ended.
            me.uncancel(1);
        }
        // Cancelled by someone else too (an outer timeout, a cancel): the
        // cancel stays a cancel, as asyncio's `uncancel` count decides.
        let ours_alone = me.cancelling() <= before;
        match got {
            Err(error) if error.is_cancelled() && expired.get() && ours_alone => {
                Err(ErrorKind::TimedOut.into())
            }
            other => other,
        }
    })
    .named("timeout")
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
