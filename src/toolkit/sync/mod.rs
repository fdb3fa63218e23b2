//! Synchronisation between tasks: [`Queue`] (`queue.rs`), [`Semaphore`] and
//! [`BoundedSemaphore`], [`Event`] (this one is `trampoline::sync::Event`),
//! [`Lock`] and [`Condition`] (`lock.rs`), [`Barrier`] (`barrier.rs`).
//! All are plain data plus wait lists (`waitlist.rs`). The `_nowait`
//! and `release`/`set` sides are plain methods usable from anywhere (a
//! callback, another task, before the loop runs); the waiting sides are
//! coroutines that park on a wait list and check their condition again each
//! time they are woken. One thread, so no locks: a `RefCell` borrow never
//! spans a suspension point.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;

use crate::kernel::WaitList;
use crate::kernel::{Co, Coroutine, Error};

mod barrier;
mod lock;
mod queue;

pub use barrier::{BROKEN_BARRIER, Barrier};
pub use lock::{Condition, Lock, LockGuard};
pub use queue::{Queue, QueueError};

/// A counter of permits: at most `n` holders at once. Clones share it.
///
/// First come, first served, as asyncio's: a permit given back goes to the
/// longest-waiting task (handed over, so a newcomer cannot take it first),
/// and while tasks wait, [`try_acquire`](Self::try_acquire) gets nothing.
///
/// ```
/// use trampoline::{Coroutine, Scheduler, Semaphore};
/// let limit = Semaphore::new(2);
/// let l = limit.clone();
/// let main = Coroutine::new(move |co| async move {
///     let a = co.call(l.acquire()).await?;
///     let _b = co.call(l.acquire()).await?;
///     let none_left = l.try_acquire().is_none();
///     drop(a);
///     Ok((none_left, l.available()))
/// });
/// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), (true, 1));
/// ```
#[derive(Clone)]
pub struct Semaphore {
    inner: Rc<SemaphoreInner>,
}

struct SemaphoreInner {
    permits: Cell<usize>,
    /// `Some(n)`: a [`BoundedSemaphore`]'s, never above `n`.
    bound: Option<usize>,
    waiters: Fifo,
}

/// One permit of a [`Semaphore`], given back when dropped (also when the
/// holding task is cancelled and its frames are dropped).
///
/// ```
/// let limit = trampoline::Semaphore::new(1);
/// {
///     let _permit = limit.try_acquire().unwrap();
///     assert_eq!(limit.available(), 0);
/// }
/// assert_eq!(limit.available(), 1);
/// ```
#[must_use = "the permit is given back as soon as it is dropped"]
pub struct Permit {
    semaphore: Semaphore,
}

impl Semaphore {
    /// A semaphore with `permits` permits.
    ///
    /// ```
    /// assert_eq!(trampoline::Semaphore::new(3).available(), 3);
    /// ```
    pub fn new(permits: usize) -> Self {
        Self::with_bound(permits, None)
    }

    fn with_bound(permits: usize, bound: Option<usize>) -> Self {
        Semaphore {
            inner: Rc::new(SemaphoreInner {
                permits: Cell::new(permits),
                bound,
                waiters: Fifo::default(),
            }),
        }
    }

    /// Permits free right now.
    ///
    /// ```
    /// assert_eq!(trampoline::Semaphore::new(1).available(), 1);
    /// ```
    pub fn available(&self) -> usize {
        self.inner.permits.get()
    }

