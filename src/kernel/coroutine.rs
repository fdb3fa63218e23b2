//! `Coroutine<T>`, a stackless generator that returns a `T`, and `Co`, the
//! handle its body uses to talk to the loop: `call`, `sleep`, `read_line`,
//! `spawn`, `join`, `now`.
//!
//! Each method yields one [`Command`] and turns what the coroutine is resumed
//! with back into a typed `Result`, so a body reads like the seed's Python:
//! `a = yield fib(n - 1)` becomes `let a = co.call(fib(n - 1)).await?;`.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::rc::Rc;
use std::time::Duration;

use crate::command::{Command, Nanos, Resume};
use crate::error::Error;
use crate::frame::{Frame, Label};
use crate::generator::Airlock;
use crate::snapshot::TaskInfo;
use crate::task::{Completion, TaskId};

/// A coroutine that will return a `T` or fail with an [`Error`].
///
/// Nothing runs until the loop resumes it: hand it to [`Co::call`],
/// [`Co::spawn`] or [`Scheduler::run_until_complete`](crate::Scheduler::run_until_complete).
///
/// ```
/// use trampoline::{Coroutine, Scheduler};
///
/// fn fib(n: u64) -> Coroutine<u64> {
///     Coroutine::new(move |co| async move {
///         if n <= 1 {
///             return Ok(n);
///         }
///         let a = co.call(fib(n - 1)).await?;
///         let b = co.call(fib(n - 2)).await?;
///         Ok(a + b)
///     })
///     .with_arg(n)
/// }
///
/// let mut scheduler = Scheduler::new().unwrap();
/// assert_eq!(scheduler.run_until_complete(fib(20)).unwrap(), 6765);
/// ```
pub struct Coroutine<T> {
    frame: Frame,
    returns: PhantomData<fn() -> T>,
}

impl<T: 'static> Coroutine<T> {
    /// Makes a coroutine from a body: a closure that takes the `co` handle and
    /// returns the `async` block to run.
    ///
    /// Its label is the name of the function the closure is written in (`fib`
    /// for the closure inside `fn fib`); [`named`](Self::named) and
    /// [`with_arg`](Self::with_arg) change it.
    ///
    /// One heap allocation: a block holding the label, genawaiter's airlock
    /// and the body's future, behind a one-word pointer.
    ///
    /// ```
    /// let c = trampoline::Coroutine::new(|_co| async { Ok(7) });
    /// assert_eq!(trampoline::Scheduler::new().unwrap().run_until_complete(c).unwrap(), 7);
    /// ```
    pub fn new<B, F>(body: B) -> Self
    where
        B: FnOnce(Co) -> F,
        F: Future<Output = Result<T, Error>> + 'static,
    {
        let label = Label::of_closure::<B>();
        Coroutine {
            frame: Frame::new(label, move |airlock| body(Co { airlock })),
            returns: PhantomData,
        }
    }

    /// Renames the coroutine (for traces, `ps` and failure reports).
    ///
    /// ```
    /// let c = trampoline::Coroutine::new(|_co| async { Ok(()) }).named("print_every");
    /// assert_eq!(c.label().to_string(), "print_every");
    /// ```
    pub fn named(mut self, name: &'static str) -> Self {
        self.frame.set_label(Label::new(name));
        self
    }

    /// Adds an argument to the label: `fib` becomes `fib(27)`. Free: nothing is
    /// formatted until somebody looks.
    ///
    /// ```
    /// fn fib(n: u64) -> trampoline::Coroutine<u64> {
    ///     trampoline::Coroutine::new(move |_co| async move { Ok(n) }).with_arg(n)
    /// }
    /// assert_eq!(fib(27).label().to_string(), "fib(27)");
    /// ```
    pub fn with_arg(mut self, arg: u64) -> Self {
        self.frame.set_label(self.frame.label().with_arg(arg));
        self
    }

    /// The label shown for this coroutine.
    ///
    /// ```
    /// let c = trampoline::Coroutine::new(|_co| async { Ok(()) }).named("x");
    /// assert_eq!(c.label().name(), "x");
    /// ```
    pub fn label(&self) -> Label {
        self.frame.label()
    }

    pub(crate) fn into_frame(self) -> Frame {
        self.frame
    }
}

impl<T> fmt::Debug for Coroutine<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Coroutine({})", self.frame.label())
    }
}

