//! Combinators, as coroutines: [`gather`], [`gather_outcomes`],
//! [`as_completed`], [`wait`] and [`wait_for`].
//! Each spawns (or is given) tasks, hooks a done callback on every one that
//! wakes a wait list and notes the finish order (`Watch`), and parks on that
//! list, with a timeout if it has one, checking its condition each time it
//! wakes. No new command: `Spawn`, `Wait`, `Join` and `Now` are enough.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use super::stream::Stream;
use crate::kernel::TaskId;
use crate::kernel::WaitList;
use crate::kernel::{Co, Coroutine, JoinHandle};
use crate::kernel::{Error, ErrorKind};

/// When [`wait`] returns (asyncio's `return_when`).
///
/// ```
/// use std::time::Duration;
/// use trampoline::{Clock, Coroutine, ReturnWhen, Scheduler, wait};
/// let main = Coroutine::new(|co| async move {
///     let nap = |s| Coroutine::new(move |co| async move { co.sleep(Duration::from_secs(s)).await });
///     let tasks = vec![co.spawn(nap(3)).await?, co.spawn(nap(1)).await?];
///     let (done, pending) = co.call(wait(tasks, ReturnWhen::FirstCompleted, None)).await?;
///     Ok((done.len(), pending.len()))
/// });
/// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
/// assert_eq!(scheduler.run_until_complete(main).unwrap(), (1, 1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnWhen {
    /// As soon as one task has finished (`FIRST_COMPLETED`).
    FirstCompleted,
    /// As soon as one task has failed, or all have finished (`FIRST_EXCEPTION`).
    /// A cancelled task does not count as failed.
    FirstException,
    /// When every task has finished (`ALL_COMPLETED`).
    AllCompleted,
}

/// A wait list woken whenever one of the watched tasks finishes, and the
/// ids of the finished ones in the order they finished.
struct Watch {
    list: WaitList,
    finished: Rc<RefCell<VecDeque<TaskId>>>,
}

impl Watch {
    fn new<T: 'static>(handles: &[JoinHandle<T>]) -> Self {
        let watch = Watch {
            list: WaitList::default(),
            finished: Rc::default(),
        };
        for handle in handles {
            let (list, finished, id) = (watch.list.clone(), watch.finished.clone(), handle.id());
            let completion = &handle.completion;
            let hook = Box::new(move || {
                finished.borrow_mut().push_back(id);
                list.wake_all();
            });
            completion.on_done(hook);
        }
        watch
    }

    /// Parks until a watched task finishes or `deadline` passes. `Ok(false)`:
    /// the deadline had passed already, nothing to wait for.
    async fn park(&self, co: &Co, deadline: Option<Duration>) -> Result<bool, Error> {
        let timeout = match deadline {
            Some(deadline) => match deadline.checked_sub(co.now().await?) {
                Some(left) if !left.is_zero() => Some(left),
                _ => return Ok(false),
            },
            None => None,
        };
        co.wait_on(&self.list, timeout).await?;
        Ok(true)
    }
}

/// What the combinators take: a coroutine, which they start as a task, or a
/// task already started (asyncio's awaitables: a coroutine or a `Task`).
/// Both convert with `.into()`, so one list can hold both.
///
/// ```
/// use trampoline::{Awaitable, Coroutine, Scheduler, gather};
/// let main = Coroutine::new(|co| async move {
///     let started = co.spawn(Coroutine::new(|_co| async { Ok(1) })).await?;
///     let both: Vec<Awaitable<i32>> = vec![started.into(), Coroutine::new(|_co| async { Ok(2) }).into()];
///     co.call(gather(both)).await
/// });
/// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), [1, 2]);
/// ```
#[derive(Debug)]
pub enum Awaitable<T> {
    /// A coroutine, to start as a task.
    Coroutine(Coroutine<T>),
    /// A task already started.
    Task(JoinHandle<T>),
}

impl<T> From<Coroutine<T>> for Awaitable<T> {
    fn from(coroutine: Coroutine<T>) -> Self {
        Awaitable::Coroutine(coroutine)
    }
}

