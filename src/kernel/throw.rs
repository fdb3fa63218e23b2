//! Tasks seen from outside: cancel one, throw an error into one, look at its
//! outcome without waiting, run callbacks when it is done; and the report of
//! errors nobody retrieved.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::rc::{Rc, Weak};

use crate::callbacks::{Callback, Shared, Wake, run_reporting};
use crate::command::Resume;
use crate::coroutine::JoinHandle;
use crate::error::{Error, ErrorKind};
use crate::observe::LoopEvent;
use crate::task::{Completion, TaskId, TaskState, describe, report};
use crate::trampoline::Trampoline;

/// What plain code can ask of a task, kept in its completion.
///
/// Cancelling is throwing [`Error::cancelled`]. Plain code cannot reach the
/// task's generator (the scheduler may be busy), so [`JoinHandle::throw`]
/// leaves the error in the task's [`Control`] and a `Wake::Throw` request in
/// the loop's shared queue. Between turns the trampoline takes the task out
/// of whatever it is parked in (a timer, the input queue, a joined task, a
/// wait list) and resumes it with the error at that suspension point: it
/// arrives in the innermost frame, as an `Err` from the `sleep`/`read_line`/
/// `join`/`get` the frame was awaiting, and unwinds frame by frame unless a
/// frame catches it. A task that is ready (not parked) gets it at the start
/// of its next turn; a generator that never ran is finished with it without
/// running.
pub(crate) struct Control {
    /// The task's slab key, for wake requests. (`u32`, with the flags, keeps
    /// `Control` two words: every task carries one.)
    key: u32,
    /// The error to throw in and the done callbacks, boxed on first use:
    /// most tasks never need them, and every task carries a `Control`.
    extra: Cell<Option<Box<Extra>>>,
    /// It finished with `Cancelled`.
    cancelled: Cell<bool>,
    /// Its error was seen (read, joined or reported): report it no more.
    pub(crate) retrieved: Cell<bool>,
}

#[derive(Default)]
struct Extra {
    /// The error to throw in at the next chance.
    throw: Option<Error>,
    /// Run when the task finishes, in the order added.
    callbacks: Vec<Callback>,
}

impl Control {
    pub(crate) fn new(key: usize) -> Self {
        Control {
            key: u32::try_from(key).expect("BUG: more than 2^32 live tasks"),
            extra: Cell::new(None),
            cancelled: Cell::new(false),
            retrieved: Cell::new(false),
        }
    }

    /// Runs `f` on the extra part, boxing it if this is its first use.
    fn with_extra<R>(&self, f: impl FnOnce(&mut Extra) -> R) -> R {
        let mut extra = self.extra.take().unwrap_or_default();
        let result = f(&mut extra);
        self.extra.set(Some(extra));
        result
    }

    /// Runs `f` on the extra part if there is one (no allocation).
    #[inline]
    fn if_extra<R: Default>(&self, f: impl FnOnce(&mut Extra) -> R) -> R {
        match self.extra.take() {
            None => R::default(),
            Some(mut extra) => {
                let result = f(&mut extra);
                self.extra.set(Some(extra));
                result
            }
        }
    }

    /// The error waiting to be thrown in, if any.
    #[inline]
    pub(crate) fn take_throw(&self) -> Option<Error> {
        self.if_extra(|extra| extra.throw.take())
    }

    /// Whether done callbacks or hooks wait for the task to finish.
    pub(crate) fn has_callbacks(&self) -> bool {
        self.if_extra(|extra| !extra.callbacks.is_empty())
    }

    fn push_callback(&self, callback: Callback) {
        self.with_extra(|extra| extra.callbacks.push(callback));
    }

    fn take_callbacks(&self) -> Vec<Callback> {
        self.if_extra(|extra| std::mem::take(&mut extra.callbacks))
    }

    /// Runs `hook` when the task finishes (at once if it has).
    pub(crate) fn on_done(&self, finished: bool, hook: Callback) {
        if finished {
            hook();
        } else {
            self.push_callback(hook);
        }
    }
}

impl fmt::Debug for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Control")
            .field("key", &self.key)
            .field("has_callbacks", &self.has_callbacks())
            .finish_non_exhaustive()
    }
}

