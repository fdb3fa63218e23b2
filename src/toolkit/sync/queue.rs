//! [`Queue`]: asyncio's `Queue`, `LifoQueue` and `PriorityQueue` in one type
//! (they differ only in which item comes out next), with `task_done`/`join`
//! and `shutdown`.

use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;
use std::rc::Rc;

use super::Event;
use crate::kernel::WaitList;
use crate::kernel::{Coroutine, Error};

/// Why a queue operation could not be done.
///
/// ```
/// use trampoline::{Queue, QueueError};
/// let queue = Queue::with_maxsize(1);
/// assert_eq!(queue.get_nowait(), Err(QueueError::Empty));
/// queue.put_nowait(1).unwrap();
/// assert_eq!(queue.put_nowait(2).unwrap_err().to_string(), "queue is full");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// `put_nowait` on a queue holding `maxsize` items (asyncio's `QueueFull`).
    #[error("queue is full")]
    Full,
    /// `get_nowait` on an empty queue (asyncio's `QueueEmpty`).
    #[error("queue is empty")]
    Empty,
    /// A put after [`Queue::shutdown`], or a get once a shut-down queue is
    /// empty (asyncio's `QueueShutDown`). The waiting `put`/`get` fail with
    /// an [`Error`] carrying this message.
    #[error("queue is shut down")]
    ShutDown,
    /// `task_done` called more times than items were put (asyncio's
    /// `ValueError`).
    #[error("task_done() called too many times")]
    TooManyTaskDone,
}

/// Which item comes out next: the three asyncio queues.
trait Store<T> {
    fn push(&mut self, item: T);
    fn pop(&mut self) -> Option<T>;
    fn len(&self) -> usize;
}

/// First in, first out (`Queue`).
impl<T> Store<T> for VecDeque<T> {
    fn push(&mut self, item: T) {
        self.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.pop_front()
    }
    fn len(&self) -> usize {
        VecDeque::len(self)
    }
}

/// Last in, first out (`LifoQueue`).
impl<T> Store<T> for Vec<T> {
    fn push(&mut self, item: T) {
        Vec::push(self, item);
    }
    fn pop(&mut self) -> Option<T> {
        Vec::pop(self)
    }
    fn len(&self) -> usize {
        Vec::len(self)
    }
}

/// Smallest first (`PriorityQueue`).
impl<T: Ord> Store<T> for BinaryHeap<Reverse<T>> {
    fn push(&mut self, item: T) {
        BinaryHeap::push(self, Reverse(item));
    }
    fn pop(&mut self) -> Option<T> {
        BinaryHeap::pop(self).map(|Reverse(item)| item)
    }
    fn len(&self) -> usize {
        BinaryHeap::len(self)
    }
}

/// A queue between tasks, unbounded or holding at most `maxsize` items:
/// first in first out ([`new`](Self::new)), last in first out
/// ([`lifo`](Self::lifo)) or smallest first ([`priority`](Self::priority)).
/// Clones share the queue.
///
/// As in asyncio, there is no hand-off: a task that arrives while others
/// wait can take an item before the woken one runs; the woken task then
/// waits again, at the back.
///
/// ```
/// use trampoline::{Coroutine, Queue, QueueError, Scheduler};
///
/// let queue = Queue::new();
/// queue.put_nowait("foo").unwrap();
/// assert_eq!(queue.len(), 1);
/// assert_eq!(queue.get_nowait(), Ok("foo"));
/// assert_eq!(queue.get_nowait(), Err(QueueError::Empty));
///
/// let q = queue.clone();
/// let main = Coroutine::new(move |co| async move {
///     let getter = co.spawn(q.get()).await?;
///     co.sleep(std::time::Duration::ZERO).await?;
///     q.put_nowait("bar").unwrap();
///     co.join(getter).await
/// });
/// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), "bar");
/// ```
pub struct Queue<T> {
    inner: Rc<QueueInner<T>>,
}

struct QueueInner<T> {
    items: RefCell<Box<dyn Store<T>>>,
    /// 0: unbounded.
    maxsize: usize,
    getters: WaitList,
    putters: WaitList,
    /// Items put and not yet marked done with `task_done`.
    unfinished: Cell<usize>,
    /// Set when `unfinished` is 0: what `join` waits for.
    finished: Event,
    shut_down: Cell<bool>,
}

