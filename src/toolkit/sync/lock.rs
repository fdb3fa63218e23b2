//! [`Lock`] and [`Condition`], as asyncio has them: `acquire` is a
//! coroutine, `release` plain code, and waiters are served first come,
//! first served (the [`Fifo`] line of `mod.rs`). [`Lock::lock`] gives a
//! guard that releases on drop: asyncio's `async with lock`.

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

use super::Fifo;
use crate::kernel::{Coroutine, Error};

/// A mutual-exclusion lock for tasks. Clones share it.
///
/// ```
/// use trampoline::{Coroutine, Lock, Scheduler};
/// let lock = Lock::new();
/// let l = lock.clone();
/// let main = Coroutine::new(move |co| async move {
///     let guard = co.call(l.lock()).await?;
///     let held = l.locked();
///     drop(guard);
///     Ok((held, l.locked()))
/// });
/// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), (true, false));
/// ```
#[derive(Clone, Default)]
pub struct Lock {
    inner: Rc<LockInner>,
}

#[derive(Default)]
struct LockInner {
    locked: Cell<bool>,
    waiters: Fifo,
}

/// Holds a [`Lock`] until dropped (also when its task is cancelled).
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard {
    lock: Lock,
}

impl Lock {
    /// An unlocked lock.
    ///
    /// ```
    /// assert!(!trampoline::Lock::new().locked());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether some task holds the lock.
    ///
    /// ```
    /// assert!(!trampoline::Lock::new().locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.inner.locked.get()
    }

    /// A coroutine that takes the lock, waiting behind the tasks already
    /// waiting; returns `true` as asyncio's does. Give it back with
    /// [`release`](Self::release).
    ///
    /// ```
    /// let lock = trampoline::Lock::new();
    /// let got = trampoline::Scheduler::new().unwrap().run_until_complete(lock.acquire()).unwrap();
    /// assert!(got && lock.locked());
    /// lock.release().unwrap();
    /// ```
    pub fn acquire(&self) -> Coroutine<bool> {
        let lock = self.clone();
        Coroutine::new(move |co| async move {
            let inner = &lock.inner;
            if !inner.locked.get() && inner.waiters.len() == 0 {
                inner.locked.set(true);
                return Ok(true);
            }
            if let Err((error, _)) = inner.waiters.wait(&co).await {
                // Woken or not, make sure the next waiter runs if the lock is free.
                if !inner.locked.get() {
                    inner.waiters.grant_first();
                }
                return Err(error);
            }
            inner.locked.set(true);
            Ok(true)
        })
        .named("acquire")
    }

    /// Releases the lock and wakes the longest-waiting task; an error if it
    /// was not locked (asyncio's `RuntimeError`).
    ///
    /// ```
    /// assert!(trampoline::Lock::new().release().is_err());
    /// ```
    pub fn release(&self) -> Result<(), Error> {
        if !self.inner.locked.replace(false) {
            return Err(Error::msg("Lock is not acquired."));
        }
        self.inner.waiters.grant_first();
        Ok(())
    }

    /// A coroutine that takes the lock and returns a guard releasing it when
    /// dropped: asyncio's `async with lock:`.
    ///
    /// ```
    /// let lock = trampoline::Lock::new();
    /// let guard = trampoline::Scheduler::new().unwrap().run_until_complete(lock.lock()).unwrap();
    /// assert!(lock.locked());
    /// drop(guard);
    /// assert!(!lock.locked());
    /// ```
    pub fn lock(&self) -> Coroutine<LockGuard> {
        let lock = self.clone();
        Coroutine::new(move |co| async move {
            co.call(lock.acquire()).await?;
            Ok(LockGuard { lock })
        })
        .named("lock")
    }

    /// How many tasks wait for the lock.
    fn waiting(&self) -> usize {
        self.inner.waiters.len()
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = self.lock.release();
    }
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.locked() { "locked" } else { "unlocked" };
        write!(f, "Lock[{state}, waiters:{}]", self.waiting())
    }
}

impl fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LockGuard")
    }
}

/// A condition variable: tasks holding its [`Lock`] wait until another
/// notifies them. Clones share it.
///
/// ```
/// use std::time::Duration;
/// use trampoline::{Condition, Coroutine, Scheduler};
/// let cond = Condition::new();
/// let c = cond.clone();
/// let main = Coroutine::new(move |co| async move {
///     let c2 = c.clone();
///     let waiter = co.spawn(Coroutine::new(move |co| async move {
///         co.call(c2.acquire()).await?;
///         co.call(c2.wait()).await?;
///         c2.release()
///     })).await?;
///     co.sleep(Duration::ZERO).await?;
///     co.call(c.acquire()).await?;
///     c.notify(1)?;
///     c.release()?;
///     co.join(waiter).await
/// });
/// Scheduler::new().unwrap().run_until_complete(main).unwrap();
/// ```
#[derive(Clone, Default)]
pub struct Condition {
    lock: Lock,
    waiters: Rc<Fifo>,
}

