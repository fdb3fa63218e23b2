//! Slow motion, and noticing a step that held the loop.
//!
//! **Slow motion** ([`Pace`]): so a learner can follow one `call` and one
//! `return`, the trampoline takes one step at a time and a step that moved a
//! task's stack (a push or a pop) waits for its slot, N per second, or for
//! a click on *step* while paused. The event loop itself keeps full speed:
//! timers fire on time and lines arrive, and a task's first step after a
//! wake-up is not held, nor a step that left its stack alone (`now`,
//! `spawn`, a socket write), so the hello timer keeps real time while fib
//! crawls. Off, it costs the loop two `Cell` reads per tick (a tick runs up
//! to 1024 resumes), nothing per resume.
//!
//! **A held loop** ([`Held`]): the loop times each task's turn, with no
//! clock read per resume: a turn begins when the one before it ends, one
//! clock read between two turns of a tick, none before the first (the tick
//! has just read it) or after the last (the next tick reads it). A task
//! alone in the ready queue, as a computation is, costs no read at all. At
//! the next tick, if the tick's longest turn held the loop past a threshold,
//! the callbacks of [`Scheduler::on_held`](super::Scheduler::on_held) hear
//! of it: the task is exact, and so is how long its turn took. What it
//! cannot know without timing every resume (as `--stats` does) is which of
//! the turn's resumes (up to 1024) took the time: it names the frame on top
//! when the turn began. That is the frame that held the loop when the slow
//! step is the first of its turn — a task that blocks as soon as it is
//! woken, as `--blocking`'s `read_input` does, and every step in slow
//! motion, where a turn is one resume; a frame that calls another which
//! then blocks, in the same turn, is named instead of its callee.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use crate::kernel::{Label, Resume, TaskId, TaskState, Trampoline};

/// At most this many paced steps wait in [`Pace::take_steps`]'s log; older
/// ones are dropped. Slow motion makes a few per second.
const STEP_LOG: usize = 256;

/// The slow-motion control of a [`Scheduler`](super::Scheduler), from
/// [`Scheduler::pace`](super::Scheduler::pace): a handle, cheap to clone,
/// that plain code (a web page's controls) sets between ticks.
///
/// ```
/// use trampoline::{Clock, Coroutine, Scheduler, fib};
///
/// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
/// scheduler.pace().set_rate(Some(10.0)); // ten pushes or pops a second
/// let answer = scheduler.run_until_complete(fib(5)).unwrap();
/// assert_eq!(answer, 5);
/// // 14 calls and 14 returns below the root, each held a tenth of a second.
/// assert!(scheduler.clock().now().as_secs_f64() >= 2.7);
/// let steps = scheduler.pace().take_steps();
/// assert_eq!(steps[0].kind, trampoline::StepKind::Call);
/// assert_eq!(steps[0].label.to_string(), "fib(4)");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Pace(Rc<PaceState>);

#[derive(Debug, Default)]
struct PaceState {
    /// Held steps released per second; `None`: full speed.
    rate: Cell<Option<f64>>,
    paused: Cell<bool>,
    /// Steps asked for with `step` while paused, not yet taken.
    steps: Cell<u32>,
    /// The paced steps taken, for a live view to show one by one.
    log: RefCell<VecDeque<PacedStep>>,
    /// Tasks held after a push or pop, FIFO: key, id and what they will be
    /// resumed with. Here rather than in the gate so a live view can list
    /// them.
    held: RefCell<VecDeque<(usize, TaskId, Resume)>>,
}

/// One step taken in slow motion: a push or a pop.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PacedStep {
    /// Loop time when it was taken.
    pub at: Duration,
    /// The task.
    pub task: TaskId,
    /// A call, a return or a throw.
    pub kind: StepKind,
    /// The frame pushed (a call) or popped (a return or a throw).
    pub label: Label,
    /// The stack's depth after the step.
    pub depth: usize,
    /// The error on its way into the caller, for a throw.
    pub error: Option<String>,
}

/// What a paced step did to its task's stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// A generator was pushed.
    Call,
    /// A generator returned and was popped.
    Return,
    /// A generator failed and was popped; its error goes into the caller.
    Throw,
}

impl Pace {
    /// Pushes and pops per second (`None`: full speed). Fractions are fine.
    ///
    /// ```
    /// let pace = trampoline::Scheduler::new().unwrap().pace();
    /// pace.set_rate(Some(2.5));
    /// assert_eq!(pace.rate(), Some(2.5));
    /// ```
    pub fn set_rate(&self, per_second: Option<f64>) {
        let rate = per_second.filter(|r| r.is_finite() && *r > 0.0);
        self.0.rate.set(rate);
    }

    /// The rate set, if any.
    ///
    /// ```
    /// assert_eq!(trampoline::Scheduler::new().unwrap().pace().rate(), None);
    /// ```
    pub fn rate(&self) -> Option<f64> {
        self.0.rate.get()
    }

