//! [`Barrier`]: asyncio's (3.11) `Barrier`, with its four states. It fills
//! until its last party arrives, then drains: the released tasks leave one
//! by one as they run, and a task arriving meanwhile waits until the last
//! has left (so it cannot slip into the round being released). A reset
//! sends the waiting tasks away broken and holds new arrivals the same way
//! until they have left; an abort breaks it until the next reset.

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

use crate::kernel::{Co, Coroutine, Error, WaitList};

/// The message of the error a broken (aborted or reset) barrier's waiters
/// get: asyncio's `BrokenBarrierError`.
pub const BROKEN_BARRIER: &str = "barrier is broken";

/// Tasks wait until `parties` of them have arrived, then all go on. Clones
/// share it.
///
/// ```
/// use trampoline::{Barrier, Coroutine, Scheduler, gather};
/// let barrier = Barrier::new(3);
/// let all = gather((0..3).map(|_| barrier.wait()).collect());
/// let mut indexes = Scheduler::new().unwrap().run_until_complete(all).unwrap();
/// indexes.sort();
/// assert_eq!(indexes, [0, 1, 2]);
/// ```
#[derive(Clone)]
pub struct Barrier {
    inner: Rc<BarrierInner>,
}

/// asyncio's `_BarrierState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Taking arrivals.
    Filling,
    /// Full: the released tasks are leaving; arrivals wait.
    Draining,
    /// Reset while tasks waited: they are leaving broken; arrivals wait.
    Resetting,
    /// Aborted: every wait fails until a reset.
    Broken,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Filling => "filling",
            State::Draining => "draining",
            State::Resetting => "resetting",
            State::Broken => "broken",
        }
    }
}

struct BarrierInner {
    parties: usize,
    /// Tasks inside `wait`: arrived this round, or released (or reset) and
    /// not yet gone.
    count: Cell<usize>,
    state: Cell<State>,
    /// Everyone parked on the barrier: waiting to be released, or to get in.
    waiters: WaitList,
}

impl Barrier {
    /// A barrier for `parties` tasks. Panics if `parties` is 0 (asyncio's
    /// `ValueError`).
    ///
    /// ```
    /// assert_eq!(trampoline::Barrier::new(2).parties(), 2);
    /// ```
    pub fn new(parties: usize) -> Self {
        assert!(parties > 0, "a barrier needs at least one party");
        Barrier {
            inner: Rc::new(BarrierInner {
                parties,
                count: Cell::new(0),
                state: Cell::new(State::Filling),
                waiters: WaitList::default(),
            }),
        }
    }

    /// How many tasks it waits for.
    ///
    /// ```
    /// assert_eq!(trampoline::Barrier::new(4).parties(), 4);
    /// ```
    pub fn parties(&self) -> usize {
        self.inner.parties
    }