    /// Whether an `acquire` would wait: no permit free, or tasks waiting
    /// already, or handed a permit and not yet run (asyncio's `locked`).
    ///
    /// ```
    /// let s = trampoline::Semaphore::new(1);
    /// let p = s.try_acquire().unwrap();
    /// assert!(s.locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.available() == 0 || self.inner.waiters.len() > 0
    }

    /// A permit if one is free now and nobody waits for one.
    ///
    /// ```
    /// let s = trampoline::Semaphore::new(1);
    /// let p = s.try_acquire().unwrap();
    /// assert!(s.try_acquire().is_none());
    /// drop(p);
    /// assert!(s.try_acquire().is_some());
    /// ```
    pub fn try_acquire(&self) -> Option<Permit> {
        if self.locked() {
            return None;
        }
        self.inner.permits.set(self.available() - 1);
        Some(self.permit())
    }

    fn permit(&self) -> Permit {
        Permit {
            semaphore: self.clone(),
        }
    }

    /// A coroutine that waits for a permit, behind the tasks waiting already.
    ///
    /// ```
    /// let s = trampoline::Semaphore::new(1);
    /// let permit = trampoline::Scheduler::new().unwrap().run_until_complete(s.acquire()).unwrap();
    /// assert_eq!(s.available(), 0);
    /// ```
    pub fn acquire(&self) -> Coroutine<Permit> {
        let semaphore = self.clone();
        Coroutine::new(move |co| async move {
            if let Some(permit) = semaphore.try_acquire() {
                return Ok(permit);
            }
            let waited = semaphore.inner.waiters.wait(&co).await;
            if let Err((_, true)) = &waited {
                // Handed a permit, but cancelled before taking it: give it on.
                semaphore.inner.permits.set(semaphore.available() + 1);
            }
            semaphore.hand_over();
            waited.map_err(|(error, _)| error)?;
            Ok(semaphore.permit())
        })
        .named("acquire")
    }

    /// Gives a permit back without a [`Permit`] (asyncio's `release`): the
    /// other half of [`Permit::forget`]. A [`BoundedSemaphore`] refuses to
    /// go above its bound.
    ///
    /// ```
    /// let s = trampoline::Semaphore::new(0);
    /// s.release().unwrap();
    /// assert_eq!(s.available(), 1);
    /// ```
    pub fn release(&self) -> Result<(), Error> {
        if self
            .inner
            .bound
            .is_some_and(|bound| self.available() >= bound)
        {
            return Err(Error::msg("BoundedSemaphore released too many times"));
        }
        self.inner.permits.set(self.available() + 1);
        self.hand_over();
        Ok(())
    }

    /// Hands the free permits to the longest-waiting tasks.
    fn hand_over(&self) {
        while self.available() > 0 && self.inner.waiters.grant_next() {
            self.inner.permits.set(self.available() - 1);
        }
    }
}

impl Permit {
    /// Keeps the permit taken for good: dropping the result gives nothing
    /// back; [`Semaphore::release`] does, by hand (asyncio's style).
    ///
    /// ```
    /// let s = trampoline::Semaphore::new(1);
    /// s.try_acquire().unwrap().forget();
    /// assert_eq!(s.available(), 0);
    /// s.release().unwrap();
    /// assert_eq!(s.available(), 1);
    /// ```
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let semaphore = &self.semaphore;
        semaphore.inner.permits.set(semaphore.available() + 1);
        semaphore.hand_over();
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available", &self.available())
            .field("waiters", &self.inner.waiters)
            .finish()
    }
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Permit")
    }
}

/// A [`Semaphore`] that refuses to be [`release`](Semaphore::release)d above
/// its initial count (asyncio's `BoundedSemaphore`: a release without an
/// acquire is a bug it catches). Its permits work as any semaphore's.
///
/// ```
/// let s = trampoline::BoundedSemaphore::new(1);
/// assert!(s.release().is_err());
/// s.try_acquire().unwrap().forget();
/// assert!(s.release().is_ok());
/// ```
#[derive(Clone, Debug)]
pub struct BoundedSemaphore(Semaphore);

impl BoundedSemaphore {
    /// A bounded semaphore with `permits` permits, never more.
    ///
    /// ```
    /// assert_eq!(trampoline::BoundedSemaphore::new(2).available(), 2);
    /// ```
    pub fn new(permits: usize) -> Self {
        BoundedSemaphore(Semaphore::with_bound(permits, Some(permits)))
    }
}

impl std::ops::Deref for BoundedSemaphore {
    type Target = Semaphore;
    fn deref(&self) -> &Semaphore {
        &self.0
    }
}

/// A first-come-first-served line of waiting tasks, each with a flag set
/// when it is handed what it waits for (a permit, the lock, a notify):
/// asyncio's deque of waiter futures. A waiter cancelled after it was
/// handed something gets `true` with its error, to give it on.
#[derive(Default)]
pub(crate) struct Fifo {
    slots: RefCell<VecDeque<Rc<Slot>>>,
}

#[derive(Default)]
struct Slot {
    granted: Cell<bool>,
    list: WaitList,
}

impl Fifo {
    /// How many tasks wait (handed something or not).
    pub(crate) fn len(&self) -> usize {
        self.slots.borrow().len()
    }