    /// Holds every push and pop until [`step`](Self::step) or
    /// [`play`](Self::play).
    ///
    /// ```
    /// let pace = trampoline::Scheduler::new().unwrap().pace();
    /// pace.pause();
    /// assert!(pace.is_paused());
    /// ```
    pub fn pause(&self) {
        self.0.paused.set(true);
    }

    /// Ends a pause: back to the rate (or full speed).
    ///
    /// ```
    /// let pace = trampoline::Scheduler::new().unwrap().pace();
    /// pace.pause();
    /// pace.play();
    /// assert!(!pace.is_paused());
    /// ```
    pub fn play(&self) {
        self.0.paused.set(false);
        self.0.steps.set(0);
    }

    /// While paused: let one held step go.
    ///
    /// ```
    /// let pace = trampoline::Scheduler::new().unwrap().pace();
    /// pace.pause();
    /// pace.step();
    /// ```
    pub fn step(&self) {
        self.0.steps.set(self.0.steps.get().saturating_add(1));
    }

    /// Whether paused.
    ///
    /// ```
    /// assert!(!trampoline::Scheduler::new().unwrap().pace().is_paused());
    /// ```
    pub fn is_paused(&self) -> bool {
        self.0.paused.get()
    }

    /// Whether the loop runs in slow motion (a rate, or a pause).
    ///
    /// ```
    /// assert!(!trampoline::Scheduler::new().unwrap().pace().is_on());
    /// ```
    #[inline]
    pub fn is_on(&self) -> bool {
        self.0.paused.get() || self.0.rate.get().is_some()
    }

    /// The paced steps taken since the last call, oldest first (at most the
    /// last 256).
    ///
    /// ```
    /// assert!(trampoline::Scheduler::new().unwrap().pace().take_steps().is_empty());
    /// ```
    pub fn take_steps(&self) -> Vec<PacedStep> {
        self.0.log.borrow_mut().drain(..).collect()
    }

    /// The tasks held until their slot, in the order they will go.
    ///
    /// ```
    /// assert!(trampoline::Scheduler::new().unwrap().pace().held().is_empty());
    /// ```
    pub fn held(&self) -> Vec<TaskId> {
        self.0.held.borrow().iter().map(|(_, id, _)| *id).collect()
    }

    fn log(&self, step: PacedStep) {
        let mut log = self.0.log.borrow_mut();
        if log.len() == STEP_LOG {
            log.pop_front();
        }
        log.push_back(step);
    }
}

/// The event loop's side of slow motion: when the next slot opens, and
/// whether slow motion was on at the last tick (the held tasks are in the
/// [`Pace`], where a live view can list them).
#[derive(Debug, Default)]
pub(crate) struct Gate {
    pub(crate) pace: Pace,
    /// When the next held task may go (loop time).
    next_slot: Duration,
    /// Slow motion was on at the last tick.
    was_on: bool,
    /// New tasks let go after waiting for their first step: not held again.
    admitted: Vec<(usize, TaskId)>,
}

impl Gate {
    /// Called once per tick: starts or ends slow motion when the control
    /// changed, and lets go the held tasks whose slot came. Returns whether
    /// slow motion is on.
    pub(crate) fn admit(&mut self, trampoline: &mut Trampoline, now: Duration) -> bool {
        let on = self.pace.is_on();
        if on != self.was_on {
            self.was_on = on;
            trampoline.steps_per_turn = if on { 1 } else { crate::kernel::STEPS_PER_TURN };
            self.next_slot = now;
            if !on {
                // Full speed again: every held task goes.
                self.release(trampoline, usize::MAX);
                self.admitted.clear();
            }
        }
        if !on {
            return false;
        }
        let state = &self.pace.0;
        let holds = self.holds_tasks();
        if state.paused.get() {
            let steps = state.steps.replace(0);
            self.release(trampoline, steps as usize);
        } else if let Some(rate) = state.rate.get()
            && now >= self.next_slot
            && holds
        {
            self.release(trampoline, 1);
            // From now, not from the last slot: a late tick makes the pace a
            // little slower instead of letting a burst through.
            self.next_slot = now + Duration::from_secs_f64(1.0 / rate);
        }
        true
    }

    /// Puts up to `count` held tasks back in the ready queue.
    fn release(&mut self, trampoline: &mut Trampoline, count: usize) {
        let mut held = self.pace.0.held.borrow_mut();
        for _ in 0..count.min(held.len()) {
            let (key, id, resume) = held.pop_front().expect("BUG: counted");
            if trampoline.tasks.get(key).is_some_and(|task| task.id == id) {
                if matches!(resume, Resume::Start) {
                    self.admitted.push((key, id));
                }
                trampoline.tasks[key].state = TaskState::Ready;
                trampoline.ready.push_back((key, resume));
            }
        }
    }

