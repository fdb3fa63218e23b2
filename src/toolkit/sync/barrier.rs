//! [`Barrier`]: asyncio's (3.11) `Barrier`, without its draining state: a
//! round is over the moment its last party arrives, and the next round can
//! fill at once.

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

use crate::kernel::{Coroutine, Error, WaitList};

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

struct BarrierInner {
    parties: usize,
    /// Tasks waiting in this round.
    count: Cell<usize>,
    /// Rounds completed: a waiter goes on once this moved.
    rounds: Cell<u64>,
    /// Resets: a waiter fails once this moved.
    resets: Cell<u64>,
    broken: Cell<bool>,
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
                rounds: Cell::new(0),
                resets: Cell::new(0),
                broken: Cell::new(false),
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

    /// How many tasks wait now (asyncio's `n_waiting`).
    ///
    /// ```
    /// assert_eq!(trampoline::Barrier::new(4).n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> usize {
        self.inner.count.get()
    }

    /// Whether it was aborted.
    ///
    /// ```
    /// let b = trampoline::Barrier::new(2);
    /// b.abort();
    /// assert!(b.broken());
    /// ```
    pub fn broken(&self) -> bool {
        self.inner.broken.get()
    }

    /// A coroutine that waits until all parties have arrived; returns the
    /// order it arrived in this round, from 0. Fails with
    /// [`BROKEN_BARRIER`] if the barrier is aborted or reset meanwhile.
    ///
    /// ```
    /// let b = trampoline::Barrier::new(1);
    /// assert_eq!(trampoline::Scheduler::new().unwrap().run_until_complete(b.wait()).unwrap(), 0);
    /// ```
    pub fn wait(&self) -> Coroutine<usize> {
        let barrier = self.clone();
        Coroutine::new(move |co| async move {
            let inner = &barrier.inner;
            if inner.broken.get() {
                return Err(Error::msg(BROKEN_BARRIER));
            }
            let index = inner.count.get();
            if index + 1 == inner.parties {
                inner.count.set(0);
                inner.rounds.set(inner.rounds.get() + 1);
                inner.waiters.wake_all();
                return Ok(index);
            }
            inner.count.set(index + 1);
            let (round, resets) = (inner.rounds.get(), inner.resets.get());
            while inner.rounds.get() == round {
                if let Err(error) = co.wait_on(&inner.waiters, None).await {
                    inner.count.set(inner.count.get().saturating_sub(1));
                    return Err(error);
                }
                if inner.broken.get() || inner.resets.get() != resets {
                    return Err(Error::msg(BROKEN_BARRIER));
                }
            }
            Ok(index)
        })
        .named("barrier_wait")
    }

    /// Sends the tasks waiting now away with [`BROKEN_BARRIER`]; the barrier
    /// is usable again, empty.
    ///
    /// ```
    /// let b = trampoline::Barrier::new(2);
    /// b.reset();
    /// assert!(!b.broken());
    /// ```
    pub fn reset(&self) {
        let inner = &self.inner;
        if inner.count.get() > 0 {
            inner.resets.set(inner.resets.get() + 1);
            inner.count.set(0);
            inner.waiters.wake_all();
        }
        inner.broken.set(false);
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
        inner.broken.set(true);
        inner.count.set(0);
        inner.waiters.wake_all();
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.broken() { "broken" } else { "filling" };
        write!(
            f,
            "Barrier[{state}, waiters:{}/{}]",
            self.n_waiting(),
            self.parties()
        )
    }
}
