//! Tasks seen from outside: cancel one, throw an error into one, look at its
//! outcome without waiting, run callbacks when it is done (asyncio's `Task`
//! methods, on the kernel's [`JoinHandle`]).

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;

use crate::kernel::{Callback, Error, ErrorKind, JoinHandle, Wake, request_throw};

impl<T: 'static> JoinHandle<T> {
    /// Cancels the task: [`Error::cancelled`] is thrown into it where it is
    /// suspended, so it can clean up. `false` if it had already finished; its
    /// error, if it failed, then counts as retrieved (as in asyncio).
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
        self.cancel_by(Error::cancelled())
    }

    /// Cancels the task with a message, which the task (or whoever joins it)
    /// reads in the error: asyncio's `task.cancel(msg)`. As [`cancel`](Self::cancel)
    /// otherwise.
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
    ///     nap.cancel_with("time to go");
    ///     let error = co.join(nap).await.unwrap_err();
    ///     Ok((error.is_cancelled(), error.to_string()))
    /// });
    /// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    /// assert_eq!(scheduler.run_until_complete(main).unwrap(), (true, "cancelled: time to go".to_string()));
    /// ```
    pub fn cancel_with(&self, message: impl Into<String>) -> bool {
        self.cancel_by(Error::cancelled_with(message))
    }

    fn cancel_by(&self, error: Error) -> bool {
        if self.completion.is_finished() {
            // asyncio: cancelling a finished task counts as looking at its error.
            self.completion.retrieved.set(true);
        }
        let asked = self.throw(error);
        if asked {
            let cancels = &self.completion.cancels;
            cancels.set(cancels.get() + 1);
        }
        asked
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
        request_throw(&self.completion, &self.mailbox, error)
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
        self.completion.cancelled.get()
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
                self.completion.retrieved.set(true);
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
                self.completion.retrieved.set(true);
                Some(copy_error(error))
            }
            _ => None,
        }
    }

    /// Runs `callback` when the task finishes, with a view of this handle to
    /// read its [`result`](Self::result); as the caller's step ends if it has
    /// already finished. Returns a token for
    /// [`remove_done_callback`](Self::remove_done_callback). Extra arguments are captured by the closure (the seed's
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
    pub fn add_done_callback(
        &self,
        callback: impl FnOnce(&JoinHandle<T>) + 'static,
    ) -> DoneCallback {
        let weak = Rc::downgrade(&self.completion);
        let mailbox = self.mailbox.clone();
        let pending = Rc::new(Cell::new(true));
        let token = DoneCallback(pending.clone());
        let run: Callback = Box::new(move || {
            if !pending.replace(false) {
                return; // removed
            }
            if let Some(completion) = weak.upgrade() {
                callback(&JoinHandle {
                    completion,
                    returns: PhantomData,
                    mailbox,
                    owner: false,
                });
            }
        });
        if self.completion.is_finished() {
            self.mailbox.wakes.borrow_mut().push_back(Wake::Run(run));
        } else {
            self.completion.push_callback(run);
        }
        token
    }

    /// Takes back a done callback that has not run yet; `false` if it has
    /// run or was removed already (asyncio's `remove_done_callback`, which
    /// finds the callback by identity: here by the token it gave).
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    /// use trampoline::{Coroutine, Scheduler};
    /// let ran = Rc::new(Cell::new(false));
    /// let mut scheduler = Scheduler::new().unwrap();
    /// let task = scheduler.spawn(Coroutine::new(|_co| async { Ok(()) }));
    /// let r = ran.clone();
    /// let token = task.add_done_callback(move |_| r.set(true));
    /// assert!(task.remove_done_callback(&token));
    /// assert!(!task.remove_done_callback(&token));
    /// scheduler.run_until_complete(Coroutine::new(move |co| async move { co.join(task).await })).unwrap();
    /// assert!(!ran.get());
    /// ```
    pub fn remove_done_callback(&self, token: &DoneCallback) -> bool {
        token.0.replace(false)
    }
}

/// A done callback added with [`JoinHandle::add_done_callback`], to take it
/// back with [`JoinHandle::remove_done_callback`]. Holds `true` while the
/// callback has neither run nor been removed.
#[derive(Debug, Clone)]
pub struct DoneCallback(Rc<Cell<bool>>);

impl<T> JoinHandle<T> {
    /// Another handle on the same task that never reports its error (the
    /// view done callbacks get): for the toolkit's own bookkeeping.
    pub(crate) fn view(&self) -> JoinHandle<T> {
        JoinHandle {
            completion: self.completion.clone(),
            returns: PhantomData,
            mailbox: self.mailbox.clone(),
            owner: false,
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
        ErrorKind::CancelledWith(m) => ErrorKind::CancelledWith(m.clone()),
        ErrorKind::NotReady => ErrorKind::NotReady,
        ErrorKind::TimedOut => ErrorKind::TimedOut,
        ErrorKind::Panicked(m) => ErrorKind::Panicked(m.clone()),
        ErrorKind::Io(e) => ErrorKind::Io(std::io::Error::new(e.kind(), e.to_string())),
    };
    let mut copy = Error::from(kind);
    for label in error.trace() {
        copy = copy.thrown_through(*label);
    }
    copy
}
