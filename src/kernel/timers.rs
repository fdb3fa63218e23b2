//! Deadlines: one heap, for the sleeping tasks and the delayed callbacks.
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

/// Things due at a deadline, earliest first; equal deadlines in the order
/// they were set (FIFO), thanks to a sequence number. The trampoline keeps
/// its sleeping tasks here (`T` = a task's key and id), the event loop its
/// `call_later` callbacks.
#[derive(Debug)]
pub(crate) struct Timers<T> {
    /// Entries in (deadline, seq) order, each no earlier than the one before.
    sorted: VecDeque<Entry<T>>,
    /// The entries that arrived out of order.
    heap: BinaryHeap<Reverse<Entry<T>>>,
    next_seq: u64,
}

impl<T> Default for Timers<T> {
    fn default() -> Self {
        Timers {
            sorted: VecDeque::new(),
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

#[derive(Debug)]
struct Entry<T> {
    deadline: Duration,
    seq: u64,
    what: T,
}

// Entries are ordered by deadline, then by sequence number: never equal.
impl<T> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
    }
}

impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.seq == other.seq
    }
}

impl<T> Eq for Entry<T> {}

impl<T> Timers<T> {
    /// Sets `what` to be due at `deadline`. Returns the entry's sequence
    /// number, which `pop_due` gives back.
    pub(crate) fn insert(&mut self, deadline: Duration, what: T) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = Entry {
            deadline,
            seq,
            what,
        };
        match self.sorted.back() {
            Some(last) if last.deadline > deadline => self.heap.push(Reverse(entry)),
            _ => self.sorted.push_back(entry),
        }
        seq
    }

    /// The earliest entry: the front of the queue or the top of the heap.
    fn first(&self) -> Option<&Entry<T>> {
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

    /// Removes and returns the next entry whose deadline is at or before
    /// `now`, with its sequence number (to tell a stale task entry from the
    /// task's current one).
    pub(crate) fn pop_due(&mut self, now: Duration) -> Option<(u64, T)> {
        let seq = self.first().filter(|entry| entry.deadline <= now)?.seq;
        let entry = self.pop_first(seq);
        Some((entry.seq, entry.what))
    }

    /// Drops the entries at the front that nobody waits for any more (lazy
    /// deletion: a cancelled sleep leaves its entry), so the loop does not
    /// wake, or jump its virtual clock, for them.
    pub(crate) fn prune(&mut self, stale: impl Fn(u64, &T) -> bool) {
        while let Some(seq) = self
            .first()
            .filter(|e| stale(e.seq, &e.what))
            .map(|e| e.seq)
        {
            self.pop_first(seq);
        }
    }

    /// Takes out the first entry, numbered `seq`.
    fn pop_first(&mut self, seq: u64) -> Entry<T> {
        let from_queue = self.sorted.front().is_some_and(|front| front.seq == seq);
        let entry = if from_queue {
            self.sorted.pop_front()
        } else {
            self.heap.pop().map(|Reverse(entry)| entry)
        };
        entry.expect("BUG: the entry just looked at is there")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wake(key: usize) -> usize {
        key
    }

    fn key((_, key): (u64, usize)) -> usize {
        key
    }

    #[test]
    fn equal_deadlines_pop_in_insertion_order_and_late_ones_wait() {
        let mut timers = Timers::default();
        let second = Duration::from_secs(1);
        timers.insert(second * 2, wake(9));
        timers.insert(second, wake(3));
        timers.insert(second, wake(1));
        timers.insert(second, wake(2));
        let due: Vec<usize> = std::iter::from_fn(|| timers.pop_due(second))
            .map(key)
            .collect();
        assert_eq!(due, [3, 1, 2]);
        assert_eq!(timers.next_deadline(), Some(second * 2));
    }

    #[test]
    fn in_order_and_out_of_order_deadlines_pop_in_one_order() {
        let mut timers = Timers::default();
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
            timers.insert(ms * deadline, wake(key));
        }
        assert_eq!(timers.next_deadline(), Some(ms));
        assert_eq!(timers.pop_due(ms * 4).map(key), Some(0));
        let due: Vec<usize> = std::iter::from_fn(|| timers.pop_due(ms * 100))
            .map(key)
            .collect();
        assert_eq!(due, [1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(timers.next_deadline(), None);
    }
}