impl Condition {
    /// A condition with a lock of its own.
    ///
    /// ```
    /// assert!(!trampoline::Condition::new().locked());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A condition on `lock`, shared with whoever else holds it.
    ///
    /// ```
    /// let lock = trampoline::Lock::new();
    /// let cond = trampoline::Condition::with_lock(lock.clone());
    /// assert!(!cond.locked());
    /// ```
    pub fn with_lock(lock: Lock) -> Self {
        Condition {
            lock,
            waiters: Rc::default(),
        }
    }

    /// Whether its lock is held.
    ///
    /// ```
    /// assert!(!trampoline::Condition::new().locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.lock.locked()
    }

    /// [`Lock::acquire`] on its lock.
    ///
    /// ```
    /// let c = trampoline::Condition::new();
    /// trampoline::Scheduler::new().unwrap().run_until_complete(c.acquire()).unwrap();
    /// assert!(c.locked());
    /// ```
    pub fn acquire(&self) -> Coroutine<bool> {
        self.lock.acquire()
    }

    /// [`Lock::release`] on its lock.
    ///
    /// ```
    /// assert!(trampoline::Condition::new().release().is_err());
    /// ```
    pub fn release(&self) -> Result<(), Error> {
        self.lock.release()
    }

    /// A coroutine that releases the lock, waits to be notified, and takes
    /// the lock again before returning (also when cancelled: the lock is
    /// held again when the error comes out). Fails at once if the lock is
    /// not held.
    ///
    /// ```
    /// let c = trampoline::Condition::new();
    /// assert!(trampoline::Scheduler::new().unwrap().run_until_complete(c.wait()).is_err());
    /// ```
    pub fn wait(&self) -> Coroutine<bool> {
        let cond = self.clone();
        Coroutine::new(move |co| async move {
            if !cond.locked() {
                return Err(Error::msg("cannot wait on un-acquired lock"));
            }
            cond.release()?;
            let waited = cond.waiters.wait(&co).await;
            // Take the lock back, however many cancels come meanwhile.
            let mut cancelled = None;
            while let Err(error) = co.call(cond.lock.acquire()).await {
                cancelled.get_or_insert(error);
            }
            if let Err((_, true)) = &waited {
                // Notified, but cancelled before it ran: pass the notify on.
                cond.waiters.grant_next();
            }
            match (waited, cancelled) {
                (Err((error, _)), _) | (Ok(()), Some(error)) => Err(error),
                (Ok(()), None) => Ok(true),
            }
        })
        .named("wait")
    }

    /// A coroutine that waits until `predicate` is true, checking it first
    /// and after each wake-up; returns its last value. The lock must be held
    /// if it has to wait.
    ///
    /// ```
    /// let c = trampoline::Condition::new();
    /// let got = trampoline::Scheduler::new().unwrap().run_until_complete(c.wait_for(|| 3)).unwrap();
    /// assert_eq!(got, 3);
    /// ```
    pub fn wait_for<R: Default + PartialEq + 'static>(
        &self,
        mut predicate: impl FnMut() -> R + 'static,
    ) -> Coroutine<R> {
        let cond = self.clone();
        Coroutine::new(move |co| async move {
            loop {
                let result = predicate();
                if result != R::default() {
                    return Ok(result);
                }
                co.call(cond.wait()).await?;
            }
        })
        .named("wait_for")
    }

    /// Wakes up to `n` waiting tasks; an error if the lock is not held.
    ///
    /// ```
    /// assert!(trampoline::Condition::new().notify(1).is_err());
    /// ```
    pub fn notify(&self, n: usize) -> Result<(), Error> {
        if !self.locked() {
            return Err(Error::msg("cannot notify on un-acquired lock"));
        }
        for _ in 0..n {
            if !self.waiters.grant_next() {
                break;
            }
        }
        Ok(())
    }

    /// Wakes every waiting task; an error if the lock is not held.
    ///
    /// ```
    /// assert!(trampoline::Condition::new().notify_all().is_err());
    /// ```
    pub fn notify_all(&self) -> Result<(), Error> {
        self.notify(usize::MAX)
    }

    /// How many tasks wait to be notified.
    ///
    /// ```
    /// assert_eq!(trampoline::Condition::new().waiting(), 0);
    /// ```
    pub fn waiting(&self) -> usize {
        self.waiters.len()
    }
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.locked() { "locked" } else { "unlocked" };
        write!(f, "Condition[{state}, waiters:{}]", self.waiting())
    }
}
