//! Generators of values: a coroutine that *emits* values to a consumer, one
//! at a time, like the seed's `async def prime_generator(): ... yield n`
//! consumed with `async for`.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::Deref;

use crate::command::{Command, Resume};
use crate::coroutine::{Co, Coroutine, thrown};
use crate::error::Error;
use crate::frame::{Frame, Label};
use crate::observe::Event;
use crate::trampoline::Trampoline;
use crate::value::Value;

/// A generator of `T`s, consumed with [`Co::next`].
///
/// A [`Stream`] holds a suspended generator frame. [`Co::next`] yields
/// `Command::Next`: the trampoline pushes that frame on the consumer's own
/// stack and runs it; the generator can sleep, call sub-coroutines and be
/// cancelled like any frame. When it calls [`Yielder::emit`]
/// (`Command::Emit`), the trampoline pops it off the stack *without dropping
/// it* and resumes the consumer with the value and the frame, which goes
/// back into the `Stream` until the next `next`. When the generator returns,
/// it is popped like any callee and `next` gives `None`. No extra task, no
/// channel: the trampoline moves one frame on and off a stack.
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
    /// The suspended generator; `None` once it has returned or failed.
    frame: Option<Frame>,
    started: bool,
    emits: PhantomData<fn() -> T>,
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
        let coroutine = Coroutine::new(move |co| {
            body(Yielder {
                co,
                emits: PhantomData,
            })
        });
        let mut frame = coroutine.into_frame();
        frame.set_label(label);
        Stream {
            frame: Some(frame),
            started: false,
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
        self.frame.is_none()
    }
}

impl<T> fmt::Debug for Stream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.frame {
            Some(frame) => write!(f, "Stream({})", frame.label()),
            None => f.write_str("Stream(finished)"),
        }
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
    emits: PhantomData<fn(T)>,
}

impl<T: 'static> Yielder<T> {
    /// Hands `value` to the consumer and waits until it asks for the next.
    ///
    /// ```
    /// let one = trampoline::Stream::new(|y| async move { y.emit(1u8).await });
    /// ```
    pub async fn emit(&self, value: T) -> Result<(), Error> {
        match self.co.yield_(Command::Emit(Value::new(value))).await {
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
        let Some(frame) = stream.frame.take() else {
            return Ok(None);
        };
        let started = std::mem::replace(&mut stream.started, true);
        match self.yield_(Command::Next { frame, started }).await {
            Resume::Emitted(value, frame) => {
                stream.frame = Some(frame);
                Ok(Some(value.take()))
            }
            Resume::Returned(_) => Ok(None),
            resume => Err(thrown("next", resume)),
        }
    }
}

impl Trampoline {
    /// `Command::Next`: the generator goes on top of the consumer's stack.
    /// Observers see a call, as for `Command::Call`.
    pub(crate) fn push_stream(&mut self, key: usize, frame: Frame, started: bool) -> Resume {
        let (task, label) = (self.tasks[key].id, frame.label());
        self.tasks[key].stack.push(frame);
        let depth = self.tasks[key].stack.len();
        self.emit(|| Event::Called { task, label, depth });
        if started { Resume::Woke } else { Resume::Start }
    }

    /// `Command::Emit`: the generator leaves the stack, alive, with its value.
    pub(crate) fn emit_value(&mut self, key: usize, value: Value) -> Resume {
        let stack = &mut self.tasks[key].stack;
        if stack.len() == 1 {
            return Resume::Failed(Error::msg("emit outside a stream: nobody is consuming"));
        }
        let depth = stack.len();
        let frame = stack
            .pop()
            .expect("BUG: a live task's stack is never empty");
        let (task, label) = (self.tasks[key].id, frame.label());
        // Observers see a return: the frame leaves the stack (alive).
        self.emit(|| Event::Returned { task, label, depth });
        Resume::Emitted(value, frame)
    }
}
