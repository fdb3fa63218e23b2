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
use std::time::Duration;

use super::command::{Command, Nanos, Resume, SystemCall};
use super::error::Error;
use super::frame::{Airlock, Frame};
use super::label::Label;
use super::task::JoinHandle;
use super::waitlist::WaitList;

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
    /// resumed with. This is where a command crosses genawaiter's *airlock*,
    /// the one slot a generator and its driver share:
    ///
    /// 1. `yield_` puts the command in the airlock and returns a future;
    /// 2. the body `.await`s it: the future sees the slot full and returns
    ///    `Pending`, so the body's `async` block suspends right there;
    /// 3. genawaiter's `resume` finds the command in the slot and hands it to
    ///    the trampoline as `GeneratorState::Yielded(command)`;
    /// 4. the trampoline answers with the next `resume(value)`: genawaiter
    ///    puts the value in the slot and polls the body again; the future
    ///    takes it out, and the `.await` returns it.
    ///
    /// genawaiter stores the command at once, so this is only called inside
    /// the `async fn`s of `Co`, which run when awaited. The future is
    /// genawaiter's own (checked, see the `oneblock` crate): no `async` layer of
    /// ours in between.
    #[inline]
    pub(crate) fn yield_(&self, command: Command) -> impl Future<Output = Resume> + '_ {
        self.airlock.yield_(command)
    }

    /// Yields a system call of a layer above the kernel: the trampoline
    /// applies it (`SystemCall::apply`) and resumes with its answer.
    pub(crate) fn apply(
        &self,
        call: impl SystemCall + 'static,
    ) -> impl Future<Output = Resume> + '_ {
        let call: Box<dyn SystemCall> = Box::new(call);
        self.yield_(Command::Apply(Box::new(call)))
    }

    /// Parks this task on `list` until plain code wakes it or `timeout`
    /// passes; the caller checks its condition again either way.
    pub(crate) async fn wait_on(
        &self,
        list: &WaitList,
        timeout: Option<Duration>,
    ) -> Result<(), Error> {
        match self
            .yield_(Command::Wait(Box::new((list.clone(), timeout))))
            .await
        {
            Resume::Woke => Ok(()),
            resume => Err(thrown("wait", resume)),
        }
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
                let (completion, mailbox) = *spawned;
                Ok(JoinHandle::new(completion, mailbox))
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