impl<T: 'static> JoinHandle<T> {
    pub(crate) fn new(completion: Rc<Completion>, shared: Rc<Shared>) -> Self {
        JoinHandle {
            completion,
            returns: PhantomData,
            shared,
            owner: true,
        }
    }

    /// Cancels the task: [`Error::cancelled`] is thrown into it where it is
    /// suspended, so it can clean up. `false` if it had already finished.
    ///
    /// ```
    /// use std::time::Duration;
    /// use trampoline::{Clock, Coroutine, Scheduler};
    ///
    /// let main = Coroutine::new(|co| async move {
    ///     let nap = co.spawn(Coroutine::new(|co| async move {
    ///         co.sleep(Duration::from_secs(3600)).await
    ///     })).await?;
    ///     co.sleep(Duration::from_secs(1)).await?;
    ///     nap.cancel();
    ///     Ok(co.join(nap).await.unwrap_err().is_cancelled())
    /// });
    /// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    /// assert!(scheduler.run_until_complete(main).unwrap());
    /// assert_eq!(scheduler.clock().now(), Duration::from_secs(1));
    /// ```
    pub fn cancel(&self) -> bool {
        self.throw(Error::cancelled())
    }

    /// Throws `error` into the task at its suspension point (or at its next
    /// turn, if it is ready to run). `false` if it had already finished.
    /// Throwing twice before the task runs keeps the first error.
    ///
    /// ```
    /// use trampoline::{Coroutine, Error, Scheduler};
    ///
    /// let main = Coroutine::new(|co| async move {
    ///     let reader = co.spawn(Coroutine::new(|co| async move {
    ///         match co.read_line().await {
    ///             Err(e) => Ok(format!("caught: {e}")),
    ///             Ok(_) => Ok("read a line".to_string()),
    ///         }
    ///     })).await?;
    ///     co.sleep(std::time::Duration::ZERO).await?;
    ///     reader.throw(Error::msg("Have an exceptional day!"));
    ///     co.join(reader).await
    /// });
    /// let got = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    /// assert_eq!(got, "caught: Have an exceptional day!");
    /// ```
    pub fn throw(&self, error: Error) -> bool {
        if self.completion.is_finished() {
            return false;
        }
        let control = &self.completion.control;
        let first = control.with_extra(|extra| match extra.throw {
            Some(_) => false,
            None => {
                extra.throw = Some(error);
                true
            }
        });
        if first {
            self.shared.wakes.borrow_mut().push_back(Wake::Throw {
                key: control.key as usize,
                id: self.completion.id,
            });
        }
        true
    }

    /// Whether the task finished with [`Error::cancelled`].
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let mut scheduler = Scheduler::new().unwrap();
    /// let task = scheduler.spawn(Coroutine::new(|_co| async { Ok(1) }));
    /// task.cancel();
    /// scheduler.run_until_complete(Coroutine::new(|_co| async { Ok(()) })).unwrap();
    /// assert!(task.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.completion.control.cancelled.get()
    }

    /// The task's value without waiting: an error with
    /// [`ErrorKind::NotReady`] if it is still running, a copy of its error if
    /// it failed (which counts as retrieving it). A value taken by
    /// [`Co::join`](crate::Co::join) is gone.
    ///
    /// ```
    /// use trampoline::{Coroutine, ErrorKind, Scheduler};
    /// let mut scheduler = Scheduler::new().unwrap();
    /// let tea = scheduler.spawn(Coroutine::new(|_co| async { Ok("chamomile tea".to_string()) }));
    /// assert!(matches!(tea.result().unwrap_err().kind(), ErrorKind::NotReady));
    /// scheduler.run_until_complete(Coroutine::new(|_co| async { Ok(()) })).unwrap();
    /// assert_eq!(tea.result().unwrap(), "chamomile tea");
    /// ```
    pub fn result(&self) -> Result<T, Error>
    where
        T: Clone,
    {
        match &*self.completion.outcome.borrow() {
            Some(Ok(value)) => Ok(value.inspect(T::clone)),
            Some(Err(error)) => {
                self.completion.control.retrieved.set(true);
                Err(copy_error(error))
            }
            None if self.completion.is_finished() => {
                Err(Error::msg("the result was already taken by join"))
            }
            None => Err(ErrorKind::NotReady.into()),
        }
    }

    /// The task's error, if it finished with one (a copy; this counts as
    /// retrieving it, so it is not reported as never retrieved).
    ///
    /// ```
    /// use trampoline::{Coroutine, Error, Scheduler};
    /// let mut scheduler = Scheduler::new().unwrap();
    /// let bad = scheduler.spawn(Coroutine::<()>::new(|_co| async { Err(Error::msg("boom")) }));
    /// assert!(bad.error().is_none());
    /// scheduler.run_until_complete(Coroutine::new(|_co| async { Ok(()) })).unwrap();
    /// assert_eq!(bad.error().unwrap().to_string(), "boom");
    /// ```
    pub fn error(&self) -> Option<Error> {
        match &*self.completion.outcome.borrow() {
            Some(Err(error)) => {
                self.completion.control.retrieved.set(true);
                Some(copy_error(error))
            }
            _ => None,
        }
    }

    /// Runs `callback` when the task finishes, with a view of this handle to
    /// read its [`result`](Self::result); at the next tick if it has already
    /// finished. Extra arguments are captured by the closure (the seed's
    /// `functools.partial(add_ingredient, 'honey')`). Callbacks run in the
    /// order added, before a task joining this one resumes.
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// use trampoline::{Coroutine, Scheduler};
    ///
    /// let said = Rc::new(RefCell::new(String::new()));
    /// let mut scheduler = Scheduler::new().unwrap();
    /// let tea = scheduler.spawn(Coroutine::new(|_co| async { Ok("herbal tea".to_string()) }));
    /// let (s, ingredient) = (said.clone(), "honey");
    /// tea.add_done_callback(move |task| {
    ///     *s.borrow_mut() = format!("Now adding {ingredient} to the {}.", task.result().unwrap());
    /// });
    /// let main = Coroutine::new(move |co| async move { co.join(tea).await });
    /// assert_eq!(scheduler.run_until_complete(main).unwrap(), "herbal tea");
    /// assert_eq!(*said.borrow(), "Now adding honey to the herbal tea.");
    /// ```
    pub fn add_done_callback(&self, callback: impl FnOnce(&JoinHandle<T>) + 'static) {
        let weak = Rc::downgrade(&self.completion);
        let shared = self.shared.clone();
        let run: Callback = Box::new(move || {
            if let Some(completion) = weak.upgrade() {
                callback(&JoinHandle {
                    completion,
                    returns: PhantomData,
                    shared,
                    owner: false,
                });
            }
        });
        if self.completion.is_finished() {
            self.shared.soon.borrow_mut().push_back(run);
        } else {
            self.completion.control.push_callback(run);
        }
    }
}

