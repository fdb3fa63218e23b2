//! Parking and waking: how a task leaves the ready queue, and every way it
//! comes back to it.
//!
//! A task parks when its command cannot be answered yet: its state says what
//! it waits for, and whatever it waits on keeps a note of it (the timer heap,
//! the input queue, the joined task's completion, a wait list, an IO source).
//! It is woken by exactly one of those, resumed with the answer; the others
//! must then forget it. Timers are told by a sequence number (`Task::timer`),
//! the input queue and a joined task are told directly, and wait lists and
//! IO sources hold a [`Parked`] ticket whose shared flag the kernel clears,
//! so a stale note is skipped wherever it is found.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use slab::Slab;

use super::command::Resume;
use super::events::LoopEvent;
use super::input::Delivery;
use super::report::{panic_message, report};
use super::task::{Task, TaskId, TaskState};
use super::trampoline::Trampoline;
use super::waitlist::WaitList;

/// A plain closure the loop runs. Arguments are captured, so
/// `functools.partial(add_ingredient, 'honey')` is just `move || add("honey")`.
pub(crate) type Callback = Box<dyn FnOnce()>;

/// What plain code asks of the trampoline. Plain code (`put_nowait`,
/// `cancel`, a done callback) runs while the trampoline is busy and cannot
/// touch it, so it leaves requests in the loop's [`Mailbox`], which every
/// handle holds; the trampoline carries them out as soon as the step that
/// left them ends ([`Trampoline::apply_wakes`]).
pub(crate) enum Wake {
    /// Wake this task, parked in a wait list, unless it has already left
    /// the list (woken by its timeout, or cancelled).
    Waiter(Parked),
    /// Throw the error waiting in this task's completion into it.
    Throw { key: usize, id: TaskId },
    /// Run this callback (a done callback added after its task finished).
    Run(Callback),
}

/// The requests plain code leaves for the trampoline, in order.
#[derive(Default)]
pub(crate) struct Mailbox {
    pub(crate) wakes: RefCell<VecDeque<Wake>>,
}

impl fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mailbox({} requests)", self.wakes.borrow().len())
    }
}

/// Runs a callback; a panic in it is reported on stderr and the loop goes on.
pub(crate) fn run_reporting(callback: Callback) {
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(callback));
    if let Err(payload) = run {
        report(&format!(
            "a callback panicked: {}",
            panic_message(payload.as_ref())
        ));
    }
}

/// A parked task as what it waits on keeps it: a wait list, a socket, the
/// thread pool. Hand it back to [`Trampoline::wake_parked`] to wake the task.
/// Its flag is shared with the kernel, which clears it when the task leaves
/// by another door (a timeout, a throw): a stale ticket wakes nobody.
#[derive(Debug)]
pub(crate) struct Parked {
    pub(crate) key: usize,
    pub(crate) id: TaskId,
    waiting: Rc<Cell<bool>>,
}

impl Parked {
    /// Whether the task still waits here.
    pub(crate) fn is_waiting(&self) -> bool {
        self.waiting.get()
    }
}

impl Trampoline {
    /// Takes the task out of the ready queue: it waits in `state`.
    pub(crate) fn park(&mut self, key: usize, state: TaskState) {
        let task = &mut self.tasks[key];
        task.state = state;
        let id = task.id;
        self.emit(|| LoopEvent::Parked { task: id, state });
    }

    /// Parks the task and returns its ticket, for what it waits on to keep.
    pub(crate) fn park_with_ticket(&mut self, key: usize, state: TaskState) -> Parked {
        let id = self.tasks[key].id;
        let waiting = Rc::new(Cell::new(true));
        self.tickets.insert(id, waiting.clone());
        self.park(key, state);
        Parked { key, id, waiting }
    }

    /// Puts the task at the back of the ready queue, to be resumed with
    /// `resume`, without telling anyone (it did not wait for anything); behind
    /// the tasks it woke in the step that ends here.
    pub(crate) fn make_ready(&mut self, key: usize, resume: Resume) {
        self.apply_wakes();
        self.tasks[key].state = TaskState::Ready;
        self.ready.push_back((key, resume));
    }

    /// Makes a parked task ready, to be resumed with `resume`. A key whose task
    /// is gone or is another task now (keys are reused) is ignored.
    pub(crate) fn wake(&mut self, key: usize, id: TaskId, resume: Resume) {
        if let Some(task) = self.tasks.get_mut(key)
            && task.id == id
        {
            task.state = TaskState::Ready;
            task.timer = u64::MAX; // its timer entry, if any, is stale now
            self.ready.push_back((key, resume));
            self.emit(|| LoopEvent::Woken { task: id });
        }
    }

