//! The commands a coroutine yields to the loop, and what it is resumed with.
//!
//! This is the whole language a coroutine speaks to the scheduler, as in the
//! seed's coroutine `EventLoop` (yield `sleep_for_seconds`, yield `sys.stdin`,
//! yield a generator) and PEP 342's Trampoline. The trampoline interprets
//! every command in one `match` (`trampoline.rs`).

use std::rc::Rc;
use std::time::Duration;

use crate::callbacks::{LoopHandle, Shared};
use crate::error::Error;
use crate::executor::Job;
use crate::frame::Frame;
use crate::net::NetOp;
use crate::snapshot::TaskInfo;
use crate::stream::Slot;
use crate::task::Completion;
use crate::value::Value;
use crate::waitlist::WaitList;

/// What a coroutine asks of the loop. Built by the `co` handle's methods;
/// users never write one by hand.
#[derive(Debug)]
pub(crate) enum Command {
    /// Park me for this long; zero means "let the other ready tasks run first".
    Sleep(Nanos),
    /// Resume me with the next line of standard input, or its end.
    ReadLine,
    /// Run this sub-coroutine on my task's stack and resume me with its result.
    Call(Frame),
    /// Start this coroutine as a new task and resume me with its completion.
    Spawn(Frame),
    /// Resume me with this task's outcome once it has one.
    Join(Rc<Completion>),
    /// Resume me with the loop's clock reading: time since the loop started.
    Now,
    /// Resume me with the time since the Unix epoch, by the loop's clock.
    UnixTime,
    /// Do this with a socket; resume me when it is done (`net.rs`).
    Net(Box<NetOp>),
    /// Run this closure on the thread pool; resume me with its value
    /// (`executor.rs`).
    RunInExecutor(Box<Job>),
    /// Resume me with a snapshot of every live task (`ps`).
    Tasks,
    /// Park me on this wait list until plain code wakes me, or until the
    /// timeout passes (`waitlist.rs`). Resumed with `Woke` either way.
    Wait(Box<(WaitList, Option<Duration>)>),
    /// Push the generator waiting in this stream slot on my stack and run
    /// it until it emits a value or returns (`stream.rs`).
    Next(Rc<Slot>),
    /// I am a stream's generator and my value is in the slot: pop me off the
    /// stack, back into the slot, and resume my consumer.
    Emit(Rc<Slot>),
    /// Resume me with a handle on the loop, for callbacks and `stop`.
    LoopHandle,
}

/// A duration in one word, whole nanoseconds, so a `Command` or a `Resume`
/// stays two words (a `Duration` is two on its own). 584 years or more is
/// "forever": it reads back as `Duration::MAX`, the end of time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Nanos(u64);

impl Nanos {
    const FOREVER: u64 = u64::MAX;

    pub(crate) fn new(duration: Duration) -> Self {
        Nanos(u64::try_from(duration.as_nanos()).unwrap_or(Self::FOREVER))
    }

    pub(crate) fn duration(self) -> Duration {
        match self.0 {
            Self::FOREVER => Duration::MAX,
            nanos => Duration::from_nanos(nanos),
        }
    }
}

/// What a coroutine is resumed with: the answer to the command it yielded.
#[derive(Debug)]
pub(crate) enum Resume {
    /// The first resume of a new generator. genawaiter drops the value a
    /// generator is first resumed with (it runs to its first `yield` and
    /// overwrites it), so this variant carries nothing to lose.
    Start,
    /// The sleep is over.
    Woke,
    /// The next line, or `None` at the end of input. (A line that could not
    /// be read comes as `Failed`.)
    #[allow(clippy::box_collection)] // on purpose: one word, not three (see the size test)
    Line(Option<Box<String>>),
    /// The sub-coroutine (or joined task) finished with this value.
    Returned(Value),
    /// The sub-coroutine (or joined task) failed, or an error was thrown in:
    /// the `call` returns it as an `Err`.
    Failed(Error),
    /// The new task's completion, for its join handle.
    Spawned(Box<(Rc<Completion>, Rc<Shared>)>),
    /// The clock reading asked for by `Now` or `UnixTime`.
    Now(Nanos),
    /// The live tasks asked for by `Tasks`.
    #[allow(clippy::box_collection)] // the same
    Tasks(Box<Vec<TaskInfo>>),
    /// The loop's handle, asked for by `LoopHandle`.
    Handle(LoopHandle),
}
#[cfg(test)]
mod tests {
    use std::mem::size_of;

    /// Every coroutine call moves a `Command` and a `Resume` through
    /// genawaiter's airlock, and the size of what moves is most of the cost:
    /// from three words to two, fib through the demo went from ~54 to ~45 ns
    /// per coroutine (design.md, "The hot path"). A bigger variant (a socket
    /// address, a `Duration`, a buffer) goes behind a pointer instead.
    #[test]
    fn commands_and_answers_stay_two_words() {
        assert!(size_of::<super::Command>() <= 2 * size_of::<usize>());
        assert!(size_of::<super::Resume>() <= 2 * size_of::<usize>());
    }

    #[test]
    fn a_frame_is_one_word() {
        assert_eq!(size_of::<crate::frame::Frame>(), size_of::<usize>());
    }
}
