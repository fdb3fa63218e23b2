//! What stops the loop itself, as opposed to one task.

use std::io;

use crate::kernel::Error;

/// What stops the loop itself, as opposed to one task.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// Creating the poller or registering a source failed.
    #[error("cannot set up the event loop")]
    Setup(#[source] io::Error),
    /// Waiting for events failed.
    #[error("waiting for events failed")]
    Poll(#[source] io::Error),
    /// Every task waits for something that can no longer happen.
    #[error("every task is blocked and nothing can wake them")]
    Deadlock,
    /// A signal asked the program to stop (SIGINT is 2, SIGTERM 15).
    #[error("interrupted by signal {0}")]
    Interrupted(i32),
    /// The loop was stopped before the main coroutine finished.
    #[error("the loop was stopped before the main coroutine finished")]
    Stopped,
    /// The main coroutine failed.
    #[error("the main coroutine failed")]
    Failed(#[source] Error),
}
