//! PEP 342's `throw()`: an error thrown into a task at its suspension point,
//! and cancellation, which is throwing [`Error::cancelled`].
//!
//! Plain code cannot reach a task's generator (the trampoline may be busy
//! running another), so [`request_throw`] leaves the error in the task's
//! completion and a `Wake::Throw` request in the loop's mailbox. As the
//! requesting step ends, the trampoline takes the task out of whatever it is parked in (a
//! timer, the input queue, a joined task, a wait list, an IO source) and
//! resumes it with the error at that suspension point: it arrives in the
//! innermost frame, as an `Err` from the `sleep`/`read_line`/`join`/`get` the
//! frame was awaiting, and unwinds frame by frame unless a frame catches it.
//! A task that is ready (not parked) gets it at the start of its next turn;
//! a generator that never ran is finished with it without running.
//!
//! And the other end of a task's life: its done callbacks, and the report of
//! errors nobody retrieved.

use std::rc::{Rc, Weak};

use super::command::Resume;
use super::error::Error;
use super::report::{describe, report};
use super::task::{Completion, TaskId, TaskState};
use super::trampoline::Trampoline;
use super::wake::{Mailbox, Wake, run_reporting};

/// Leaves `error` to be thrown into the task at its next chance; `false` if
/// it has finished. Throwing twice before the task runs keeps the first error.
pub(crate) fn request_throw(completion: &Completion, mailbox: &Mailbox, error: Error) -> bool {
    if completion.is_finished() {
        return false;
    }
    if completion.set_throw(error) {
        mailbox.wakes.borrow_mut().push_back(Wake::Throw {
            key: completion.key as usize,
            id: completion.id,
        });
    }
    true
}

impl Trampoline {
    /// The task at `key` is about to run with `resume` but has an error to
    /// take: it replaces the resume value. A frame that never ran (resumed
    /// with `Start`) is popped unrun, as if it had failed at once, and the
    /// error goes to its caller, or finishes the task if it is the root.
    #[cold]
    pub(crate) fn throw_at_turn_start(
        &mut self,
        key: usize,
        resume: Resume,
        error: Error,
    ) -> Option<Resume> {
        match resume {
            Resume::Start => self.pop(key, Err(error)),
            _ => Some(Resume::Failed(error)),
        }
    }

    /// Carries out a `Wake::Throw`: if the task is parked, take it out of
    /// what it waits in and resume it with the error. If it is ready, its
    /// next turn takes the error (`run_turn`).
    pub(crate) fn deliver_throw(&mut self, key: usize, id: TaskId) {
        let state = match self.tasks.get(key) {
            Some(task) if task.id == id => task.state,
            _ => return,
        };
        match state {
            TaskState::Ready | TaskState::Running => return,
            // The timer entry stays; it is ignored once the state changed.
            TaskState::Sleeping { .. } => {}
            TaskState::WaitingForInput => self.input.forget(key, id),
            TaskState::Joining(target) => self.forget_joiner(target, key, id),
            TaskState::Waiting { .. } | TaskState::WaitingForIo(_) => self.tear_ticket(id),
        }
        if let Some(error) = self.tasks[key].completion.take_throw() {
            self.wake(key, id, Resume::Failed(error));
        }
    }

    /// The task at `key` no longer joins `target`: clear `target`'s joiner
    /// cell so its finish does not resume us a second time.
    fn forget_joiner(&mut self, target: TaskId, key: usize, id: TaskId) {
        let joined = self.tasks.iter().find(|(_, task)| task.id == target);
        if let Some((_, task)) = joined
            && task.completion.joiner.get() == Some((key, id))
        {
            task.completion.joiner.set(None);
        }
    }

    /// A task just finished and its outcome is stored: run its done
    /// callbacks, and remember a failure whose handle is alive, to report at
    /// the loop's end if nobody reads it by then.
    pub(crate) fn after_finish(&mut self, completion: &Rc<Completion>) {
        let failed = matches!(&*completion.outcome.borrow(), Some(Err(e)) if !e.is_cancelled());
        let cancelled = matches!(&*completion.outcome.borrow(), Some(Err(e)) if e.is_cancelled());
        completion.cancelled.set(cancelled);
        for callback in completion.take_callbacks() {
            run_reporting(callback);
        }
        if failed && Rc::strong_count(completion) > 1 {
            self.failed.push(Rc::downgrade(completion));
        }
    }
}

/// Reports, once, the errors of finished tasks whose handles are still
/// alive but were never read: the loop is ending and nobody will.
pub(crate) fn report_unretrieved(failed: &mut Vec<Weak<Completion>>) {
    for completion in failed.drain(..).filter_map(|weak| weak.upgrade()) {
        if let Some(error) = completion.take_unretrieved_error() {
            report(&format!(
                "task {}: error never retrieved: {}",
                completion.id,
                describe(&error)
            ));
        }
    }
}

impl Drop for Trampoline {
    /// The loop ends: errors of finished tasks whose handles are still alive
    /// and unread are reported now (asyncio's "Task exception was never
    /// retrieved"), once: the handles will not report them again.
    fn drop(&mut self) {
        report_unretrieved(&mut self.failed);
    }
}
