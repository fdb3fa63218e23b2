//! Loop control, the scheduler's side: running the callbacks plain code
//! queued, applying its wake-ups, parking tasks on wait lists; and the
//! `Scheduler` methods for callback programs: `handle`, `spawn`,
//! `run_forever`.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use std::time::Duration;

use crate::callbacks::{CallbackTimers, LoopHandle, Shared, Wake, run_reporting};
use crate::command::Resume;
use crate::coroutine::{Coroutine, JoinHandle};
use crate::error::RunError;
use crate::scheduler::Scheduler;
use crate::task::{Completion, TaskId, TaskState};
use crate::tasks::report_unretrieved;
use crate::trampoline::Trampoline;
use crate::waitlist::WaitList;

/// The loop's callback and wake-up state.
#[derive(Debug, Default)]
pub(crate) struct LoopControl {
    /// What plain code queues; every `LoopHandle` and task control holds it.
    pub(crate) shared: Rc<Shared>,
    timers: CallbackTimers,
    /// Tasks parked in a wait list, each with its "still waiting" token.
    waiting: HashMap<TaskId, Rc<Cell<bool>>>,
    /// Finished tasks that failed while a handle was alive: checked for
    /// never-retrieved errors when the loop is dropped.
    pub(crate) failed: Vec<Weak<Completion>>,
}

impl LoopControl {
    pub(crate) fn handle(&self) -> LoopHandle {
        LoopHandle {
            shared: self.shared.clone(),
        }
    }

    /// The task leaves its wait list by another door (timeout, throw): its
    /// entry there is dead, and so is any wake request already queued for it.
    pub(crate) fn leave_wait_list(&mut self, id: TaskId) {
        if let Some(token) = self.waiting.remove(&id) {
            token.set(false);
        }
    }
}

impl Trampoline {
    /// `Command::Wait`: parks the task on `list`, and on the timer heap too
    /// if there is a timeout.
    pub(crate) fn park_on(&mut self, key: usize, list: &WaitList, timeout: Option<Duration>) {
        let id = self.tasks[key].id;
        let token = Rc::new(Cell::new(true));
        list.register(key, id, token.clone(), self.control.shared.clone());
        self.control.waiting.insert(id, token);
        let until = timeout.map(|t| self.clock.now().saturating_add(t));
        if let Some(deadline) = until {
            self.tasks[key].timer = self.timers.insert(deadline, key, id);
        }
        self.park(key, TaskState::Waiting { until });
    }

    /// A wait's timeout ran out: resume the task, which sees its condition
    /// still unmet and its deadline passed.
    pub(crate) fn timed_out(&mut self, key: usize, id: TaskId) {
        self.control.leave_wait_list(id);
        self.wake(key, id, Resume::Woke);
    }

    /// Runs the callbacks due this tick and applies the wake-ups.
    ///
    /// Each tick, after waking the due timers, the loop runs
    /// [`Trampoline::run_callbacks`]: callbacks whose `call_later` delay is over,
    /// then the `call_soon` batch in FIFO order (each preceded by any next-tick
    /// callbacks), then the wake-ups and throws they and the tasks asked for.
    /// Only then do the ready tasks get their turns. Callbacks queued during the
    /// batch wait for the next tick, so a callback that requeues itself cannot
    /// starve the tasks.
    pub(crate) fn run_callbacks(&mut self, now: Duration) {
        let shared = self.control.shared.clone();
        for (delay, callback) in shared.later.take() {
            self.control
                .timers
                .insert(now.saturating_add(delay), callback);
        }
        let mut batch = shared.soon.take();
        while let Some(callback) = self.control.timers.pop_due(now) {
            batch.push_back(callback);
        }
        shared.run_next_ticks();
        for callback in batch {
            run_reporting(callback);
            shared.run_next_ticks();
        }
        self.apply_wakes();
    }

