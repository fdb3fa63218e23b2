//! The commands a coroutine yields to the loop, and what it is resumed with.
//!
//! This is the whole language a coroutine speaks to the scheduler, as in the
//! seed's coroutine `EventLoop` (yield `sleep_for_seconds`, yield `sys.stdin`,
//! yield a generator) and PEP 342's Trampoline. The trampoline interprets
//! every command in one `match` (`trampoline.rs`).

use std::rc::Rc;
use std::time::Duration;

use crate::error::Error;
use crate::executor::Job;
use crate::frame::Frame;
use crate::net::NetOp;
use crate::snapshot::TaskInfo;
use crate::task::Completion;
use crate::value::Value;

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
    Net(NetOp),
    /// Run this closure on the thread pool; resume me with its value
    /// (`executor.rs`).
    RunInExecutor(Job),
    /// Resume me with a snapshot of every live task (`ps`).
    Tasks,
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
    Line(Option<String>),
    /// The sub-coroutine (or joined task) finished with this value.
    Returned(Value),
    /// The sub-coroutine (or joined task) failed, or an error was thrown in:
    /// the `call` returns it as an `Err`.
    Failed(Error),
    /// The new task's completion, for its join handle.
    Spawned(Rc<Completion>),
    /// The clock reading asked for by `Now` or `UnixTime`.
    Now(Duration),
    /// The live tasks asked for by `Tasks`.
    Tasks(Vec<TaskInfo>),
}
