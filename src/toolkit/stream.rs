//! Generators of values: a coroutine that *emits* values to a consumer, one
//! at a time, like the seed's `async def prime_generator(): ... yield n`
//! consumed with `async for`.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::Deref;
use std::rc::Rc;

use crate::kernel::thrown;
use crate::kernel::{
    Co, Coroutine, Error, Frame, Label, LoopEvent, Resume, SystemCall, Trampoline, Value,
};

/// A generator of `T`s, consumed with [`Co::next`].
///
/// A [`Stream`] and its generator share a slot holding the suspended
/// generator frame. [`Co::next`] yields the system call `Next(slot)`: the
/// trampoline takes the frame out and pushes it on the consumer's own stack
/// and runs it; the generator can sleep, call sub-coroutines and be
/// cancelled like any frame. [`Yielder::emit`] puts its value in the slot
/// and yields `Emit(slot)`: the trampoline lifts the frame off, *without
/// dropping it*, puts it back in the slot, and resumes the consumer, which
/// takes the value. When the generator returns, it is popped like any callee
/// and `next` gives `None`. No extra task, no channel: the trampoline moves
/// one frame on and off a stack. (The slot travels by pointer so that
/// `Command` and `Resume`, which every coroutine call moves through
/// genawaiter, stay small.)
///
/// ```
/// use trampoline::{Coroutine, Scheduler, Stream};
///
/// fn countdown(from: u64) -> Stream<u64> {
///     Stream::new(move |y| async move {
///         for n in (1..=from).rev() {
///             y.emit(n).await?;
///         }
///         Ok(())
///     })
/// }
///
/// let main = Coroutine::new(|co| async move {
///     let mut seen = Vec::new();
///     let mut numbers = countdown(3);
///     while let Some(n) = co.next(&mut numbers).await? {
///         seen.push(n);
///     }
///     Ok(seen)
/// });
/// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), [3, 2, 1]);
/// ```
pub struct Stream<T> {
    slot: Rc<Slot>,
    emits: PhantomData<fn() -> T>,
}

/// What a stream and its generator share.
#[derive(Default)]
pub(crate) struct Slot {
    /// The generator, when it is not running on the consumer's stack;
    /// `None` while it runs, and for good once it has returned or failed.
    frame: Cell<Option<Frame>>,
    /// The value just emitted, for the consumer to take.
    value: Cell<Option<Value>>,
    /// The generator was resumed before: it is answered `Woke`, not `Start`.
    started: Cell<bool>,
}

impl<T: 'static> Stream<T> {
    /// Makes a stream from a body that gets a [`Yielder`] (a `Co` that can
    /// also emit) and returns when there is nothing more to emit.
    ///
    /// ```
    /// let empty = trampoline::Stream::<u8>::new(|_y| async { Ok(()) });
    /// assert!(!empty.is_finished());
    /// ```
    pub fn new<B, F>(body: B) -> Self
    where
        B: FnOnce(Yielder<T>) -> F + 'static,
        F: Future<Output = Result<(), Error>> + 'static,
    {
        let label = Label::of_closure::<B>();
        let slot = Rc::new(Slot::default());
        let yielder_slot = slot.clone();
        let coroutine = Coroutine::new(move |co| {
            body(Yielder {
                co,
                slot: yielder_slot,
                emits: PhantomData,
            })
        });
        let mut frame = coroutine.into_frame();
        frame.set_label(label);
        slot.frame.set(Some(frame));
        Stream {
            slot,
            emits: PhantomData,
        }
    }

    /// Whether the generator has returned or failed: `next` gives `None`.
    ///
    /// ```
    /// let s = trampoline::Stream::<u8>::new(|_y| async { Ok(()) });
    /// assert!(!s.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        let frame = self.slot.frame.take();
        let finished = frame.is_none();
        self.slot.frame.set(frame);
        finished
    }
}

impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Slot")
    }
}

impl<T> Drop for Stream<T> {
    /// The suspended generator holds the slot too (in its `Yielder`): drop
    /// it now, or the two would keep each other alive.
    fn drop(&mut self) {
        drop(self.slot.frame.take());
    }
}