impl<T> From<JoinHandle<T>> for Awaitable<T> {
    fn from(task: JoinHandle<T>) -> Self {
        Awaitable::Task(task)
    }
}

impl<T: 'static> Awaitable<T> {
    /// The task: started now if it is a coroutine.
    pub(crate) async fn into_task(self, co: &Co) -> Result<JoinHandle<T>, Error> {
        match self {
            Awaitable::Coroutine(coroutine) => co.spawn(coroutine).await,
            Awaitable::Task(task) => Ok(task),
        }
    }
}

async fn spawn_all<T: 'static>(
    co: &Co,
    items: Vec<impl Into<Awaitable<T>>>,
) -> Result<Vec<JoinHandle<T>>, Error> {
    let mut handles = Vec::with_capacity(items.len());
    for item in items {
        handles.push(item.into().into_task(co).await?);
    }
    Ok(handles)
}

/// Cancels the unfinished tasks and waits until every one has finished
/// unwinding, as asyncio does before a cancelled `gather` or `wait_for`
/// returns. Their errors count as retrieved: the caller answers for them.
/// A cancel of the waiter meanwhile is passed on again and returned once
/// all are done.
async fn cancel_and_wait<T: 'static>(
    co: &Co,
    handles: &[JoinHandle<T>],
    watch: &Watch,
) -> Result<(), Error> {
    let mut interrupted = Ok(());
    cancel_all(handles);
    while !handles.iter().all(JoinHandle::is_finished) {
        if let Err(error) = watch.park(co, None).await {
            cancel_all(handles);
            interrupted = interrupted.and(Err(error));
        }
    }
    for handle in handles {
        handle.completion.retrieved.set(true);
    }
    interrupted
}

async fn deadline_after(co: &Co, timeout: Option<Duration>) -> Result<Option<Duration>, Error> {
    Ok(match timeout {
        Some(timeout) => Some(co.now().await?.saturating_add(timeout)),
        None => None,
    })
}

/// Finished with an error, cancellation included.
fn ended_badly<T>(handle: &JoinHandle<T>) -> bool {
    matches!(&*handle.completion.outcome.borrow(), Some(Err(_)))
}

fn failed<T>(handle: &JoinHandle<T>) -> bool {
    matches!(&*handle.completion.outcome.borrow(), Some(Err(e)) if !e.is_cancelled())
}

fn cancel_all<T: 'static>(handles: &[JoinHandle<T>]) {
    for handle in handles {
        handle.cancel();
    }
}

/// Runs the coroutines (or waits for the tasks) concurrently and returns
/// their values in argument order. The first failure, or cancellation, of
/// one is returned at once, and the others are cancelled (asyncio leaves
/// them running); cancelling the `gather` cancels them all. Either way it
/// returns once they have all finished unwinding, and their errors count as
/// retrieved: the `gather` reports the first, nothing is "never retrieved".
///
/// ```
/// use std::time::Duration;
/// use trampoline::{Clock, Coroutine, Scheduler, gather};
///
/// fn make_tea(variety: &'static str, secs: u64) -> Coroutine<String> {
///     Coroutine::new(move |co| async move {
///         co.sleep(Duration::from_secs(secs)).await?;
///         Ok(format!("{variety} tea"))
///     })
/// }
/// let teas = gather(vec![make_tea("chamomile", 3), make_tea("green", 1), make_tea("herbal", 2)]);
/// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
/// assert_eq!(scheduler.run_until_complete(teas).unwrap(), ["chamomile tea", "green tea", "herbal tea"]);
/// assert_eq!(scheduler.clock().now(), Duration::from_secs(3));
/// ```
pub fn gather<T: 'static>(items: Vec<impl Into<Awaitable<T>> + 'static>) -> Coroutine<Vec<T>> {
    Coroutine::new(move |co| async move {
        let mut handles = spawn_all(&co, items).await?;
        let watch = Watch::new(&handles);
        loop {
            if let Some(i) = handles.iter().position(ended_badly) {
                let first = handles.remove(i);
                let _ = cancel_and_wait(&co, &handles, &watch).await;
                return Err(co.join(first).await.err().expect("BUG: it failed"));
            }
            if handles.iter().all(JoinHandle::is_finished) {
                break;
            }
            if let Err(error) = watch.park(&co, None).await {
                let _ = cancel_and_wait(&co, &handles, &watch).await;
                return Err(error);
            }
        }
        let mut values = Vec::with_capacity(handles.len());
        for handle in handles {
            values.push(co.join(handle).await?);
        }
        Ok(values)
    })
    .named("gather")
}