    /// Wakes the task behind a ticket, unless it has left already: `false`
    /// then, and nobody was woken.
    pub(crate) fn wake_parked(&mut self, parked: Parked, resume: Resume) -> bool {
        if !parked.waiting.replace(false) {
            return false;
        }
        self.tickets.remove(&parked.id);
        self.wake(parked.key, parked.id, resume);
        true
    }

    /// The task leaves by another door: its ticket, wherever it is kept, is
    /// dead from now on.
    pub(crate) fn tear_ticket(&mut self, id: TaskId) {
        if let Some(waiting) = self.tickets.remove(&id) {
            waiting.set(false);
        }
    }

    /// `Command::Wait`: parks the task on `list`, and on the timer heap too
    /// if there is a timeout.
    pub(crate) fn park_on(&mut self, key: usize, list: &WaitList, timeout: Option<Duration>) {
        let until = timeout.map(|t| self.clock.now().saturating_add(t));
        if let Some(deadline) = until {
            let id = self.tasks[key].id;
            self.tasks[key].timer = self.timers.insert(deadline, (key, id));
        }
        let parked = self.park_with_ticket(key, TaskState::Waiting { until });
        list.register(parked, self.mailbox.clone());
    }

    /// Hands buffered input lines to the tasks waiting for them.
    pub(crate) fn deliver_input(&mut self) {
        while let Some(((key, id), delivery)) = self.input.next_delivery() {
            self.wake(key, id, line(delivery));
        }
    }

    /// Carries out the wake requests plain code left in the mailbox: between
    /// ticks, and whenever a task's step ends (it parks, yields, spawns or
    /// finishes), so a woken task is queued ahead of its waker's next step,
    /// as asyncio schedules it. A call, fib's hot path, never gets here; an
    /// empty mailbox costs one `pop_front`. Never inlined: kept out of
    /// `run_turn`'s loop, it leaves that loop's code as it was.
    #[inline(never)]
    pub(crate) fn apply_wakes(&mut self) {
        loop {
            let wake = self.mailbox.wakes.borrow_mut().pop_front();
            match wake {
                Some(Wake::Waiter(parked)) => {
                    self.wake_parked(parked, Resume::Woke);
                }
                Some(Wake::Throw { key, id }) => self.deliver_throw(key, id),
                Some(Wake::Run(callback)) => run_reporting(callback),
                None => return,
            }
        }
    }

    /// Wakes the sleeping tasks whose deadline is at or before `now`, and the
    /// waiting ones whose timeout ran out (they then see their condition still
    /// unmet and their deadline passed), in deadline order. A stale entry,
    /// whose task was woken another way, is ignored.
    pub(crate) fn wake_due_timers(&mut self, now: Duration) {
        while let Some((seq, (key, id))) = self.timers.pop_due(now) {
            // A sleeper has no ticket to tear: `tear_ticket` finds none.
            if rings(&self.tasks, seq, key, id) {
                self.tear_ticket(id);
                self.wake(key, id, Resume::Woke);
            }
        }
    }

    /// The next deadline a task still waits for: the stale entries in front
    /// go first (`Timers::prune`).
    pub(crate) fn next_timer(&mut self) -> Option<Duration> {
        let tasks = &self.tasks;
        self.timers
            .prune(|seq, &(key, id)| !rings(tasks, seq, key, id));
        self.timers.next_deadline()
    }

    /// Nothing to run now: no ready task, no request waiting.
    pub(crate) fn is_idle(&self) -> bool {
        self.ready.is_empty() && self.mailbox.wakes.borrow().is_empty()
    }
}

/// What a reader is resumed with: the line, its end, or why it is unreadable.
/// Whether the timer entry `seq` for task `id` at `key` is live: the task
/// still sleeps, or waits with a timeout, on that very entry (a wake-up by
/// any door marks its entry stale: `wake`).
fn rings(tasks: &Slab<Task>, seq: u64, key: usize, id: TaskId) -> bool {
    tasks
        .get(key)
        .is_some_and(|task| task.id == id && task.timer == seq)
}

pub(crate) fn line(delivery: Delivery) -> Resume {
    match delivery {
        Some(Ok(line)) => Resume::Line(Some(Box::new(line))),
        Some(Err(error)) => Resume::Failed(error),
        None => Resume::Line(None),
    }
}