    /// Carries out the wake requests plain code left.
    pub(crate) fn apply_wakes(&mut self) {
        loop {
            let wake = self.control.shared.wakes.borrow_mut().pop_front();
            match wake {
                Some(Wake::Waiter { key, id, token }) => {
                    if token.replace(false) {
                        self.control.waiting.remove(&id);
                        self.wake(key, id, Resume::Woke);
                    }
                }
                Some(Wake::Throw { key, id }) => self.deliver_throw(key, id),
                None => return,
            }
        }
    }

    /// The earliest deadline: a sleeping task's or a delayed callback's.
    pub(crate) fn next_deadline(&self) -> Option<Duration> {
        match (
            self.timers.next_deadline(),
            self.control.timers.next_deadline(),
        ) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Nothing to run now: no ready task, no callback or wake-up queued,
    /// no `stop` to act on.
    pub(crate) fn is_idle(&self) -> bool {
        let shared = &self.control.shared;
        self.ready.is_empty() && !shared.has_work() && !shared.stopping.get()
    }

    /// `stop` was asked for since the last look (and is now cleared).
    pub(crate) fn take_stop(&self) -> bool {
        self.control.shared.stopping.replace(false)
    }
}

impl Drop for Trampoline {
    /// The loop ends: errors of finished tasks whose handles are still alive
    /// and unread are reported now (asyncio's "Task exception was never
    /// retrieved"), once: the handles will not report them again.
    fn drop(&mut self) {
        report_unretrieved(&mut self.control.failed);
    }
}

impl Scheduler {
    /// A handle for plain code: `call_soon`, `call_later`, `call_next_tick`,
    /// `stop`.
    ///
    /// ```
    /// let scheduler = trampoline::Scheduler::new().unwrap();
    /// scheduler.handle().stop();
    /// ```
    pub fn handle(&self) -> LoopHandle {
        self.trampoline.control.handle()
    }

    /// Starts `coroutine` as a task from plain code (asyncio's `create_task`
    /// before the loop runs). It runs once the loop does.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let mut scheduler = Scheduler::new().unwrap();
    /// let task = scheduler.spawn(Coroutine::new(|_co| async { Ok(5) }));
    /// assert!(!task.is_finished());
    /// let main = Coroutine::new(move |co| async move { co.join(task).await });
    /// assert_eq!(scheduler.run_until_complete(main).unwrap(), 5);
    /// ```
    pub fn spawn<T: 'static>(&mut self, coroutine: Coroutine<T>) -> JoinHandle<T> {
        let completion = self.trampoline.spawn(coroutine.into_frame());
        JoinHandle::new(completion, self.trampoline.control.shared.clone())
    }

    /// Runs the loop until [`LoopHandle::stop`] is called; the tick in which
    /// it is called finishes first. Fails with [`RunError::Deadlock`] if
    /// nothing is left that could ever call it.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let mut scheduler = Scheduler::new().unwrap();
    /// let handle = scheduler.handle();
    /// let tea = scheduler.spawn(Coroutine::new(move |_co| async move {
    ///     handle.stop();
    ///     Ok("chamomile tea".to_string())
    /// }));
    /// scheduler.run_forever().unwrap();
    /// assert_eq!(tea.result().unwrap(), "chamomile tea");
    /// ```
    pub fn run_forever(&mut self) -> Result<(), RunError> {
        loop {
            self.tick()?;
            if self.trampoline.take_stop() {
                return Ok(());
            }
        }
    }
}

impl crate::coroutine::Co {
    /// A handle on the loop running this coroutine, to queue callbacks or
    /// stop it (asyncio's `get_event_loop()` inside a coroutine).
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let mut scheduler = Scheduler::new().unwrap();
    /// scheduler.spawn(Coroutine::new(|co| async move {
    ///     co.loop_handle().await?.stop();
    ///     Ok(())
    /// }));
    /// scheduler.run_forever().unwrap();
    /// ```
    pub async fn loop_handle(&self) -> Result<LoopHandle, crate::error::Error> {
        match self.yield_(crate::command::Command::LoopHandle).await {
            Resume::Handle(handle) => Ok(handle),
            resume => Err(crate::coroutine::thrown("loop_handle", resume)),
        }
    }
}
