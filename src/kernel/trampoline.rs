//! The trampoline: resume a task's top generator and interpret the command it
//! yields, pushing and popping the task's stack.
//!
//! PEP 342's Trampoline, and the seed's `EventLoop.resume_task`: when a
//! coroutine yields a sub-coroutine, push it and run it; when it finishes, pop
//! it and resume the caller with its value, or throw its error into the
//! caller. The stack is a `Vec`, so a chain a million calls deep costs no
//! native stack at all.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::time::Instant;

use genawaiter::GeneratorState;
use slab::Slab;

use crate::clock::Clock;
use crate::command::{Command, Nanos, Resume};
use crate::error::{Error, ErrorKind};
use crate::executor::{Executor, Job};
use crate::frame::Frame;
use crate::input::{Delivery, InputQueue};
use crate::loop_control::LoopControl;
use crate::net::NetOp;
use crate::observe::{LoopEvent, Observers};
use crate::snapshot::snapshot;
use crate::sockets::Sockets;
use crate::task::{Completion, Task, TaskId, TaskState, describe, report};
use crate::tasks::Control;
use crate::timers::Timers;
use crate::value::Outcome;

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
    pub(crate) timers: Timers,
    pub(crate) input: InputQueue,
    pub(crate) clock: Clock,
    pub(crate) observers: Observers,
    /// Callbacks, wake-ups from plain code, cancellation (`loop_control.rs`).
    pub(crate) control: LoopControl,
    pub(crate) sockets: Sockets,
    pub(crate) executor: Executor,
    next_id: TaskId,
}

impl Trampoline {
    /// `registry` is the scheduler's poller: sockets and the executor's
    /// waker register with it.
    pub(crate) fn new(clock: Clock, registry: &mio::Registry) -> std::io::Result<Self> {
        Ok(Trampoline {
            tasks: Slab::new(),
            ready: VecDeque::new(),
            timers: Timers::default(),
            input: InputQueue::default(),
            clock,
            observers: Observers::default(),
            control: LoopControl::default(),
            sockets: Sockets::new(registry.try_clone()?),
            executor: Executor::new(registry)?,
            next_id: TaskId::first(),
        })
    }

