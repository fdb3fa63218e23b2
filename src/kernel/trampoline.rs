//! The trampoline: resume a task's top generator and interpret the command it
//! yields, pushing and popping the task's stack.
//!
//! PEP 342's Trampoline, and the seed's `EventLoop.resume_task`: when a
//! coroutine yields a sub-coroutine, push it and run it; when it finishes, pop
//! it and resume the caller with its value, or throw its error into the
//! caller. The stack is a `Vec`, so a chain a million calls deep costs no
//! native stack at all.
//!
//! Read [`Trampoline::run_turn`] and [`Trampoline::interpret`] first: they are
//! the core step, on one screen. Each command kind has one method below
//! them, in the order of the `match`.

use std::cell::Cell;
use std::collections::{HashMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

use genawaiter::GeneratorState;
use slab::Slab;

use super::clock::Clock;
use super::command::{Command, Nanos, Resume};
use super::error::{Error, ErrorKind};
use super::events::{LoopEvent, Observers};
use super::extensions::Extensions;
use super::frame::Frame;
use super::input::InputQueue;
use super::report::{describe, panic_message, report};
use super::task::{Completion, Task, TaskId, TaskState};
use super::timers::Timers;
use super::value::Outcome;
use super::waitlist::WaitList;
use super::wake::{Mailbox, line};

/// How many generator resumes a task may make before the next ready task gets
/// its turn (and the loop checks its timers and IO). Large enough that the
/// per-turn bookkeeping is noise, small enough that a turn lasts microseconds.
pub(crate) const STEPS_PER_TURN: u32 = 1024;

/// The tasks and everything a command can touch.
#[derive(Debug)]
pub(crate) struct Trampoline {
    /// Live tasks by key. Keys are reused; [`TaskId`]s are not.
    pub(crate) tasks: Slab<Task>,
    /// Tasks ready to run, each with the value it will be resumed with.
    pub(crate) ready: VecDeque<(usize, Resume)>,
    /// Sleeping tasks (and waits with a timeout) by deadline: key and id.
    pub(crate) timers: Timers<(usize, TaskId)>,
    pub(crate) input: InputQueue,
    pub(crate) clock: Clock,
    pub(crate) observers: Observers,
    /// What plain code asks of the trampoline: wake-ups, throws.
    pub(crate) mailbox: Rc<Mailbox>,
    /// The "still waiting" flag of every task parked with a ticket
    /// (`wake.rs`), to tear when it leaves by another door.
    pub(crate) tickets: HashMap<TaskId, Rc<Cell<bool>>>,
    /// Finished tasks that failed while a handle was alive: checked for
    /// never-retrieved errors when the loop is dropped.
    pub(crate) failed: Vec<Weak<Completion>>,
    /// What the layers above keep in the loop (the socket table, the pool).
    pub(crate) extensions: Extensions,
    /// How many resumes a turn may make: [`STEPS_PER_TURN`], or 1 while the
    /// event loop runs in slow motion (`event_loop/pace.rs`).
    pub(crate) steps_per_turn: u32,
    next_id: TaskId,
}

impl Trampoline {
    pub(crate) fn new(clock: Clock) -> Self {
        Trampoline {
            tasks: Slab::new(),
            ready: VecDeque::new(),
            timers: Timers::default(),
            input: InputQueue::default(),
            clock,
            observers: Observers::default(),
            mailbox: Rc::default(),
            tickets: HashMap::new(),
            failed: Vec::new(),
            extensions: Extensions::default(),
            steps_per_turn: STEPS_PER_TURN,
            next_id: TaskId::first(),
        }
    }

    /// Runs the task at `key`, resumed with `resume`, until it parks, finishes
    /// or has used its turn. This `for` loop is the trampoline. The wake-ups
    /// its plain code asked for are carried out as its step ends, so the
    /// tasks it woke run before its own next step (`wake.rs`).
    pub(crate) fn run_turn(&mut self, key: usize, mut resume: Resume) {
        self.tasks[key].state = TaskState::Running;
        let id = self.tasks[key].id;
        self.emit(|| LoopEvent::Resumed { task: id });
        if let Some(error) = self.tasks[key].completion.take_throw() {
            resume = match self.throw_at_turn_start(key, resume, error) {
                Some(thrown) => thrown,
                None => return,
            };
        }
        for _ in 0..self.steps_per_turn {
            let next = match self.resume_top(key, resume) {
                Ok(GeneratorState::Yielded(command)) => self.interpret(key, command),
                Ok(GeneratorState::Complete(outcome)) => self.pop(key, outcome),
                Err(panic) => self.panicked(key, panic),
            };
            match next {
                Some(value) => resume = value,
                None => return self.apply_wakes(),
            }
        }
        self.make_ready(key, resume);
    }

    /// Carries out one command. `Some(value)`: resume the task at once with
    /// it. `None`: the task is parked (or gone) until something wakes it.
    #[inline]
    fn interpret(&mut self, key: usize, command: Command) -> Option<Resume> {
        match command {
            Command::Call(frame) => self.call(key, frame),
            Command::Sleep(duration) => self.sleep(key, duration),
            Command::ReadLine => self.read_line(key),
            Command::Spawn(root) => self.spawn_task(root),
            Command::Join(completion) => self.join(key, completion),
            Command::Now => self.now(),
            Command::UnixTime => self.unix_time(),
            Command::Wait(wait) => self.wait(key, *wait),
            Command::Apply(call) => (*call).apply(self, key),
        }
    }

    /// Resumes the task's top generator until it yields or completes.
    /// A panic is caught here: it fails this task, not the loop.
    #[inline]
    fn resume_top(&mut self, key: usize, resume: Resume) -> std::thread::Result<Step> {
        let timed = self.observers.steps.then(Instant::now);
        let top = self.tasks[key]
            .stack
            .last_mut()
            .expect("BUG: a live task's stack is never empty");
        let step = catch_unwind(AssertUnwindSafe(|| top.resume(resume)));
        if let Some(started) = timed {
            self.stepped(key, started.elapsed());
        }
        step
    }

    /// `Call`: push the sub-coroutine; it starts at once.
    #[inline]
    fn call(&mut self, key: usize, frame: Frame) -> Option<Resume> {
        self.push(key, frame);
        Some(Resume::Start)
    }

    /// `Sleep`: park on the timer heap. Zero means "after the other ready
    /// tasks": back of the ready queue.
    fn sleep(&mut self, key: usize, duration: Nanos) -> Option<Resume> {
        let duration = duration.duration();
        if duration.is_zero() {
            self.make_ready(key, Resume::Woke);
            return None;
        }
        let until = self.clock.now().saturating_add(duration);
        let id = self.tasks[key].id;
        self.tasks[key].timer = self.timers.insert(until, (key, id));
        self.park(key, TaskState::Sleeping { until });
        None
    }

    /// `ReadLine`: a buffered line at once, else park until one comes.
    fn read_line(&mut self, key: usize) -> Option<Resume> {
        if let Some(delivery) = self.input.take() {
            return Some(line(delivery));
        }
        self.input.wait(key, self.tasks[key].id);
        self.park(key, TaskState::WaitingForInput);
        None
    }

    /// `Spawn`: a new task; the spawner goes on at once with its completion.
    fn spawn_task(&mut self, root: Frame) -> Option<Resume> {
        let spawned = (self.spawn(root), self.mailbox.clone());
        Some(Resume::Spawned(Box::new(spawned)))
    }

    /// `Join`: the task's outcome at once if it has one, else park until it
    /// finishes (`finish` resumes the joiner).
    fn join(&mut self, key: usize, completion: Rc<Completion>) -> Option<Resume> {
        let id = self.tasks[key].id;
        if completion.id == id {
            let message = format!("task {id} cannot join itself: it would wait forever");
            return Some(Resume::Failed(Error::msg(message)));
        }
        if let Some(outcome) = completion.take() {
            return Some(answer(outcome));
        }
        completion.joiner.set(Some((key, id)));
        self.park(key, TaskState::Joining(completion.id));
        None
    }

    /// `Now`: the loop's clock.
    fn now(&self) -> Option<Resume> {
        Some(Resume::Now(Nanos::new(self.clock.now())))
    }

    /// `UnixTime`: the time since the Unix epoch, by the loop's clock.
    fn unix_time(&self) -> Option<Resume> {
        Some(Resume::Now(Nanos::new(self.clock.unix_time())))
    }

    /// `Wait`: park on a wait list (`wake.rs`).
    fn wait(
        &mut self,
        key: usize,
        (list, timeout): (WaitList, Option<Duration>),
    ) -> Option<Resume> {
        self.park_on(key, &list, timeout);
        None
    }

    /// Creates a task whose stack is `root` and queues it.
    pub(crate) fn spawn(&mut self, root: Frame) -> Rc<Completion> {
        self.apply_wakes();
        let id = self.next_id;
        self.next_id = id.next();
        let label = root.label();
        let completion = Rc::new(Completion::new(id, label, self.tasks.vacant_key()));
        let key = self.tasks.insert(Task {
            id,
            stack: vec![root],
            state: TaskState::Ready,
            completion: completion.clone(),
            timer: u64::MAX,
        });
        self.ready.push_back((key, Resume::Start));
        self.emit(|| LoopEvent::Spawned { task: id, label });
        completion
    }

    /// Pushes `frame` on the task's stack, to be resumed next.
    #[inline]
    pub(crate) fn push(&mut self, key: usize, frame: Frame) {
        let task = &mut self.tasks[key];
        let (id, label) = (task.id, frame.label());
        task.stack.push(frame);
        let depth = task.stack.len();
        if self.observers.calls {
            self.emit(|| LoopEvent::Called {
                task: id,
                label,
                depth,
            });
        }
    }

    /// The top generator finished: pop it, and resume its caller with the
    /// outcome, or finish the task if it was the root.
    #[inline]
    pub(crate) fn pop(&mut self, key: usize, outcome: Outcome) -> Option<Resume> {
        let task = &mut self.tasks[key];
        let depth = task.stack.len();
        let frame = task
            .stack
            .pop()
            .expect("BUG: a live task's stack is never empty");
        let task = task.id;
        let outcome = outcome.map_err(|error| error.thrown_through(frame.label()));
        if self.observers.active() && (self.observers.calls || outcome.is_err()) {
            let label = frame.label();
            self.emit(|| match &outcome {
                Ok(_) => LoopEvent::Returned { task, label, depth },
                Err(error) => LoopEvent::Threw {
                    task,
                    label,
                    depth,
                    error,
                },
            });
        }
        drop(frame);
        if depth == 1 {
            self.finish(key, outcome);
            return None;
        }
        Some(answer(outcome))
    }

    /// The task panicked: drop its stack and finish it with the panic as its
    /// error, so the other tasks go on and nobody waits forever.
    #[cold] // kept out of `run_turn`, where it is called
    fn panicked(&mut self, key: usize, payload: Box<dyn std::any::Any + Send>) -> Option<Resume> {
        let task = &mut self.tasks[key];
        let mut error = Error::from(ErrorKind::Panicked(panic_message(payload.as_ref())));
        for label in task.labels().collect::<Vec<_>>() {
            error = error.thrown_through(label);
        }
        let stack = std::mem::take(&mut task.stack);
        drop_frames(stack);
        self.finish(key, Err(error));
        None
    }

    /// Removes a task whose root is done and hands its outcome on: to the task
    /// joining it, else to its join handle, else (a failure nobody can
    /// retrieve) to stderr. A task that cancelled (or threw into) itself and
    /// then returned ends with that error, as asyncio's does.
    pub(crate) fn finish(&mut self, key: usize, outcome: Outcome) {
        let pending = self.tasks[key].completion.take_throw();
        let outcome = outcome.and_then(|value| pending.map_or(Ok(value), Err));
        let mut task = self.tasks.remove(key);
        let completion = task.completion.clone();
        drop_frames(std::mem::take(&mut task.stack));
        drop(task);
        let (id, label) = (completion.id, completion.label);
        self.emit(|| LoopEvent::Finished {
            task: id,
            label,
            error: outcome.as_ref().err(),
        });
        completion.finish(outcome);
        self.after_finish(&completion);
        self.apply_wakes();
        if let Some((joiner, joiner_id)) = completion.joiner.take() {
            let outcome = completion.take().expect("BUG: the outcome was just stored");
            self.wake(joiner, joiner_id, answer(outcome));
        } else if Rc::strong_count(&completion) == 1
            && let Some(error) = completion.take_unretrieved_error()
        {
            // No handle left: nobody can ever look at the error.
            report(&format!("task {id} failed: {}", describe(&error)));
        }
    }

    /// Tells the observers who want it how long the top frame's step took
    /// (it is still on top: a push or pop happens after this).
    fn stepped(&mut self, key: usize, took: Duration) {
        let task = &self.tasks[key];
        let (id, depth) = (task.id, task.stack.len());
        let label = task.stack[depth - 1].label();
        self.emit(|| LoopEvent::Stepped {
            task: id,
            label,
            depth,
            took,
        });
    }

    /// Tells the observers, building the event only if somebody listens.
    #[inline]
    pub(crate) fn emit<'a>(&mut self, event: impl FnOnce() -> LoopEvent<'a>) {
        if self.observers.active() {
            let at = if self.observers.time {
                self.clock.now()
            } else {
                Duration::ZERO
            };
            self.observers.emit(at, &event());
        }
    }
}

/// What one resume of a generator gives: the command it yielded, or the
/// outcome it completed with.
type Step = GeneratorState<Command, Outcome>;

/// What a caller (or joiner) is resumed with when the callee is done.
pub(crate) fn answer(outcome: Outcome) -> Resume {
    match outcome {
        Ok(value) => Resume::Returned(value),
        Err(error) => Resume::Failed(error),
    }
}

/// Drops a stack innermost frame first, the order its cleanups would run in,
/// one frame at a time (no recursion however deep), and survives a frame whose
/// drop panics.
fn drop_frames(mut stack: Vec<Frame>) {
    while let Some(frame) = stack.pop() {
        let label = frame.label();
        if catch_unwind(AssertUnwindSafe(|| drop(frame))).is_err() {
            report(&format!("a frame panicked while being dropped: {label}"));
        }
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        drop_frames(std::mem::take(&mut self.stack));
    }
}