    /// Hands the first waiter what it waits for, unless it was handed
    /// something already (asyncio's `_wake_up_first`).
    pub(crate) fn grant_first(&self) {
        if let Some(slot) = self.slots.borrow().front()
            && !slot.granted.replace(true)
        {
            slot.list.wake_one();
        }
    }

    /// Hands the next waiter what it waits for and wakes it; `false` if
    /// nobody is left to hand it to.
    pub(crate) fn grant_next(&self) -> bool {
        let slots = self.slots.borrow();
        match slots.iter().find(|slot| !slot.granted.get()) {
            Some(slot) => {
                slot.granted.set(true);
                slot.list.wake_one();
                true
            }
            None => false,
        }
    }

    /// Waits at the back of the line until handed something. On an error
    /// (a cancel), leaves the line and says whether it had been handed
    /// something anyway.
    pub(crate) async fn wait(&self, co: &Co) -> Result<(), (Error, bool)> {
        let slot = Rc::new(Slot::default());
        self.slots.borrow_mut().push_back(slot.clone());
        let mut waited = Ok(());
        while !slot.granted.get() {
            if let Err(error) = co.wait_on(&slot.list, None).await {
                waited = Err((error, slot.granted.get()));
                break;
            }
        }
        self.slots.borrow_mut().retain(|s| !Rc::ptr_eq(s, &slot));
        waited
    }
}

impl fmt::Debug for Fifo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fifo({} waiting)", self.len())
    }
}

/// A flag tasks can wait for. Clones share it.
///
/// ```
/// use trampoline::sync::Event;
/// use trampoline::{Coroutine, Scheduler};
/// let ready = Event::new();
/// let r = ready.clone();
/// let main = Coroutine::new(move |co| async move {
///     let waiter = co.spawn(r.wait()).await?;
///     co.sleep(std::time::Duration::ZERO).await?;
///     r.set();
///     co.join(waiter).await
/// });
/// Scheduler::new().unwrap().run_until_complete(main).unwrap();
/// assert!(ready.is_set());
/// ```
#[derive(Clone, Default)]
pub struct Event {
    inner: Rc<EventInner>,
}

#[derive(Default)]
struct EventInner {
    set: Cell<bool>,
    /// How many times it was set: a waiter returns once this moved, even if
    /// the flag was cleared again before it ran (asyncio wakes them all).
    sets: Cell<u64>,
    waiters: WaitList,
}

impl Event {
    /// An event not set.
    ///
    /// ```
    /// assert!(!trampoline::sync::Event::new().is_set());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the flag and wakes every task waiting for it.
    ///
    /// ```
    /// let e = trampoline::sync::Event::new();
    /// e.set();
    /// assert!(e.is_set());
    /// ```
    pub fn set(&self) {
        if !self.inner.set.replace(true) {
            self.inner.sets.set(self.inner.sets.get() + 1);
            self.inner.waiters.wake_all();
        }
    }

    /// Clears the flag: tasks calling [`wait`](Self::wait) from now on wait.
    ///
    /// ```
    /// let e = trampoline::sync::Event::new();
    /// e.set();
    /// e.clear();
    /// assert!(!e.is_set());
    /// ```
    pub fn clear(&self) {
        self.inner.set.set(false);
    }

    /// Whether the flag is set.
    ///
    /// ```
    /// assert!(!trampoline::sync::Event::new().is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.inner.set.get()
    }

    /// A coroutine that returns once the flag is set. A waiter woken by
    /// [`set`](Self::set) returns even if the flag was cleared before it ran.
    ///
    /// ```
    /// let e = trampoline::sync::Event::new();
    /// e.set();
    /// trampoline::Scheduler::new().unwrap().run_until_complete(e.wait()).unwrap();
    /// ```
    pub fn wait(&self) -> Coroutine<()> {
        let event = self.clone();
        Coroutine::new(move |co| async move {
            if event.is_set() {
                return Ok(());
            }
            let sets = event.inner.sets.get();
            while event.inner.sets.get() == sets {
                co.wait_on(&event.inner.waiters, None).await?;
            }
            Ok(())
        })
        .named("wait")
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("set", &self.is_set())
            .field("waiters", &self.inner.waiters)
            .finish()
    }
}