    /// Creates a task whose stack is `root` and queues it.
    pub(crate) fn spawn(&mut self, root: Frame) -> Rc<Completion> {
        let id = self.next_id;
        self.next_id = id.next();
        let label = root.label();
        let control = Control::new(self.tasks.vacant_key());
        let completion = Rc::new(Completion::new(id, label, control));
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

    /// Runs the task at `key`, resumed with `resume`, until it parks, finishes
    /// or has used its turn.
    pub(crate) fn run_turn(&mut self, key: usize, mut resume: Resume) {
        self.tasks[key].state = TaskState::Running;
        let id = self.tasks[key].id;
        self.emit(|| LoopEvent::Resumed { task: id });
        if let Some(error) = self.tasks[key].completion.control.take_throw() {
            match self.throw_at_turn_start(key, resume, error) {
                Some(thrown) => resume = thrown,
                None => return,
            }
        }
        for _ in 0..STEPS_PER_TURN {
            let task = &mut self.tasks[key];
            let top = task
                .stack
                .last_mut()
                .expect("BUG: a live task's stack is never empty");
            let timed = self.observers.times_steps().then(Instant::now);
            let step = catch_unwind(AssertUnwindSafe(|| top.resume(resume)));
            if let Some(started) = timed {
                self.stepped(key, started.elapsed());
            }
            let next = match step {
                Ok(GeneratorState::Yielded(command)) => self.interpret(key, command),
                Ok(GeneratorState::Complete(outcome)) => self.pop(key, outcome),
                Err(payload) => {
                    self.panicked(key, payload);
                    None
                }
            };
            match next {
                Some(value) => resume = value,
                None => return,
            }
        }
        self.tasks[key].state = TaskState::Ready;
        self.ready.push_back((key, resume));
    }

    /// Carries out one command. `Some(value)`: resume the task at once with
    /// it. `None`: the task is parked (or gone) until something wakes it.
    fn interpret(&mut self, key: usize, command: Command) -> Option<Resume> {
        let id = self.tasks[key].id;
        match command {
            Command::Call(frame) => {
                let stack = &mut self.tasks[key].stack;
                stack.push(frame);
                let depth = stack.len();
                let label = stack[depth - 1].label();
                self.emit(|| LoopEvent::Called {
                    task: id,
                    label,
                    depth,
                });
                Some(Resume::Start)
            }
            Command::Sleep(duration) if duration.duration().is_zero() => {
                self.tasks[key].state = TaskState::Ready;
                self.ready.push_back((key, Resume::Woke));
                None
            }
            Command::Sleep(duration) => {
                let until = self.clock.now().saturating_add(duration.duration());
                self.tasks[key].timer = self.timers.insert(until, key, id);
                self.park(key, TaskState::Sleeping { until });
                None
            }
            Command::ReadLine => match self.input.take() {
                Some(delivery) => Some(line(delivery)),
                None => {
                    self.input.wait(key, id);
                    self.park(key, TaskState::WaitingForInput);
                    None
                }
            },
            Command::Spawn(root) => Some(Resume::Spawned(Box::new((
                self.spawn(root),
                self.control.shared.clone(),
            )))),
            Command::Join(completion) if completion.id == id => Some(Resume::Failed(Error::msg(
                format!("task {id} cannot join itself: it would wait forever"),
            ))),
            Command::Join(completion) => match completion.take() {
                Some(outcome) => Some(answer(outcome)),
                None => {
                    completion.joiner.set(Some((key, id)));
                    self.park(key, TaskState::Joining(completion.id));
                    None
                }
            },
            Command::Now => Some(Resume::Now(Nanos::new(self.clock.now()))),
            Command::UnixTime => Some(Resume::Now(Nanos::new(self.clock.unix_time()))),
            Command::Wait(wait) => {
                let (list, timeout) = *wait;
                self.park_on(key, &list, timeout);
                None
            }
            Command::Next(slot) => Some(self.push_stream(key, &slot)),
            Command::Emit(slot) => Some(self.emit_value(key, &slot)),
            Command::LoopHandle => Some(Resume::Handle(self.control.handle())),
            Command::Tasks => Some(Resume::Tasks(Box::new(snapshot(&self.tasks)))),
            Command::Net(op) => self.net(key, *op),
            Command::RunInExecutor(job) => self.run_in_executor(key, *job),
        }
    }

    /// A socket operation: done at once, or the task parks on the socket.
    fn net(&mut self, key: usize, op: NetOp) -> Option<Resume> {
        let answer = self.sockets.start(op, key, self.tasks[key].id);
        self.wake_sockets_waiters();
        if answer.is_none() {
            self.park(key, TaskState::WaitingForSocket);
        }
        answer
    }

    /// Hands a closure to the pool; the task parks until its result is back.
    fn run_in_executor(&mut self, key: usize, job: Job) -> Option<Resume> {
        match self.executor.submit(job, key, self.tasks[key].id) {
            Ok(()) => {
                self.park(key, TaskState::WaitingForExecutor);
                None
            }
            Err(error) => Some(Resume::Failed(error.into())),
        }
    }

    /// Wakes the tasks whose socket operation finished or whose socket was
    /// closed under them.
    pub(crate) fn wake_sockets_waiters(&mut self) {
        for (key, id, resume) in self.sockets.take_woken() {
            self.wake_from_io(key, id, resume);
        }
    }

    /// Wakes the tasks whose closures have finished on the pool.
    pub(crate) fn wake_executor_waiters(&mut self) {
        for (key, id, resume) in self.executor.finished() {
            self.wake_from_io(key, id, resume);
        }
    }

    /// The top generator finished: pop it, and resume its caller with the
    /// outcome, or finish the task if it was the root.
    fn pop(&mut self, key: usize, outcome: Outcome) -> Option<Resume> {
        let task = &mut self.tasks[key];
        let depth = task.stack.len();
        let frame = task
            .stack
            .pop()
            .expect("BUG: a live task's stack is never empty");
        let id = task.id;
        let outcome = outcome.map_err(|error| error.thrown_through(frame.label()));
        if self.observers.active() {
            let label = frame.label();
            match &outcome {
                Ok(_) => self.emit(|| LoopEvent::Returned {
                    task: id,
                    label,
                    depth,
                }),
                Err(error) => self.emit(|| LoopEvent::Threw {
                    task: id,
                    label,
                    depth,
                    error,
                }),
            }
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
    fn panicked(&mut self, key: usize, payload: Box<dyn std::any::Any + Send>) {
        let message = crate::task::panic_message(payload.as_ref());
        let task = &mut self.tasks[key];
        let mut error = Error::from(ErrorKind::Panicked(message));
        for label in task.labels().collect::<Vec<_>>() {
            error = error.thrown_through(label);
        }
        let stack = std::mem::take(&mut task.stack);
        drop_frames(stack);
        self.finish(key, Err(error));
    }

    /// Removes a task whose root is done and hands its outcome on: to the task
    /// joining it, else to its join handle, else (a failure nobody can
    /// retrieve) to stderr.
    pub(crate) fn finish(&mut self, key: usize, outcome: Outcome) {
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
        if Rc::strong_count(&completion) == 1 && !completion.control.has_callbacks() {
            // No handle, no callback: nobody can ever look at the outcome.
            if let Err(error) = outcome
                && !error.is_cancelled()
            {
                report(&format!("task {id} failed: {}", describe(&error)));
            }
            return;
        }
        completion.finish(outcome);
        self.after_finish(&completion);
        if let Some((joiner, joiner_id)) = completion.joiner.take() {
            let outcome = completion.take().expect("BUG: the outcome was just stored");
            self.wake(joiner, joiner_id, answer(outcome));
        } else if Rc::strong_count(&completion) == 1
            && !completion.control.retrieved.get()
            && let Some(Err(error)) = completion.take()
            && !error.is_cancelled()
        {
            report(&format!("task {id} failed: {}", describe(&error)));
        }
    }

    /// Makes a parked task ready, to be resumed with `resume`. A key whose task
    /// is gone or is another task now (keys are reused) is ignored.
    pub(crate) fn wake(&mut self, key: usize, id: TaskId, resume: Resume) {
        match self.tasks.get_mut(key) {
            Some(task) if task.id == id => {
                let on_io = matches!(
                    task.state,
                    TaskState::WaitingForSocket | TaskState::WaitingForExecutor
                );
                task.state = TaskState::Ready;
                self.ready.push_back((key, resume));
                if on_io {
                    // Woken by something else than its IO (an error thrown
                    // in): its socket or job must not answer it later.
                    self.sockets.forget(key, id);
                    self.executor.forget(key, id);
                }
                self.emit(|| LoopEvent::Woken { task: id });
            }
            _ => {}
        }
    }

    /// Wakes a task whose socket operation or job is done. Its IO wait is
    /// over already, so `wake` has nothing to forget.
    fn wake_from_io(&mut self, key: usize, id: TaskId, resume: Resume) {
        if let Some(task) = self.tasks.get_mut(key) {
            task.state = TaskState::Ready;
        }
        self.wake(key, id, resume);
    }

    /// Moves every task whose sleep has ended by `now` to the ready queue, in
    /// deadline order (FIFO on ties).
    pub(crate) fn wake_due_timers(&mut self, now: std::time::Duration) {
        while let Some((key, id, seq)) = self.timers.pop_due(now) {
            let state = match self.tasks.get(key) {
                Some(task) if task.id == id && task.timer == seq => task.state,
                _ => continue,
            };
            match state {
                TaskState::Sleeping { .. } => self.wake(key, id, Resume::Woke),
                TaskState::Waiting { until: Some(_) } => self.timed_out(key, id),
                _ => {}
            }
        }
    }

    /// Hands buffered input lines to the tasks waiting for them.
    pub(crate) fn deliver_input(&mut self) {
        let deliveries: Vec<_> = self.input.deliver().collect();
        for ((key, id), delivery) in deliveries {
            self.wake(key, id, line(delivery));
        }
    }

    /// Tells the observers who want it how long the top frame's step took
    /// (it is still on top: a push or pop happens after this).
    fn stepped(&mut self, key: usize, took: std::time::Duration) {
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

    pub(crate) fn park(&mut self, key: usize, state: TaskState) {
        let task = &mut self.tasks[key];
        task.state = state;
        let id = task.id;
        self.emit(|| LoopEvent::Parked { task: id, state });
    }

    /// Tells the observers, building the event only if somebody listens.
    #[inline]
    pub(crate) fn emit<'a>(&mut self, event: impl FnOnce() -> LoopEvent<'a>) {
        if self.observers.active() {
            let at = if self.observers.times_events() {
                self.clock.now()
            } else {
                std::time::Duration::ZERO
            };
            self.observers.emit(at, &event());
        }
    }
}

/// What a caller (or joiner) is resumed with when the callee is done.
pub(crate) fn answer(outcome: Outcome) -> Resume {
    match outcome {
        Ok(value) => Resume::Returned(value),
        Err(error) => Resume::Failed(error),
    }
}

/// What a reader is resumed with: the line, its end, or why it is unreadable.
fn line(delivery: Delivery) -> Resume {
    match delivery {
        Some(Ok(line)) => Resume::Line(Some(Box::new(line))),
        Some(Err(error)) => Resume::Failed(error.into()),
        None => Resume::Line(None),
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
