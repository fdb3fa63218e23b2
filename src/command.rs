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
use crate::waitlist::{Timeout, WaitList};

/// What a coroutine asks of the loop. Built by the `co` handle's methods;
/// users never write one by hand.
#[derive(Debug)]
pub(crate) enum Command {
    /// Park me for this long; zero means "let the other ready tasks run first".
    Sleep(Duration),
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
    RunInExecutor(Job),
    /// Resume me with a snapshot of every live task (`ps`).
    Tasks,
    /// Park me on this wait list until plain code wakes me, or until the
    /// timeout passes (`waitlist.rs`). Resumed with `Woke` either way.
    Wait(WaitList, Timeout),
    /// Push the generator waiting in this stream slot on my stack and run
    /// it until it emits a value or returns (`stream.rs`).
    Next(Rc<Slot>),
    /// I am a stream's generator and my value is in the slot: pop me off the
    /// stack, back into the slot, and resume my consumer.
    Emit(Rc<Slot>),
    /// Resume me with a handle on the loop, for callbacks and `stop`.
    LoopHandle,
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
    Line(Option<Box<str>>), // boxed, not a `String`: keeps `Resume` at three words
    /// The sub-coroutine (or joined task) finished with this value.
    Returned(Value),
    /// The sub-coroutine (or joined task) failed, or an error was thrown in:
    /// the `call` returns it as an `Err`.
    Failed(Error),
    /// The new task's completion, for its join handle.
    Spawned(Rc<Completion>, Rc<Shared>),
    /// The clock reading asked for by `Now` or `UnixTime`.
    Now(Duration),
    /// The live tasks asked for by `Tasks`.
    Tasks(Box<[TaskInfo]>), // boxed slice, not a `Vec`: the same
    /// The loop's handle, asked for by `LoopHandle`.
    Handle(LoopHandle),
}
#[cfg(test)]
mod tests {
    use std::mem::size_of;
    use std::rc::Rc;

    /// Every coroutine call moves a `Command` and a `Resume` through
    /// genawaiter's airlock, so the toolkit's variants must not make them
    /// bigger: their payloads stay within the two words `Call(Frame)` needs
    /// (large ones go behind a pointer, as `Next`/`Emit` do).
    /// The whole enums, as they travel: a bigger variant (a socket address,
    /// a buffer) would make every `call` of every coroutine move more bytes.
    #[test]
    fn commands_and_answers_stay_three_words() {
        assert!(size_of::<super::Command>() <= 3 * size_of::<usize>());
        assert!(size_of::<super::Resume>() <= 3 * size_of::<usize>());
    }

    #[test]
    fn toolkit_payloads_fit_in_two_words() {
        let two_words = size_of::<crate::frame::Frame>();
        assert!(size_of::<(crate::waitlist::WaitList, crate::waitlist::Timeout)>() <= two_words);
        assert!(size_of::<Rc<crate::stream::Slot>>() <= two_words);
        assert!(size_of::<crate::callbacks::LoopHandle>() <= two_words);
        assert!(size_of::<(Rc<super::Completion>, Rc<crate::callbacks::Shared>)>() <= two_words);
    }
}
