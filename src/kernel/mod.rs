//! The kernel: the trampoline as PEP 342 and the seed's coroutine `EventLoop`
//! describe it, and nothing else. Nothing in this folder imports anything
//! outside it (`tests/architecture.rs` checks); sockets, the thread pool, the
//! asyncio toolkit and the observers are layers above, which reach the
//! kernel through one door, [`SystemCall`].
//!
//! # The map
//!
//! One trip around the loop, and the file for each step:
//!
//! ```text
//!  a coroutine yields a command ──► the trampoline interprets it ──► push / pop the task's stack
//!   coroutine.rs, command.rs         trampoline.rs                   trampoline.rs, frame/
//!            ▲                                                                  │
//!            │                                                                  ▼
//!  timers and input wake it  ◄── it parks (sleep, read, join, wait) ◄── or it resumes at once
//!   timers.rs, input.rs,          wake.rs, task.rs
//!   throw.rs
//! ```
//!
//! The event loop above (`src/event_loop/`) picks the next ready task, and
//! sleeps in `mio::Poll` until a deadline or some IO when none is ready.
//!
//! # Reading order
//!
//! 1. `command.rs`: the language a coroutine speaks: `Command`, `Resume`.
//! 2. `coroutine.rs`: `Coroutine<T>` and `Co`, whose methods yield commands;
//!    how a command crosses genawaiter's airlock (`Co::yield_`).
//! 3. `trampoline.rs`: `run_turn` and `interpret`, the core step on one
//!    screen, then one method per command.
//! 4. `task.rs`: a task, its state, its completion and join handle.
//! 5. `wake.rs`: parking and waking, and the mailbox plain code leaves
//!    wake-ups in; `timers.rs`, `input.rs`, `waitlist.rs`: what tasks wait on.
//! 6. `throw.rs`: errors thrown into a task (PEP 342's `throw()`), cancel.
//! 7. The rest when you need it: `label.rs`, `value.rs` (return values with
//!    their type erased), `error.rs`, `report.rs`, `events.rs` (what
//!    observers are told), `clock.rs` (real and virtual time),
//!    `extensions.rs` (where layers keep their state).
//!
//! # Size
//!
//! 1,645 code lines (comments, blank lines and tests not counted); the core
//! step, `run_turn` and `interpret`, is 36 lines. `cargo test --test architecture -- --nocapture` prints them file by
//! file, and fails if the kernel grows or imports anything outside itself.
//!
//! The one-block generator behind `frame/mod.rs`'s safe face is not here:
//! it is the workspace's `oneblock` crate, the project's only `unsafe`, kept
//! apart for speed; skip it on a first reading. A frame behaves exactly like a boxed `genawaiter::rc::Gen`,
//! which is what the guided tour (`examples/tour/`) uses.

mod clock;
mod command;
mod coroutine;
mod error;
mod events;
mod extensions;
mod frame;
mod input;
mod label;
mod report;
mod task;
mod throw;
mod timers;
mod trampoline;
mod value;
mod waitlist;
mod wake;

pub use clock::Clock;
pub use coroutine::{Co, Coroutine};
pub use error::{Error, ErrorKind};
pub use events::{LoopEvent, Observer};
pub use label::Label;
pub use report::capture_reports;
pub use task::{JoinHandle, TaskId, TaskState};

pub(crate) use command::{Resume, SystemCall};
pub(crate) use coroutine::thrown;
pub(crate) use frame::Frame;
pub(crate) use input::InputQueue;
pub(crate) use report::{describe, panic_message, report};
pub(crate) use task::Completion;
pub(crate) use throw::request_throw;
pub(crate) use timers::Timers;
pub(crate) use trampoline::{STEPS_PER_TURN, Trampoline};
pub(crate) use value::Value;
pub(crate) use waitlist::WaitList;
pub(crate) use wake::{Callback, Parked, Wake, run_reporting};