/// The handle a coroutine's body uses to talk to the loop.
///
/// Every method yields one command and must be `.await`ed at once, in the
/// coroutine that received this handle: used from anywhere else (another
/// coroutine, plain code, after its coroutine is gone) it panics, and never
/// touches memory that is not its own. Each returns a `Result`: an error can
/// be thrown into the coroutine at any suspension point.
pub struct Co {
    airlock: Airlock,
}

impl Co {
    /// Yields `command` and returns the future of what the coroutine is
    /// resumed with: genawaiter's own (checked, see `generator.rs`), no
    /// `async` layer of ours in between. genawaiter stores the command at
    /// once, so this is only called inside the `async fn`s of `Co` (here, in
    /// `net.rs`, ...), which run when awaited.
    #[inline]
    pub(crate) fn yield_(&self, command: Command) -> impl Future<Output = Resume> + '_ {
        self.airlock.yield_(command)
    }

    /// Runs `child` as a sub-coroutine on this task's stack and returns its
    /// result; its error comes back as `Err`, to `match` or pass on with `?`.
    /// No native recursion: the trampoline pushes `child` and pops it when it
    /// finishes, however deep the calls go.
    ///
    /// ```
    /// use trampoline::{Coroutine, Error, Scheduler};
    ///
    /// fn a() -> Coroutine<u64> {
    ///     Coroutine::new(|_co| async { Err(Error::msg("Something went wrong in A!")) })
    /// }
    /// fn b() -> Coroutine<u64> {
    ///     Coroutine::new(|co| async move { Ok(co.call(a()).await? + 1) })
    /// }
    /// fn c() -> Coroutine<String> {
    ///     Coroutine::new(|co| async move {
    ///         match co.call(b()).await {
    ///             Ok(b) => Ok(b.to_string()),
    ///             Err(e) => Ok(format!("C got exception: {e}")),
    ///         }
    ///     })
    /// }
    /// let got = Scheduler::new().unwrap().run_until_complete(c()).unwrap();
    /// assert_eq!(got, "C got exception: Something went wrong in A!");
    /// ```
    pub async fn call<T: 'static>(&self, child: Coroutine<T>) -> Result<T, Error> {
        match self.yield_(Command::Call(child.into_frame())).await {
            Resume::Returned(value) => Ok(value.take()),
            resume => Err(thrown("call", resume)),
        }
    }

    /// Parks this task for `duration`. Tasks whose sleeps end at the same
    /// instant wake in the order they went to sleep. `Duration::ZERO` lets the
    /// other ready tasks run first. Durations travel as whole nanoseconds: a
    /// sleep of 584 years or more lasts until the end of time.
    ///
    /// ```
    /// use std::time::Duration;
    /// use trampoline::{Clock, Coroutine, Scheduler};
    ///
    /// let nap = Coroutine::new(|co| async move {
    ///     co.sleep(Duration::from_secs(3600)).await?;
    ///     co.now().await
    /// });
    /// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    /// assert_eq!(scheduler.run_until_complete(nap).unwrap(), Duration::from_secs(3600));
    /// ```
    pub async fn sleep(&self, duration: Duration) -> Result<(), Error> {
        match self.yield_(Command::Sleep(Nanos::new(duration))).await {
            Resume::Woke => Ok(()),
            resume => Err(thrown("sleep", resume)),
        }
    }

    /// The next line of standard input, without its line ending; `Ok(None)`
    /// at the end of input. A line that is not UTF-8 or is too long is an
    /// `Err` for that line only: the next call reads the next line.
    ///
    /// ```no_run
    /// use trampoline::{Coroutine, Scheduler};
    ///
    /// let echo = Coroutine::new(|co| async move {
    ///     while let Some(line) = co.read_line().await? {
    ///         println!("{line}");
    ///     }
    ///     Ok(())
    /// });
    /// Scheduler::new().unwrap().run_until_complete(echo).unwrap();
    /// ```
    pub async fn read_line(&self) -> Result<Option<String>, Error> {
        match self.yield_(Command::ReadLine).await {
            Resume::Line(line) => Ok(line.map(|line| *line)),
            resume => Err(thrown("read_line", resume)),
        }
    }

    /// Starts `coroutine` as a new task, which runs concurrently with this
    /// one. Join the handle to get its result; drop it to let the task run
    /// detached (its failure is then reported on stderr).
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    ///
    /// let main = Coroutine::new(|co| async move {
    ///     let task = co.spawn(Coroutine::new(|_co| async { Ok(42) })).await?;
    ///     co.join(task).await
    /// });
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), 42);
    /// ```
    pub async fn spawn<T: 'static>(&self, coroutine: Coroutine<T>) -> Result<JoinHandle<T>, Error> {
        match self.yield_(Command::Spawn(coroutine.into_frame())).await {
            Resume::Spawned(spawned) => {
                let (completion, shared) = *spawned;
                Ok(JoinHandle::new(completion, shared))
            }
            resume => Err(thrown("spawn", resume)),
        }
    }

    /// Waits for the task to finish and returns its result, or its error. A
    /// task joining itself gets an error at once instead of waiting forever.
    ///
    /// ```
    /// use trampoline::{Coroutine, Error, Scheduler};
    ///
    /// let main = Coroutine::new(|co| async move {
    ///     let task = co.spawn(Coroutine::<u8>::new(|_co| async { Err(Error::msg("no tea")) })).await?;
    ///     Ok(co.join(task).await.unwrap_err().to_string())
    /// });
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), "no tea");
    /// ```
    pub async fn join<T: 'static>(&self, handle: JoinHandle<T>) -> Result<T, Error> {
        match self.yield_(Command::Join(handle.completion.clone())).await {
            Resume::Returned(value) => Ok(value.take()),
            resume => Err(thrown("join", resume)),
        }
    }

    /// The loop's clock: time since the loop started. Under a virtual clock,
    /// it only moves when every task is waiting.
    ///
    /// ```
    /// use trampoline::{Clock, Coroutine, Scheduler};
    /// let now = Coroutine::new(|co| async move { co.now().await });
    /// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    /// assert_eq!(scheduler.run_until_complete(now).unwrap(), std::time::Duration::ZERO);
    /// ```
    pub async fn now(&self) -> Result<Duration, Error> {
        match self.yield_(Command::Now).await {
            Resume::Now(elapsed) => Ok(elapsed.duration()),
            resume => Err(thrown("now", resume)),
        }
    }

    /// Time since the Unix epoch by the loop's clock. The real clock gives the
    /// system time; a virtual clock starts at 0, so transcripts are repeatable.
    ///
    /// ```
    /// use trampoline::{Clock, Coroutine, Scheduler};
    /// let now = Coroutine::new(|co| async move { Ok(co.unix_time().await?.as_secs()) });
    /// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    /// assert_eq!(scheduler.run_until_complete(now).unwrap(), 0);
    /// ```
    pub async fn unix_time(&self) -> Result<Duration, Error> {
        match self.yield_(Command::UnixTime).await {
            Resume::Now(unix) => Ok(unix.duration()),
            resume => Err(thrown("unix_time", resume)),
        }
    }
}

