//! A wait list: tasks parked until plain code wakes them. The one mechanism
//! behind `Queue`, `Semaphore`, `LoopEvent` and the combinators.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;

use crate::callbacks::{Shared, Wake};
use crate::task::TaskId;

/// The tasks parked on one condition, longest-waiting first.
///
/// A coroutine parks on a list with `Command::Wait` (optionally with a
/// timeout); the trampoline records it here with a *token*, a shared flag that
/// says "still waiting". Plain code (`put_nowait`, `LoopEvent::set`, a task
/// finishing) calls [`WaitList::wake_one`] or [`WaitList::wake_all`], which
/// leave `Wake::Waiter` requests in the loop's shared queue; the scheduler
/// applies them between turns. A waiter that left by another door (its
/// timeout, a cancel) has its token cleared, so it is skipped here and its
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
    key: usize,
    id: TaskId,
    token: Rc<Cell<bool>>,
    shared: Rc<Shared>,
}

impl WaitList {
    /// Records a parked task. Entries whose task left already are pruned
    /// here, so a list waited on with timeouts stays small.
    pub(crate) fn register(
        &self,
        key: usize,
        id: TaskId,
        token: Rc<Cell<bool>>,
        shared: Rc<Shared>,
    ) {
        let mut waiters = self.waiters.borrow_mut();
        waiters.retain(|w| w.token.get());
        waiters.push_back(Waiter {
            key,
            id,
            token,
            shared,
        });
    }

    /// Wakes the longest-waiting task still waiting; `false` if none is.
    pub(crate) fn wake_one(&self) -> bool {
        loop {
            let next = self.waiters.borrow_mut().pop_front();
            match next {
                Some(waiter) if waiter.token.get() => {
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
        for waiter in waiters.into_iter().filter(|w| w.token.get()) {
            waiter.wake();
        }
    }
}

impl Waiter {
    fn wake(self) {
        self.shared.wakes.borrow_mut().push_back(Wake::Waiter {
            key: self.key,
            id: self.id,
            token: self.token,
        });
    }
}

impl fmt::Debug for WaitList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let waiters = self.waiters.borrow();
        let ids: Vec<TaskId> = waiters
            .iter()
            .filter(|w| w.token.get())
            .map(|w| w.id)
            .collect();
        f.debug_tuple("WaitList").field(&ids).finish()
    }
}

impl crate::coroutine::Co {
    /// Parks this task on `list` until plain code wakes it or `timeout`
    /// passes; the caller checks its condition again either way.
    pub(crate) async fn wait_on(
        &self,
        list: &WaitList,
        timeout: Option<std::time::Duration>,
    ) -> Result<(), crate::error::Error> {
        use crate::command::{Command, Resume};
        match self
            .yield_(Command::Wait(Box::new((list.clone(), timeout))))
            .await
        {
            Resume::Woke => Ok(()),
            resume => Err(crate::coroutine::thrown("wait", resume)),
        }
    }
}