/// Like [`gather`], but waits for every task and returns every outcome, in
/// argument order (asyncio's `return_exceptions=True`).
///
/// ```
/// use trampoline::{Coroutine, Error, Scheduler, gather_outcomes};
/// let all = gather_outcomes(vec![
///     Coroutine::new(|_co| async { Ok(1) }),
///     Coroutine::new(|_co| async { Err(Error::msg("no")) }),
/// ]);
/// let outcomes = Scheduler::new().unwrap().run_until_complete(all).unwrap();
/// assert_eq!(outcomes[0].as_ref().unwrap(), &1);
/// assert_eq!(outcomes[1].as_ref().unwrap_err().to_string(), "no");
/// ```
pub fn gather_outcomes<T: 'static>(
    items: Vec<impl Into<Awaitable<T>> + 'static>,
) -> Coroutine<Vec<Result<T, Error>>> {
    Coroutine::new(move |co| async move {
        let handles = spawn_all(&co, items).await?;
        let watch = Watch::new(&handles);
        while !handles.iter().all(JoinHandle::is_finished) {
            if let Err(error) = watch.park(&co, None).await {
                let _ = cancel_and_wait(&co, &handles, &watch).await;
                return Err(error);
            }
        }
        let mut outcomes = Vec::with_capacity(handles.len());
        for handle in handles {
            outcomes.push(co.join(handle).await);
        }
        Ok(outcomes)
    })
    .named("gather_outcomes")
}

/// Runs the coroutines as concurrent tasks and streams their outcomes in
/// the order they finish. With a `timeout`, the stream fails with
/// [`ErrorKind::TimedOut`] when it runs out, and the unfinished tasks are
/// cancelled.
///
/// ```
/// use std::time::Duration;
/// use trampoline::{Clock, Coroutine, Scheduler, as_completed};
///
/// fn get_url(url: &'static str, secs: u64) -> Coroutine<&'static str> {
///     Coroutine::new(move |co| async move {
///         co.sleep(Duration::from_secs(secs)).await?;
///         Ok(url)
///     })
/// }
/// let main = Coroutine::new(|co| async move {
///     let mut done = as_completed(vec![get_url("URL1", 4), get_url("URL2", 2), get_url("URL3", 3)], None);
///     let mut order = Vec::new();
///     while let Some(outcome) = co.next(&mut done).await? {
///         order.push(outcome?);
///     }
///     Ok(order)
/// });
/// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
/// assert_eq!(scheduler.run_until_complete(main).unwrap(), ["URL2", "URL3", "URL1"]);
/// ```
pub fn as_completed<T: 'static>(
    items: Vec<impl Into<Awaitable<T>> + 'static>,
    timeout: Option<Duration>,
) -> Stream<Result<T, Error>> {
    Stream::new(move |y| async move {
        let mut pending = spawn_all(&y, items).await?;
        let watch = Watch::new(&pending);
        let deadline = deadline_after(&y, timeout).await?;
        while !pending.is_empty() {
            let next = watch.finished.borrow_mut().pop_front();
            if let Some(id) = next {
                let i = pending
                    .iter()
                    .position(|h| h.id() == id)
                    .expect("BUG: watched");
                let outcome = y.join(pending.remove(i)).await;
                y.emit(outcome).await?;
                continue;
            }
            match watch.park(&y, deadline).await {
                Ok(true) => {}
                Ok(false) => {
                    cancel_all(&pending);
                    return Err(ErrorKind::TimedOut.into());
                }
                Err(error) => {
                    cancel_all(&pending);
                    return Err(error);
                }
            }
        }
        Ok(())
    })
}

