//! Sleeping tasks by deadline.
//!
//! A `BinaryHeap` is enough here: inserting and popping are O(log n), and a
//! million sleepers cost one small entry each. tokio uses a hierarchical timer
//! wheel instead because its timers are mostly timeouts cancelled before they
//! fire, and a wheel cancels in O(1); our sleeps almost always run out.
//!
//! One shortcut in front of the heap: most sleeps end no earlier than the
//! sleep set just before them (the same interval, set a little later), so
//! such entries go to the back of a queue that stays sorted by itself, in
//! O(1) both ways; only an entry that would end earlier than the queue's last
//! goes to the heap. The next deadline is the earlier of the two fronts.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Duration;

use crate::task::TaskId;

/// The tasks parked in `sleep`, earliest deadline first; equal deadlines in
/// the order they were set (FIFO), thanks to a sequence number.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    /// Entries in (deadline, seq) order, each no earlier than the one before.
    sorted: VecDeque<Entry>,
    /// The entries that arrived out of order.
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
    /// Returns the entry's sequence number, which `pop_due` gives back.
    pub(crate) fn insert(&mut self, deadline: Duration, key: usize, id: TaskId) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = Entry {
            deadline,
            seq,
            key,
            id,
        };
        match self.sorted.back() {
            Some(last) if last.deadline > deadline => self.heap.push(Reverse(entry)),
            _ => self.sorted.push_back(entry),
        }
        seq
    }

    /// The earliest entry: the front of the queue or the top of the heap.
    fn first(&self) -> Option<&Entry> {
        match (self.sorted.front(), self.heap.peek()) {
            (Some(queued), Some(Reverse(heaped))) => Some(queued.min(heaped)),
            (Some(queued), None) => Some(queued),
            (None, heaped) => heaped.map(|Reverse(entry)| entry),
        }
    }

    /// The earliest deadline, if any task sleeps.
    pub(crate) fn next_deadline(&self) -> Option<Duration> {
        self.first().map(|entry| entry.deadline)
    }

    /// Removes and returns the next task whose deadline is at or before `now`,
    /// with that deadline (to tell a stale entry from the task's current one).
    pub(crate) fn pop_due(&mut self, now: Duration) -> Option<(usize, TaskId, u64)> {
        let first = self.first().filter(|entry| entry.deadline <= now)?;
        let from_queue = self.sorted.front() == Some(first);
        let entry = if from_queue {
            self.sorted.pop_front()
        } else {
            self.heap.pop().map(|Reverse(entry)| entry)
        };
        let entry = entry.expect("BUG: the entry just looked at is there");
        Some((entry.key, entry.id, entry.seq))
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

    #[test]
    fn in_order_and_out_of_order_deadlines_pop_in_one_order() {
        let mut timers = Timers::default();
        let id = TaskId::first();
        let ms = Duration::from_millis(1);
        // Keys are the order they must come out in.
        for (deadline, key) in [
            (5, 4),
            (1, 0),
            (5, 5),
            (3, 2),
            (9, 7),
            (3, 3),
            (2, 1),
            (7, 6),
        ] {
            timers.insert(ms * deadline, key, id);
        }
        assert_eq!(timers.next_deadline(), Some(ms));
        assert_eq!(timers.pop_due(ms * 4).map(|(k, _, _)| k), Some(0));
        let due: Vec<usize> = std::iter::from_fn(|| timers.pop_due(ms * 100))
            .map(|(k, _, _)| k)
            .collect();
        assert_eq!(due, [1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(timers.next_deadline(), None);
    }
}
