//! A shadow of every task's stack, rebuilt from the event stream, for the
//! observers that show stacks (the text trace) or must close what is open at
//! the end (the timeline).
//!
//! Observers keep their own copy rather than reading the scheduler's: the
//! scheduler then owes them nothing but events, and the copy costs memory
//! and time only while somebody observes.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::kernel::Label;
use crate::kernel::LoopEvent;
use crate::kernel::{TaskId, TaskState};

/// What an observer remembers of one live task.
#[derive(Debug, Default)]
pub(crate) struct Shadow {
    /// Labels, outermost first (the root is `frames[0]`).
    pub(crate) frames: Vec<Label>,
    /// What it waits for, from the last `Parked` event.
    pub(crate) parked: Option<TaskState>,
    /// Whether the observer saw the task spawn, so `frames` is its whole
    /// stack (a task spawned before the observer was attached is missing
    /// its outer frames).
    pub(crate) whole: bool,
}

/// Every live task's shadow.
#[derive(Debug, Default)]
pub(crate) struct Stacks {
    tasks: HashMap<TaskId, Shadow, BuildHasherDefault<IdHasher>>,
}

/// Task ids are unique small numbers: one multiplication spreads them. (std's
/// SipHash, made to resist chosen keys, costs more than the rest of an
/// event here.)
#[derive(Debug, Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

impl Stacks {
    /// Updates the shadows with `event`. Call it after looking at the event
    /// when the stack *before* it matters (a pop), or before for a push:
    /// observers choose.
    pub(crate) fn apply(&mut self, event: &LoopEvent<'_>) {
        match *event {
            LoopEvent::Spawned { task, label } => {
                let shadow = self.tasks.entry(task).or_default();
                shadow.frames.push(label);
                shadow.whole = true;
            }
            LoopEvent::Called { task, label, .. } => self.get(task).frames.push(label),
            LoopEvent::Returned { task, .. } | LoopEvent::Threw { task, .. } => {
                self.get(task).frames.pop();
            }
            LoopEvent::Parked { task, state } => self.get(task).parked = Some(state),
            LoopEvent::Woken { .. } | LoopEvent::Resumed { .. } | LoopEvent::Stepped { .. } => {}
            LoopEvent::Finished { task, .. } => {
                self.tasks.remove(&task);
            }
        }
    }

    /// The shadow of `task`, created empty if it was spawned before the
    /// observer was attached.
    pub(crate) fn get(&mut self, task: TaskId) -> &mut Shadow {
        self.tasks.entry(task).or_default()
    }

    /// The live tasks and their shadows.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&TaskId, &Shadow)> {
        self.tasks.iter()
    }
}

/// A stack as one line, innermost first, `fib(1) ← fib(2) ← compute(2)`:
/// at most `keep` innermost frames, then `… ←` and the root, then the depth
/// when frames were left out.
pub(crate) fn stack_line(frames: &[Label], keep: usize) -> String {
    let depth = frames.len();
    let names: Vec<String> = if depth <= keep + 1 {
        frames.iter().rev().map(Label::to_string).collect()
    } else {
        let inner = frames.iter().rev().take(keep).map(Label::to_string);
        inner
            .chain(["…".to_string(), frames[0].to_string()])
            .collect()
    };
    let mut line = names.join(" ← ");
    if depth > keep + 1 {
        line.push_str(&format!("  [{depth} deep]"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deep_stack_keeps_the_innermost_frames_and_the_root() {
        let frames: Vec<Label> = (0..10).rev().map(|n| Label::new("f").with_arg(n)).collect();
        assert_eq!(
            stack_line(&frames, 3),
            "f(0) ← f(1) ← f(2) ← … ← f(9)  [10 deep]"
        );
        assert_eq!(stack_line(&frames[6..], 3), "f(0) ← f(1) ← f(2) ← f(3)");
        assert_eq!(stack_line(&frames[9..], 3), "f(0)");
        assert_eq!(stack_line(&[], 3), "");
    }
}