/// Waits for the tasks until `return_when` says so or `timeout` runs out,
/// and returns them split into `(done, pending)`, each in argument order.
/// Pending tasks keep running.
///
/// ```
/// use std::time::Duration;
/// use trampoline::{Clock, Coroutine, ReturnWhen, Scheduler, wait};
///
/// fn nap(secs: u64) -> Coroutine<()> {
///     Coroutine::new(move |co| async move { co.sleep(Duration::from_secs(secs)).await }).named("sleep")
/// }
/// let main = Coroutine::new(|co| async move {
///     let tasks = vec![co.spawn(nap(5)).await?, co.spawn(nap(1)).await?];
///     let (done, pending) = co.call(wait(tasks, ReturnWhen::AllCompleted, Some(Duration::from_secs(3)))).await?;
///     Ok((done.len(), pending.len(), co.now().await?))
/// });
/// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
/// assert_eq!(scheduler.run_until_complete(main).unwrap(), (1, 1, Duration::from_secs(3)));
/// ```
#[allow(clippy::type_complexity)]
pub fn wait<T: 'static>(
    handles: Vec<JoinHandle<T>>,
    return_when: ReturnWhen,
    timeout: Option<Duration>,
) -> Coroutine<(Vec<JoinHandle<T>>, Vec<JoinHandle<T>>)> {
    Coroutine::new(move |co| async move {
        let watch = Watch::new(&handles);
        let deadline = deadline_after(&co, timeout).await?;
        loop {
            let all = handles.iter().all(JoinHandle::is_finished);
            let satisfied = match return_when {
                ReturnWhen::FirstCompleted => handles.iter().any(JoinHandle::is_finished) || all,
                ReturnWhen::FirstException => handles.iter().any(failed) || all,
                ReturnWhen::AllCompleted => all,
            };
            if satisfied || !watch.park(&co, deadline).await? {
                break;
            }
        }
        Ok(handles.into_iter().partition(JoinHandle::is_finished))
    })
    .named("wait")
}

/// Runs `coroutine` as a task (or waits for a task) and returns its value,
/// or fails with [`ErrorKind::TimedOut`] if it has not finished within
/// `timeout`; it is then cancelled, and `wait_for` returns once it has
/// unwound: with `TimedOut` if it ended cancelled, else with what it ended
/// with (a value, or an error it raised while unwinding). Cancelling the
/// `wait_for` cancels the task too, and returns, once it has unwound, the
/// cancellation.
///
/// ```
/// use std::time::Duration;
/// use trampoline::{Clock, Coroutine, ErrorKind, Scheduler, wait_for};
///
/// let slow = Coroutine::new(|co| async move { co.sleep(Duration::from_secs(10)).await });
/// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
/// let err = scheduler.run_until_complete(wait_for(slow, Duration::from_secs(1))).unwrap_err();
/// assert!(err.to_string().contains("failed"));
/// assert_eq!(scheduler.clock().now(), Duration::from_secs(1));
/// ```
pub fn wait_for<T: 'static>(
    awaitable: impl Into<Awaitable<T>> + 'static,
    timeout: Duration,
) -> Coroutine<T> {
    Coroutine::new(move |co| async move {
        let task = awaitable.into().into_task(&co).await?;
        let tasks = std::slice::from_ref(&task);
        let watch = Watch::new(tasks);
        let deadline = Some(co.now().await?.saturating_add(timeout));
        loop {
            if task.is_finished() {
                return co.join(task).await;
            }
            match watch.park(&co, deadline).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(error) => {
                    let _ = cancel_and_wait(&co, tasks, &watch).await;
                    return Err(error);
                }
            }
        }
        // Timed out: a cancel of the `wait_for` while the task unwinds wins.
        cancel_and_wait(&co, tasks, &watch).await?;
        match co.join(task).await {
            Err(error) if error.is_cancelled() => Err(ErrorKind::TimedOut.into()),
            outcome => outcome,
        }
    })
    .named("wait_for")
}