    /// Before a turn in slow motion: a new task (resumed with `Start`) waits
    /// for a slot before its first step, once. `Some`: run it now.
    pub(crate) fn before_first_step(
        &mut self,
        trampoline: &mut Trampoline,
        key: usize,
        resume: Resume,
    ) -> Option<Resume> {
        let id = trampoline.tasks[key].id;
        if !matches!(resume, Resume::Start) {
            return Some(resume);
        }
        if let Some(at) = self.admitted.iter().position(|&t| t == (key, id)) {
            self.admitted.swap_remove(at);
            return Some(resume);
        }
        self.pace.0.held.borrow_mut().push_back((key, id, resume));
        None
    }

    /// After a one-step turn of the task at `key`, whose stack was `depth`
    /// deep with `top` on top before it: if the step pushed or popped and
    /// the task is ready to go on, hold it (and log the step).
    pub(crate) fn after_step(
        &mut self,
        trampoline: &mut Trampoline,
        (key, id, depth, top): (usize, TaskId, usize, Label),
    ) {
        let Some(task) = trampoline.tasks.get(key).filter(|task| task.id == id) else {
            return;
        };
        let now_depth = task.stack.len();
        let ready_again = task.state == TaskState::Ready
            && trampoline.ready.back().is_some_and(|(k, _)| *k == key);
        if now_depth == depth || !ready_again {
            return;
        }
        let label = task.stack.last().map(|f| f.label());
        let (_, resume) = trampoline.ready.pop_back().expect("BUG: checked");
        let (kind, label, error) = match &resume {
            _ if now_depth > depth => (StepKind::Call, label.unwrap_or(top), None),
            Resume::Failed(error) => (StepKind::Throw, top, Some(error.to_string())),
            _ => (StepKind::Return, top, None),
        };
        self.pace.log(PacedStep {
            at: trampoline.clock.now(),
            task: id,
            kind,
            label,
            depth: now_depth,
            error,
        });
        trampoline.tasks[key].state = TaskState::Ready;
        self.pace.0.held.borrow_mut().push_back((key, id, resume));
    }

    /// When the next held task goes, if one waits and is not paused.
    pub(crate) fn next_deadline(&self) -> Option<Duration> {
        (self.holds_tasks() && !self.pace.is_paused()).then_some(self.next_slot)
    }

    /// Whether tasks are held: the loop must not call that a deadlock.
    pub(crate) fn holds_tasks(&self) -> bool {
        !self.pace.0.held.borrow().is_empty()
    }
}

/// One task's turn held the loop longer than a threshold: what
/// [`Scheduler::on_held`](super::Scheduler::on_held)'s callbacks hear.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Held {
    /// Loop time when it was noticed (at the next tick).
    pub at: Duration,
    /// How long the turn held the loop.
    pub took: Duration,
    /// How late the earliest timer is by now (zero if none is due).
    pub late: Duration,
    /// The task whose turn it was.
    pub task: TaskId,
    /// Its top frame when the turn began (see the module docs).
    pub frame: Label,
}

/// `read_input (task 1) held the loop for 812.0 ms; timers are 612.3 ms late now`.
impl std::fmt::Display for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (task {}) held the loop for {:.1} ms",
            self.frame,
            self.task,
            self.took.as_secs_f64() * 1e3
        )?;
        if !self.late.is_zero() {
            write!(
                f,
                "; timers are {:.1} ms late now",
                self.late.as_secs_f64() * 1e3
            )?;
        }
        Ok(())
    }
}

/// The turns of the ticks since the last look, timed one by one: each
/// begins where the one before it ended.
#[derive(Debug, Default)]
pub(crate) struct Turns {
    /// The turn running: when it began, its task and top frame then.
    current: Option<(Duration, TaskId, Label)>,
    /// The longest turn ended since the last look: how long, task, frame.
    longest: Option<(Duration, TaskId, Label)>,
}

impl Turns {
    /// A turn begins at `at` (and the one before it ends).
    pub(crate) fn begin(&mut self, at: Duration, task: TaskId, frame: Label) {
        self.end(at);
        self.current = Some((at, task, frame));
    }

    /// The running turn, if any, ended at `at`.
    fn end(&mut self, at: Duration) {
        if let Some((began, task, frame)) = self.current.take() {
            let took = at.saturating_sub(began);
            if self.longest.is_none_or(|(longest, ..)| took > longest) {
                self.longest = Some((took, task, frame));
            }
        }
    }

    /// The longest turn that ended by `now`, forgotten here.
    pub(crate) fn take_longest(&mut self, now: Duration) -> Option<(Duration, TaskId, Label)> {
        self.end(now);
        self.longest.take()
    }
}

/// A callback told when the loop was held past its threshold.
pub(crate) type OnHeld = (Duration, Box<dyn FnMut(&Held)>);
