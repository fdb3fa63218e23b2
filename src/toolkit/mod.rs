//! The asyncio toolkit, on top of the kernel: what plain code can do with a
//! task (cancel, throw, result, done callbacks), synchronisation (`Queue`,
//! `Semaphore`, `Event`), combinators (`gather`, `wait`, `wait_for`,
//! `as_completed`) and streams (async generators). Everything here is built
//! from the kernel's wait lists, join handles and system calls.

mod combinators;
mod current;
pub(crate) mod handle;
mod scope;
mod stream;
pub mod sync;

pub use combinators::{
    Awaitable, ReturnWhen, as_completed, gather, gather_outcomes, wait, wait_for,
};
pub use current::TaskRef;
pub use handle::DoneCallback;
pub use scope::{TaskGroup, Timeout, shield, timeout};
pub use stream::{Stream, Yielder};
