//! The commands a coroutine yields to the loop, and what it is resumed with.
//!
//! This is the whole language a coroutine speaks to the trampoline, as in
//! the seed's coroutine `EventLoop` (yield `sleep_for_seconds`, yield
//! `sys.stdin`, yield a generator) and PEP 342's Trampoline. The kernel's own
//! kinds are few; everything else (sockets, the thread pool, `ps`, streams)
//! is a [`SystemCall`] that carries itself out, the way each of Beazley's
//! pyos8 system calls has its own `handle()` and curio's traps are a table:
//! the trampoline's `match` has one arm for all of them, and the kernel never
//! names a socket.

use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use super::error::Error;
use super::frame::Frame;
use super::task::Completion;
use super::trampoline::Trampoline;
use super::value::Value;
use super::waitlist::WaitList;
use super::wake::Mailbox;

/// What a coroutine asks of the loop. Built by the `co` handle's methods;
/// users never write one by hand.
#[derive(Debug)]
pub(crate) enum Command {
    /// Run this sub-coroutine on my task's stack and resume me with its result.
    Call(Frame),
    /// Park me for this long; zero means "let the other ready tasks run first".
    Sleep(Nanos),
    /// Resume me with the next line of standard input, or its end.
    ReadLine,
    /// Start this coroutine as a new task and resume me with its completion.
    Spawn(Frame),
    /// Resume me with this task's outcome once it has one.
    Join(Rc<Completion>),
    /// Resume me with the loop's clock reading: time since the loop started.
    Now,
    /// Resume me with the time since the Unix epoch, by the loop's clock.
    UnixTime,
    /// Park me on this wait list until plain code wakes me, or until the
    /// timeout passes (`waitlist.rs`). Resumed with `Woke` either way.
    Wait(Box<(WaitList, Option<Duration>)>),
    /// Anything else: a system call of a layer above, which carries itself
    /// out. (Boxed twice: a `Box<dyn>` is two words, the outer box makes it
    /// one, so `Command` stays two words; system calls are the rare path.)
    Apply(Box<Box<dyn SystemCall>>),
}

/// A command from a layer above the kernel: it carries itself out on the
/// trampoline, for the task at `key`, through the kernel's own methods
/// (park, wake, push, pop, the extensions), and answers like the kernel's
/// commands do: `Some(resume)` resumes the task at once, `None` leaves it
/// parked (or gone) until something wakes it.
pub(crate) trait SystemCall: fmt::Debug {
    /// Carries the call out.
    fn apply(self: Box<Self>, trampoline: &mut Trampoline, key: usize) -> Option<Resume>;
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
    /// The sub-coroutine (or joined task) finished with this value; or the
    /// answer of a system call.
    Returned(Value),
    /// The sub-coroutine (or joined task) failed, or an error was thrown in:
    /// the `call` returns it as an `Err`.
    Failed(Error),
    /// The new task's completion, for its join handle.
    Spawned(Box<(Rc<Completion>, Rc<Mailbox>)>),
    /// The clock reading asked for by `Now` or `UnixTime`.
    Now(Nanos),
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
        assert_eq!(size_of::<crate::kernel::frame::Frame>(), size_of::<usize>());
    }
}
