//! A wait list: tasks parked until plain code wakes them. The one mechanism
//! behind `Queue`, `Semaphore`, `Event` and the combinators.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;

use super::task::TaskId;
use super::wake::{Mailbox, Parked, Wake};

/// The tasks parked on one condition, longest-waiting first.
///
/// A coroutine parks on a list with `Command::Wait` (optionally with a
/// timeout); the trampoline records it here with its [`Parked`] ticket, whose
/// flag says "still waiting". Plain code (`put_nowait`, `Event::set`, a task
/// finishing) calls [`WaitList::wake_one`] or [`WaitList::wake_all`], which
/// leave `Wake::Waiter` requests in the loop's mailbox; the trampoline
/// applies them as soon as the step that left them ends. A waiter that left by another door (its
/// timeout, a cancel) has its ticket torn, so it is skipped here and its
/// stale requests are ignored: a task is never resumed twice for one park.
///
/// Woken tasks are resumed with `Resume::Woke` and *check their condition
/// again* (the condition-variable pattern): a wake-up is a hint, not a
/// promise, so a spurious one costs a loop iteration and never a lost item.
#[derive(Clone, Default)]
pub(crate) struct WaitList {
    waiters: Rc<RefCell<VecDeque<Waiter>>>,
}

struct Waiter {
    parked: Parked,
    mailbox: Rc<Mailbox>,
}

impl WaitList {
    /// Records a parked task. Entries whose task left already are pruned
    /// here, so a list waited on with timeouts stays small.
    pub(crate) fn register(&self, parked: Parked, mailbox: Rc<Mailbox>) {
        let mut waiters = self.waiters.borrow_mut();
        waiters.retain(|w| w.parked.is_waiting());
        waiters.push_back(Waiter { parked, mailbox });
    }

    /// Wakes the longest-waiting task still waiting; `false` if none is.
    pub(crate) fn wake_one(&self) -> bool {
        loop {
            let next = self.waiters.borrow_mut().pop_front();
            match next {
                Some(waiter) if waiter.parked.is_waiting() => {
                    waiter.wake();
                    return true;
                }
                Some(_) => {}
                None => return false,
            }
        }
    }

    /// Wakes every task waiting now.
    pub(crate) fn wake_all(&self) {
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        for waiter in waiters.into_iter().filter(|w| w.parked.is_waiting()) {
            waiter.wake();
        }
    }
}

impl Waiter {
    fn wake(self) {
        self.mailbox
            .wakes
            .borrow_mut()
            .push_back(Wake::Waiter(self.parked));
    }
}

impl fmt::Debug for WaitList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let waiters = self.waiters.borrow();
        let ids: Vec<TaskId> = waiters
            .iter()
            .filter(|w| w.parked.is_waiting())
            .map(|w| w.parked.id)
            .collect();
        f.debug_tuple("WaitList").field(&ids).finish()
    }
}
