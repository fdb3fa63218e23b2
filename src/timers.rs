//! Sleeping tasks by deadline.
//!
//! A `BinaryHeap` is enough here: inserting and popping are O(log n), and a
//! million sleepers cost one small entry each. tokio uses a hierarchical timer
//! wheel instead because its timers are mostly timeouts cancelled before they
//! fire, and a wheel cancels in O(1); our sleeps almost always run out.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use crate::task::TaskId;

/// The tasks parked in `sleep`, earliest deadline first; equal deadlines in
/// the order they were set (FIFO), thanks to a sequence number.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<Entry>>,
    next_seq: u64,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    deadline: Duration,
    seq: u64,
    key: usize,
    id: TaskId,
}

impl Timers {
    /// Parks the task at `key` (whose id is `id`) until `deadline`.
    pub(crate) fn insert(&mut self, deadline: Duration, key: usize, id: TaskId) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Reverse(Entry {
            deadline,
            seq,
            key,
            id,
        }));
    }

    /// The earliest deadline, if any task sleeps.
    pub(crate) fn next_deadline(&self) -> Option<Duration> {
        self.heap.peek().map(|Reverse(entry)| entry.deadline)
    }

    /// Removes and returns the next task whose deadline is at or before `now`,
    /// with that deadline (to tell a stale entry from the task's current one).
    pub(crate) fn pop_due(&mut self, now: Duration) -> Option<(usize, TaskId, Duration)> {
        match self.heap.peek() {
            Some(Reverse(entry)) if entry.deadline <= now => {
                let Reverse(entry) = self.heap.pop().expect("BUG: peeked entry is there");
                Some((entry.key, entry.id, entry.deadline))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_deadlines_pop_in_insertion_order_and_late_ones_wait() {
        let mut timers = Timers::default();
        let id = TaskId::first();
        let second = Duration::from_secs(1);
        timers.insert(second * 2, 9, id);
        timers.insert(second, 3, id);
        timers.insert(second, 1, id);
        timers.insert(second, 2, id);
        let due: Vec<usize> = std::iter::from_fn(|| timers.pop_due(second))
            .map(|(k, _, _)| k)
            .collect();
        assert_eq!(due, [3, 1, 2]);
        assert_eq!(timers.next_deadline(), Some(second * 2));
    }
}
