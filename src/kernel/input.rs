//! The input queue: lines read but not yet delivered, and the tasks waiting
//! for one.
//!
//! Whatever feeds it (standard input, or a script under a virtual clock), a
//! line is delivered once, to the task that has waited longest; lines that
//! arrive while nobody reads wait here; the end of input reaches every reader,
//! now and later.

use std::collections::VecDeque;

use super::error::Error;
use super::task::TaskId;

/// One delivery: a line, a line that could not be read, or `None` at the end.
pub(crate) type Delivery = Option<Result<String, Error>>;

#[derive(Debug, Default)]
pub(crate) struct InputQueue {
    lines: VecDeque<Result<String, Error>>,
    ended: bool,
    /// Tasks parked in `read_line`, longest-waiting first.
    waiters: VecDeque<(usize, TaskId)>,
}

impl InputQueue {
    /// A line (or the end) for a reader, if one is available without waiting.
    pub(crate) fn take(&mut self) -> Option<Delivery> {
        match self.lines.pop_front() {
            Some(line) => Some(Some(line)),
            None if self.ended => Some(None),
            None => None,
        }
    }

    pub(crate) fn push(&mut self, line: Result<String, Error>) {
        self.lines.push_back(line);
    }

    /// Marks the end of input; every reader from now on gets `None`.
    pub(crate) fn end(&mut self) {
        self.ended = true;
    }

    pub(crate) fn has_ended(&self) -> bool {
        self.ended
    }

    pub(crate) fn wait(&mut self, key: usize, id: TaskId) {
        self.waiters.push_back((key, id));
    }

    /// Takes a task out of the waiters (it was cancelled while reading).
    pub(crate) fn forget(&mut self, key: usize, id: TaskId) {
        self.waiters.retain(|&waiter| waiter != (key, id));
    }

    /// Whether a task waits and nothing is buffered for it: time to read.
    pub(crate) fn is_starved(&self) -> bool {
        !self.waiters.is_empty() && self.lines.is_empty() && !self.ended
    }

    pub(crate) fn has_waiters(&self) -> bool {
        !self.waiters.is_empty()
    }

    /// The next line (or the end) for the longest waiting task, if both are
    /// there.
    pub(crate) fn next_delivery(&mut self) -> Option<((usize, TaskId), Delivery)> {
        if self.waiters.is_empty() {
            return None;
        }
        let delivery = self.take()?;
        Some((self.waiters.pop_front()?, delivery))
    }
}