impl<T> fmt::Debug for Stream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let frame = self.slot.frame.take();
        let shown = match &frame {
            Some(frame) => write!(f, "Stream({})", frame.label()),
            None => f.write_str("Stream(finished)"),
        };
        self.slot.frame.set(frame);
        shown
    }
}

/// The handle a stream's body gets: everything [`Co`] does (it derefs to
/// it), plus `emit`.
///
/// ```
/// use std::time::Duration;
/// use trampoline::Stream;
/// let ticks = Stream::new(|y| async move {
///     for n in 0..3u64 {
///         y.sleep(Duration::from_secs(1)).await?; // a `Co` method
///         y.emit(n).await?;
///     }
///     Ok(())
/// });
/// ```
pub struct Yielder<T> {
    co: Co,
    slot: Rc<Slot>,
    emits: PhantomData<fn(T)>,
}

impl<T: 'static> Yielder<T> {
    /// Hands `value` to the consumer and waits until it asks for the next.
    ///
    /// ```
    /// let one = trampoline::Stream::new(|y| async move { y.emit(1u8).await });
    /// ```
    pub async fn emit(&self, value: T) -> Result<(), Error> {
        self.slot.value.set(Some(Value::new(value)));
        match self.co.apply(Emit(self.slot.clone())).await {
            Resume::Woke => Ok(()),
            resume => Err(thrown("emit", resume)),
        }
    }
}

impl<T> Deref for Yielder<T> {
    type Target = Co;

    fn deref(&self) -> &Co {
        &self.co
    }
}

impl<T> fmt::Debug for Yielder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Yielder")
    }
}

impl Co {
    /// The stream's next value, `None` once its generator has returned. The
    /// generator runs on this task's stack until it emits; its error comes
    /// back here as `Err` and ends the stream.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler, Stream};
    /// let main = Coroutine::new(|co| async move {
    ///     let mut s = Stream::new(|y| async move { y.emit("only").await });
    ///     Ok((co.next(&mut s).await?, co.next(&mut s).await?))
    /// });
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), (Some("only"), None));
    /// ```
    pub async fn next<T: 'static>(&self, stream: &mut Stream<T>) -> Result<Option<T>, Error> {
        if stream.is_finished() {
            return Ok(None);
        }
        match self.apply(Next(stream.slot.clone())).await {
            Resume::Woke => {
                let value = stream
                    .slot
                    .value
                    .take()
                    .expect("BUG: an emit leaves its value");
                Ok(Some(value.take()))
            }
            Resume::Returned(_) => Ok(None),
            resume => Err(thrown("next", resume)),
        }
    }
}

/// `co.next(stream)`: the generator goes on top of the consumer's stack.
/// Observers see a call, as for `Command::Call`.
#[derive(Debug)]
struct Next(Rc<Slot>);

impl SystemCall for Next {
    fn apply(self: Box<Self>, trampoline: &mut Trampoline, key: usize) -> Option<Resume> {
        let frame = self
            .0
            .frame
            .take()
            .expect("BUG: `next` checked the stream is not finished");
        trampoline.push(key, frame);
        Some(if self.0.started.replace(true) {
            Resume::Woke
        } else {
            Resume::Start
        })
    }
}

/// `yielder.emit(value)`: the generator leaves the stack, alive, back into
/// its slot; the consumer is resumed and takes the value from there.
#[derive(Debug)]
struct Emit(Rc<Slot>);

impl SystemCall for Emit {
    /// Takes the generator's frame off the consumer's stack *alive* (a pop
    /// would drop it), back to its slot; observers see a return. The root
    /// of a task is nobody's stream.
    fn apply(self: Box<Self>, trampoline: &mut Trampoline, key: usize) -> Option<Resume> {
        let task = &mut trampoline.tasks[key];
        let depth = task.stack.len();
        if depth == 1 {
            let error = Error::msg("emit outside a stream: nobody is consuming");
            return Some(Resume::Failed(error));
        }
        let frame = task.stack.pop().expect("BUG: the stack is two deep");
        let (task, label) = (task.id, frame.label());
        self.0.frame.set(Some(frame));
        if trampoline.observers.calls {
            trampoline.emit(|| LoopEvent::Returned { task, label, depth });
        }
        Some(Resume::Woke)
    }
}