/// `Task(<label>)<result=...>`, `<exception=...>` or `<PENDING>`, as asyncio
/// prints a task.
///
/// ```
/// use trampoline::{Coroutine, Scheduler};
/// let mut scheduler = Scheduler::new().unwrap();
/// let task = scheduler.spawn(Coroutine::new(|_co| async { Ok(()) }).named("sleep"));
/// assert_eq!(task.to_string(), "Task(<sleep>)<PENDING>");
/// scheduler.run_until_complete(Coroutine::new(|_co| async { Ok(()) })).unwrap();
/// assert_eq!(task.to_string(), "Task(<sleep>)<result=()>");
/// ```
impl<T: fmt::Debug + 'static> fmt::Display for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Task(<{}>)", self.completion.label)?;
        match &*self.completion.outcome.borrow() {
            Some(Ok(value)) => value.inspect(|v: &T| write!(f, "<result={v:?}>")),
            Some(Err(error)) => write!(f, "<exception={error}>"),
            None if self.completion.is_finished() => f.write_str("<joined>"),
            None => f.write_str("<PENDING>"),
        }
    }
}

/// A copy of an error, for readers that only look: same kind and message,
/// same trace. An IO error keeps its kind and message only.
pub(crate) fn copy_error(error: &Error) -> Error {
    let kind = match error.kind() {
        ErrorKind::Message(m) => ErrorKind::Message(m.clone()),
        ErrorKind::Cancelled => ErrorKind::Cancelled,
        ErrorKind::NotReady => ErrorKind::NotReady,
        ErrorKind::TimedOut => ErrorKind::TimedOut,
        ErrorKind::Panicked(m) => ErrorKind::Panicked(m.clone()),
        ErrorKind::Io(e) => ErrorKind::Io(std::io::Error::new(e.kind(), e.to_string())),
        other => ErrorKind::Message(other.to_string()),
    };
    let mut copy = Error::from(kind);
    for label in error.trace() {
        copy = copy.thrown_through(*label);
    }
    copy
}