    /// How many tasks wait to be released now (asyncio's `n_waiting`): 0
    /// while it drains, resets or is broken.
    ///
    /// ```
    /// assert_eq!(trampoline::Barrier::new(4).n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> usize {
        match self.inner.state.get() {
            State::Filling => self.inner.count.get(),
            _ => 0,
        }
    }

    /// Whether it was aborted.
    ///
    /// ```
    /// let b = trampoline::Barrier::new(2);
    /// b.abort();
    /// assert!(b.broken());
    /// ```
    pub fn broken(&self) -> bool {
        self.inner.state.get() == State::Broken
    }

    /// Whether the tasks its last round released are still leaving
    /// (asyncio's draining state): a task arriving now waits until they
    /// have all gone, then starts the next round.
    ///
    /// ```
    /// use trampoline::{Barrier, Coroutine, Scheduler};
    /// let barrier = Barrier::new(2);
    /// let b = barrier.clone();
    /// let main = Coroutine::new(move |co| async move {
    ///     let first = co.spawn(b.wait()).await?;
    ///     co.sleep(std::time::Duration::ZERO).await?; // it waits
    ///     let index = co.call(b.wait()).await?; // the last party: releases it
    ///     let draining = b.draining(); // `first` has not run yet
    ///     co.join(first).await?;
    ///     Ok((index, draining, b.draining()))
    /// });
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), (1, true, false));
    /// ```
    pub fn draining(&self) -> bool {
        self.inner.state.get() == State::Draining
    }

    /// A coroutine that waits until all parties have arrived; returns the
    /// order it arrived in this round, from 0. A task that arrives while the
    /// barrier drains or resets first waits for that to end. Fails with
    /// [`BROKEN_BARRIER`] if the barrier is aborted, or reset before this
    /// task has left it.
    ///
    /// ```
    /// let b = trampoline::Barrier::new(1);
    /// assert_eq!(trampoline::Scheduler::new().unwrap().run_until_complete(b.wait()).unwrap(), 0);
    /// ```
    pub fn wait(&self) -> Coroutine<usize> {
        let barrier = self.clone();
        Coroutine::new(move |co| async move {
            let inner = &barrier.inner;
            while matches!(inner.state.get(), State::Draining | State::Resetting) {
                co.wait_on(&inner.waiters, None).await?;
            }
            if inner.state.get() == State::Broken {
                return Err(Error::msg(BROKEN_BARRIER));
            }
            let index = inner.count.get();
            inner.count.set(index + 1);
            let outcome = if index + 1 == inner.parties {
                inner.state.set(State::Draining);
                inner.waiters.wake_all();
                Ok(index)
            } else {
                barrier.released(&co).await.map(|()| index)
            };
            barrier.leave();
            outcome
        })
        .named("barrier_wait")
    }

    /// Waits until the round is over: released, reset or broken.
    async fn released(&self, co: &Co) -> Result<(), Error> {
        let inner = &self.inner;
        while inner.state.get() == State::Filling {
            co.wait_on(&inner.waiters, None).await?;
        }
        match inner.state.get() {
            State::Broken | State::Resetting => Err(Error::msg(BROKEN_BARRIER)),
            State::Filling | State::Draining => Ok(()),
        }
    }

    /// A task leaves `wait`: the last one out ends the draining or the
    /// reset, and lets the tasks held at the door in.
    fn leave(&self) {
        let inner = &self.inner;
        let count = inner.count.get() - 1;
        inner.count.set(count);
        if count == 0 {
            if matches!(inner.state.get(), State::Draining | State::Resetting) {
                inner.state.set(State::Filling);
            }
            inner.waiters.wake_all();
        }
    }

    /// Sends the tasks waiting now away with [`BROKEN_BARRIER`]; the barrier
    /// takes new arrivals again once they have left (asyncio's resetting
    /// state), at once if none waited. Also mends an aborted barrier.
    ///
    /// ```
    /// let b = trampoline::Barrier::new(2);
    /// b.abort();
    /// b.reset();
    /// assert!(!b.broken());
    /// ```
    pub fn reset(&self) {
        let inner = &self.inner;
        let state = if inner.count.get() > 0 {
            State::Resetting
        } else {
            State::Filling
        };
        inner.state.set(state);
        inner.waiters.wake_all();
    }

    /// Breaks the barrier: its waiters, and every later `wait`, fail with
    /// [`BROKEN_BARRIER`] until it is [`reset`](Self::reset).
    ///
    /// ```
    /// let b = trampoline::Barrier::new(2);
    /// b.abort();
    /// assert!(trampoline::Scheduler::new().unwrap().run_until_complete(b.wait()).is_err());
    /// ```
    pub fn abort(&self) {
        let inner = &self.inner;
        inner.state.set(State::Broken);
        inner.waiters.wake_all();
    }
}

/// `Barrier[filling, waiters:2/5]`, `Barrier[draining, waiters:0/5]`, or
/// `Barrier[broken]`, as asyncio's repr.
///
/// ```
/// let b = trampoline::Barrier::new(5);
/// assert_eq!(format!("{b:?}"), "Barrier[filling, waiters:0/5]");
/// b.abort();
/// assert_eq!(format!("{b:?}"), "Barrier[broken]");
/// ```
impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state.get();
        write!(f, "Barrier[{}", state.name())?;
        if state != State::Broken {
            write!(f, ", waiters:{}/{}", self.n_waiting(), self.parties())?;
        }
        f.write_str("]")
    }
}