impl Co {
    /// A snapshot of every live task, by id: its root label, its state and
    /// its stack innermost first (this task shows as `running`). What the
    /// demo's `ps` prints with [`ps_table`](crate::ps_table).
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    ///
    /// fn inner() -> Coroutine<Vec<String>> {
    ///     Coroutine::new(|co| async move {
    ///         let tasks = co.tasks().await?;
    ///         Ok(tasks[0].stack.iter().map(|l| l.to_string()).collect())
    ///     })
    /// }
    /// let outer = Coroutine::new(|co| async move { co.call(inner()).await }).named("outer");
    /// let stack = Scheduler::new().unwrap().run_until_complete(outer).unwrap();
    /// assert_eq!(stack, ["inner", "outer"]);
    /// ```
    pub async fn tasks(&self) -> Result<Vec<TaskInfo>, Error> {
        match self.yield_(Command::Tasks).await {
            Resume::Tasks(tasks) => Ok(*tasks),
            resume => Err(thrown("tasks", resume)),
        }
    }
}

impl fmt::Debug for Co {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Co")
    }
}

/// Turns a resume value that is not the answer to `command` into the error
/// it must be: one thrown into the coroutine at its suspension point.
pub(crate) fn thrown(command: &str, resume: Resume) -> Error {
    match resume {
        Resume::Failed(error) => error,
        other => panic!("BUG: the trampoline answered `{command}` with {other:?}"),
    }
}

/// A spawned task, to [`Co::join`]. Dropping it detaches the task.
pub struct JoinHandle<T> {
    pub(crate) completion: Rc<Completion>,
    pub(crate) returns: PhantomData<fn() -> T>,
    /// The loop's queues, to ask it to throw into the task.
    pub(crate) shared: Rc<crate::callbacks::Shared>,
    /// `false` for the views done callbacks get: they never report.
    pub(crate) owner: bool,
}

impl<T> JoinHandle<T> {
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
            crate::task::report(&format!(
                "task {}: error never retrieved: {}",
                self.completion.id,
                crate::task::describe(&error)
            ));
        }
    }
}