impl Trampoline {
    /// The task at `key` is about to run with `resume` but has an error to
    /// take: it replaces the resume value. A frame that never ran (resumed
    /// with `Start`) is dropped unrun and the error thrown into its caller,
    /// or finishes the task if it is the root. (Written out rather than
    /// calling `pop`, so `pop` keeps a single call site and stays inlined in
    /// `run_turn`'s hot loop.)
    #[cold]
    pub(crate) fn throw_at_turn_start(
        &mut self,
        key: usize,
        resume: Resume,
        error: Error,
    ) -> Option<Resume> {
        if !matches!(resume, Resume::Start) {
            return Some(Resume::Failed(error));
        }
        let task = &mut self.tasks[key];
        let depth = task.stack.len();
        let frame = task
            .stack
            .pop()
            .expect("BUG: a live task's stack is never empty");
        let (id, label) = (task.id, frame.label());
        drop(frame);
        let error = error.thrown_through(label);
        self.emit(|| LoopEvent::Threw {
            task: id,
            label,
            depth,
            error: &error,
        });
        if depth == 1 {
            self.finish(key, Err(error));
            return None;
        }
        Some(Resume::Failed(error))
    }

    /// Carries out a `Wake::Throw`: if the task is parked, take it out of
    /// what it waits in and resume it with the error. If it is ready, its
    /// next turn takes the error (`run_turn`).
    pub(crate) fn deliver_throw(&mut self, key: usize, id: TaskId) {
        let state = match self.tasks.get(key) {
            Some(task) if task.id == id => task.state,
            _ => return,
        };
        match state {
            TaskState::Ready | TaskState::Running => return,
            // The timer entry stays; it is ignored once the state changed.
            TaskState::Sleeping { .. } => {}
            TaskState::WaitingForInput => self.input.forget(key, id),
            TaskState::Joining(target) => self.forget_joiner(target, key, id),
            TaskState::Waiting { .. } => self.control.leave_wait_list(id),
            // `wake` tells the socket table or the pool to forget the task.
            TaskState::WaitingForSocket | TaskState::WaitingForExecutor => {}
        }
        if let Some(error) = self.tasks[key].completion.control.take_throw() {
            self.wake(key, id, Resume::Failed(error));
        }
    }

    /// The task at `key` no longer joins `target`: clear `target`'s joiner
    /// cell so its finish does not resume us a second time.
    fn forget_joiner(&mut self, target: TaskId, key: usize, id: TaskId) {
        let joined = self.tasks.iter().find(|(_, task)| task.id == target);
        if let Some((_, task)) = joined
            && task.completion.joiner.get() == Some((key, id))
        {
            task.completion.joiner.set(None);
        }
    }

    /// A task just finished and its outcome is stored: run its done
    /// callbacks, and remember a failure whose handle is alive, to report at
    /// the loop's end if nobody reads it by then.
    pub(crate) fn after_finish(&mut self, completion: &Rc<Completion>) {
        let failed = matches!(&*completion.outcome.borrow(), Some(Err(e)) if !e.is_cancelled());
        let cancelled = matches!(&*completion.outcome.borrow(), Some(Err(e)) if e.is_cancelled());
        completion.control.cancelled.set(cancelled);
        for callback in completion.control.take_callbacks() {
            run_reporting(callback);
        }
        if failed && Rc::strong_count(completion) > 1 {
            self.control.failed.push(Rc::downgrade(completion));
        }
    }
}

/// Reports, once, the errors of finished tasks whose handles are still
/// alive but were never read: the loop is ending and nobody will.
pub(crate) fn report_unretrieved(failed: &mut Vec<Weak<Completion>>) {
    for completion in failed.drain(..).filter_map(|weak| weak.upgrade()) {
        if let Some(error) = completion.take_unretrieved_error() {
            report(&format!(
                "task {}: error never retrieved: {}",
                completion.id,
                describe(&error)
            ));
        }
    }
}
