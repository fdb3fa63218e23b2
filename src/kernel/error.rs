//! The error a coroutine fails with ([`Error`]) and what went wrong
//! ([`ErrorKind`]). Each layer above has its own: a line of input that cannot
//! be read is the IO layer's `InputError`, what stops the loop itself is the
//! event loop's `RunError`.

use std::fmt;
use std::io;

use super::label::Label;

/// How many frames an error remembers on its way up; deeper chains keep the
/// innermost frames and the outermost one, and count the rest.
const TRACE_LIMIT: usize = 16;

/// The error a coroutine fails with.
///
/// It is thrown into the caller at its `call` point, where it can be caught
/// with `match` or passed on with `?`, exactly like a Python exception going up
/// through `yield from`. On its way up it records the frames it was thrown
/// through, so a failure report reads `fib(3) ← fib(5) ← compute(5)`.
///
/// It is a single pointer wide, so `Result<u64, Error>` stays two words.
///
/// ```
/// use trampoline::Error;
/// let e = Error::msg("Something went wrong in A!");
/// assert_eq!(e.to_string(), "Something went wrong in A!");
/// assert!(e.trace().is_empty());
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    trace: Vec<Label>,
    /// Frames left out of `trace` because the chain was deeper than [`TRACE_LIMIT`].
    elided: u64,
}

/// What went wrong, without the trace.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A failure described by its message: the Python `raise Exception("...")`.
    #[error("{0}")]
    Message(String),
    /// The task was cancelled while suspended here.
    #[error("cancelled")]
    Cancelled,
    /// The task was cancelled with a message (`JoinHandle::cancel_with`,
    /// asyncio's `task.cancel(msg)`).
    #[error("cancelled: {0}")]
    CancelledWith(String),
    /// A task's result was asked for before the task finished (asyncio's
    /// `InvalidStateError`).
    #[error("result is not ready")]
    NotReady,
    /// A timeout ran out (`wait_for`, `as_completed`).
    #[error("timed out")]
    TimedOut,
    /// The task panicked; the payload's message is kept.
    #[error("panicked: {0}")]
    Panicked(String),
    /// An operating-system call failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl Error {
    /// An error carrying just a message.
    ///
    /// ```
    /// let e = trampoline::Error::msg("Have an exceptional day!");
    /// assert_eq!(format!("Got an exception: {e}"), "Got an exception: Have an exceptional day!");
    /// ```
    pub fn msg(message: impl Into<String>) -> Self {
        ErrorKind::Message(message.into()).into()
    }

    /// The error that cancellation throws into a task.
    ///
    /// ```
    /// assert!(trampoline::Error::cancelled().is_cancelled());
    /// ```
    pub fn cancelled() -> Self {
        ErrorKind::Cancelled.into()
    }

    /// The error cancellation throws, with a message for whoever catches it.
    ///
    /// ```
    /// let e = trampoline::Error::cancelled_with("shutting down");
    /// assert!(e.is_cancelled());
    /// assert_eq!(e.to_string(), "cancelled: shutting down");
    /// ```
    pub fn cancelled_with(message: impl Into<String>) -> Self {
        ErrorKind::CancelledWith(message.into()).into()
    }

    /// What went wrong.
    ///
    /// ```
    /// use trampoline::{Error, ErrorKind};
    /// assert!(matches!(Error::msg("x").kind(), ErrorKind::Message(m) if m == "x"));
    /// ```
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// Whether this is the error cancellation throws.
    ///
    /// ```
    /// assert!(!trampoline::Error::msg("x").is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::Cancelled | ErrorKind::CancelledWith(_)
        )
    }

    /// The frames this error was thrown through, innermost first (the frame
    /// that failed comes first). Empty until the error leaves its first frame.
    ///
    /// ```
    /// assert!(trampoline::Error::msg("x").trace().is_empty());
    /// ```
    pub fn trace(&self) -> &[Label] {
        &self.inner.trace
    }

    /// The trace as one line, `a ← b ← c`, saying how many frames were left out
    /// of a very deep chain. Empty when the trace is.
    ///
    /// ```
    /// assert_eq!(trampoline::Error::msg("x").trace_line(), "");
    /// ```
    pub fn trace_line(&self) -> String {
        let trace = &self.inner.trace;
        let mut line = String::new();
        for (i, label) in trace.iter().enumerate() {
            if i > 0 {
                line.push_str(" ← ");
            }
            if i + 1 == trace.len() && self.inner.elided > 0 {
                line.push_str(&format!("… {} more ← ", self.inner.elided));
            }
            line.push_str(&label.to_string());
        }
        line
    }

    /// Records that the error left `frame` on its way to the caller.
    ///
    /// Past [`TRACE_LIMIT`] frames the last slot keeps being overwritten, so
    /// the trace always ends with the outermost frame and memory stays bounded
    /// however deep the chain is.
    pub(crate) fn thrown_through(mut self, frame: Label) -> Self {
        let inner = &mut *self.inner;
        if inner.trace.len() == TRACE_LIMIT {
            inner.trace.pop(); // the one before the outermost goes
            inner.elided += 1;
        }
        inner.trace.push(frame);
        self
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                trace: Vec::new(),
                elided: 0,
            }),
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        ErrorKind::Io(e).into()
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Error::msg(message)
    }
}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Error::msg(message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner.kind, f)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("trace", &self.trace_line())
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.kind.source()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deep_trace_keeps_the_innermost_and_the_outermost_frames() {
        let mut e = Error::msg("boom");
        for n in 0..100 {
            e = e.thrown_through(Label::new("f").with_arg(n));
        }
        assert_eq!(e.trace().len(), TRACE_LIMIT);
        assert_eq!(e.trace()[0].to_string(), "f(0)");
        assert_eq!(e.trace()[TRACE_LIMIT - 1].to_string(), "f(99)");
        assert!(e.trace_line().contains("… 84 more ← f(99)"));
    }
}