impl<T: 'static> Queue<T> {
    /// An unbounded FIFO queue.
    ///
    /// ```
    /// assert!(trampoline::Queue::<u8>::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::with_maxsize(0)
    }

    /// A FIFO queue holding at most `maxsize` items; `0` means unbounded, as
    /// in asyncio.
    ///
    /// ```
    /// use trampoline::{Queue, QueueError};
    /// let queue = Queue::with_maxsize(1);
    /// queue.put_nowait(1).unwrap();
    /// assert_eq!(queue.put_nowait(2), Err(QueueError::Full));
    /// ```
    pub fn with_maxsize(maxsize: usize) -> Self {
        Self::with_store(Box::new(VecDeque::new()), maxsize)
    }

    /// A last-in-first-out queue (asyncio's `LifoQueue`).
    ///
    /// ```
    /// let q = trampoline::Queue::lifo(0);
    /// for i in [1, 3, 2] { q.put_nowait(i).unwrap(); }
    /// assert_eq!([q.get_nowait(), q.get_nowait(), q.get_nowait()], [Ok(2), Ok(3), Ok(1)]);
    /// ```
    pub fn lifo(maxsize: usize) -> Self {
        Self::with_store(Box::new(Vec::new()), maxsize)
    }

    /// A queue that gives the smallest item first (asyncio's
    /// `PriorityQueue`; put `(priority, item)` tuples to order by priority).
    ///
    /// ```
    /// let q = trampoline::Queue::priority(0);
    /// for i in [1, 3, 2] { q.put_nowait(i).unwrap(); }
    /// assert_eq!([q.get_nowait(), q.get_nowait(), q.get_nowait()], [Ok(1), Ok(2), Ok(3)]);
    /// ```
    pub fn priority(maxsize: usize) -> Self
    where
        T: Ord,
    {
        Self::with_store(Box::new(BinaryHeap::new()), maxsize)
    }

    fn with_store(items: Box<dyn Store<T>>, maxsize: usize) -> Self {
        let finished = Event::new();
        finished.set();
        Queue {
            inner: Rc::new(QueueInner {
                items: RefCell::new(items),
                maxsize,
                getters: WaitList::default(),
                putters: WaitList::default(),
                unfinished: Cell::new(0),
                finished,
                shut_down: Cell::new(false),
            }),
        }
    }

    /// The most items it holds; 0 for unbounded.
    ///
    /// ```
    /// assert_eq!(trampoline::Queue::<u8>::with_maxsize(2).maxsize(), 2);
    /// ```
    pub fn maxsize(&self) -> usize {
        self.inner.maxsize
    }

    /// How many items are in the queue (asyncio's `qsize`).
    ///
    /// ```
    /// assert_eq!(trampoline::Queue::<u8>::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.inner.items.borrow().len()
    }

    /// Whether the queue holds no item.
    ///
    /// ```
    /// assert!(trampoline::Queue::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the queue holds `maxsize` items (never, if unbounded).
    ///
    /// ```
    /// assert!(!trampoline::Queue::<u8>::new().is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.inner.maxsize > 0 && self.len() >= self.inner.maxsize
    }

    /// Adds `item` now, or fails with [`QueueError::Full`] (or `ShutDown`),
    /// dropping it. Wakes a task waiting in [`get`](Self::get).
    ///
    /// ```
    /// trampoline::Queue::new().put_nowait('x').unwrap();
    /// ```
    pub fn put_nowait(&self, item: T) -> Result<(), QueueError> {
        if self.inner.shut_down.get() {
            return Err(QueueError::ShutDown);
        }
        if self.is_full() {
            return Err(QueueError::Full);
        }
        self.inner.items.borrow_mut().push(item);
        self.inner.unfinished.set(self.inner.unfinished.get() + 1);
        self.inner.finished.clear();
        self.inner.getters.wake_one();
        Ok(())
    }

    /// Takes the next item now, or fails with [`QueueError::Empty`] (or
    /// `ShutDown`, once a shut-down queue is empty). Wakes a task waiting in
    /// [`put`](Self::put).
    ///
    /// ```
    /// let q = trampoline::Queue::<u8>::new();
    /// assert_eq!(q.get_nowait(), Err(trampoline::QueueError::Empty));
    /// ```
    pub fn get_nowait(&self) -> Result<T, QueueError> {
        let item = self.inner.items.borrow_mut().pop();
        match item {
            Some(item) => {
                self.inner.putters.wake_one();
                Ok(item)
            }
            None if self.inner.shut_down.get() => Err(QueueError::ShutDown),
            None => Err(QueueError::Empty),
        }
    }

    /// A coroutine that takes the next item, waiting for one if the queue
    /// is empty. Fails once the queue is shut down and empty.
    ///
    /// ```
    /// use trampoline::{Coroutine, Queue, Scheduler};
    /// let queue = Queue::new();
    /// queue.put_nowait("foo").unwrap();
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(queue.get()).unwrap(), "foo");
    /// ```
    pub fn get(&self) -> Coroutine<T> {
        let queue = self.clone();
        Coroutine::new(move |co| async move {
            loop {
                match queue.get_nowait() {
                    Ok(item) => return Ok(item),
                    Err(QueueError::ShutDown) => return Err(shut_down()),
                    Err(_) => {}
                }
                if let Err(error) = co.wait_on(&queue.inner.getters, None).await {
                    // We may have been woken for an item we will not take.
                    if !queue.is_empty() {
                        queue.inner.getters.wake_one();
                    }
                    return Err(error);
                }
            }
        })
        .named("get")
    }

    /// A coroutine that adds `item`, waiting while the queue is full. Fails
    /// if the queue is (or gets) shut down.
    ///
    /// ```
    /// use trampoline::{Coroutine, Queue, Scheduler};
    /// let queue = Queue::with_maxsize(1);
    /// let q = queue.clone();
    /// let main = Coroutine::new(move |co| async move {
    ///     co.call(q.put(1)).await?;
    ///     let second = co.spawn(q.put(2)).await?;
    ///     co.sleep(std::time::Duration::ZERO).await?;
    ///     let first = q.get_nowait().unwrap();
    ///     co.join(second).await?;
    ///     Ok((first, q.get_nowait().unwrap()))
    /// });
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), (1, 2));
    /// ```
    pub fn put(&self, item: T) -> Coroutine<()> {
        let queue = self.clone();
        Coroutine::new(move |co| async move {
            while queue.is_full() && !queue.inner.shut_down.get() {
                if let Err(error) = co.wait_on(&queue.inner.putters, None).await {
                    if !queue.is_full() {
                        queue.inner.putters.wake_one();
                    }
                    return Err(error);
                }
            }
            queue.put_nowait(item).map_err(|_| shut_down())
        })
        .named("put")
    }

    /// Marks one item taken with `get` as processed; when every item put
    /// is, [`join`](Self::join) returns. Fails if called more times than
    /// items were put.
    ///
    /// ```
    /// let q = trampoline::Queue::new();
    /// q.put_nowait(1).unwrap();
    /// q.get_nowait().unwrap();
    /// assert!(q.task_done().is_ok());
    /// assert!(q.task_done().is_err());
    /// ```
    pub fn task_done(&self) -> Result<(), QueueError> {
        let unfinished = self.inner.unfinished.get();
        if unfinished == 0 {
            return Err(QueueError::TooManyTaskDone);
        }
        self.inner.unfinished.set(unfinished - 1);
        if unfinished == 1 {
            self.inner.finished.set();
        }
        Ok(())
    }

    /// A coroutine that returns once every item put has been marked done
    /// with [`task_done`](Self::task_done).
    ///
    /// ```
    /// let q = trampoline::Queue::<u8>::new();
    /// trampoline::Scheduler::new().unwrap().run_until_complete(q.join()).unwrap();
    /// ```
    pub fn join(&self) -> Coroutine<()> {
        self.inner.finished.wait().named("join")
    }

    /// Shuts the queue down: puts fail from now on, and gets once it is
    /// empty; the tasks waiting in `put` (and in `get`, if it is empty) are
    /// woken to fail. `immediate` also drops the items left, each counting as
    /// done for [`join`](Self::join).
    ///
    /// ```
    /// use trampoline::{Queue, QueueError};
    /// let q = Queue::new();
    /// q.put_nowait(1).unwrap();
    /// q.shutdown(false);
    /// assert_eq!(q.put_nowait(2), Err(QueueError::ShutDown));
    /// assert_eq!(q.get_nowait(), Ok(1));
    /// assert_eq!(q.get_nowait(), Err(QueueError::ShutDown));
    /// ```
    pub fn shutdown(&self, immediate: bool) {
        self.inner.shut_down.set(true);
        if immediate {
            while self.inner.items.borrow_mut().pop().is_some() {
                let _ = self.task_done();
            }
        }
        self.inner.getters.wake_all();
        self.inner.putters.wake_all();
    }

    /// Whether [`shutdown`](Self::shutdown) was called.
    ///
    /// ```
    /// let q = trampoline::Queue::<u8>::new();
    /// q.shutdown(true);
    /// assert!(q.is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        self.inner.shut_down.get()
    }
}

/// The error a waiting `get` or `put` of a shut-down queue fails with.
fn shut_down() -> Error {
    Error::msg(QueueError::ShutDown.to_string())
}

impl<T: 'static> Default for Queue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Queue {
            inner: self.inner.clone(),
        }
    }
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("len", &self.inner.items.borrow().len())
            .field("maxsize", &self.inner.maxsize)
            .field("getters", &self.inner.getters)
            .field("putters", &self.inner.putters)
            .field("unfinished", &self.inner.unfinished.get())
            .field("shut_down", &self.inner.shut_down.get())
            .finish()
    }
}
