//! The event loop: the seed's `EventLoop.run_forever`. Each tick wakes the
//! tasks whose timers are due and runs the callbacks, reads input for the
//! tasks waiting on it, sleeps in `mio::Poll` when nothing is ready, and
//! gives every ready task a turn on the trampoline.

use std::rc::Rc;
use std::time::Duration;

use mio::{Events, Poll, Token};
use signal_hook_mio::v1_0::Signals;

mod callbacks;
mod error;
mod pace;

pub use callbacks::LoopHandle;
pub use error::RunError;
pub use pace::{Held, Pace, PacedStep, StepKind};

use pace::{Gate, OnHeld, Turns};

use callbacks::Callbacks;

use crate::io::script::Script;
use crate::io::source::Reactor;
use crate::io::stdin::{STDIN, StdinSource};
use crate::kernel::{Clock, Coroutine, JoinHandle, Observer, Trampoline};

/// The mio token of the signal pipe.
const SIGNALS: Token = Reactor::loop_token(1);

/// While tasks are busy computing, how often the loop still asks the kernel
/// for IO and signals (a `poll` with a zero timeout): often enough that `exit`
/// and Ctrl-C act at once, rarely enough to cost nothing measurable.
const BUSY_IO_INTERVAL: Duration = Duration::from_millis(1);

/// Runs coroutines: the event loop.
///
/// ```
/// use std::time::Duration;
/// use trampoline::{Clock, Coroutine, Scheduler};
///
/// let hello = Coroutine::new(|co| async move {
///     let mut lines = Vec::new();
///     for _ in 0..3 {
///         lines.push(format!("{} - Hello world!", co.unix_time().await?.as_secs()));
///         co.sleep(Duration::from_secs(3)).await?;
///     }
///     Ok(lines)
/// });
/// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
/// let lines = scheduler.run_until_complete(hello).unwrap();
/// assert_eq!(lines, ["0 - Hello world!", "3 - Hello world!", "6 - Hello world!"]);
/// ```
pub struct Scheduler {
    pub(crate) trampoline: Trampoline,
    poll: Poll,
    events: Events,
    /// Opened the first time a task reads a line.
    stdin: Option<StdinSource>,
    signals: Option<Signals>,
    /// The IO sources (sockets, the thread pool), polled here.
    reactor: Rc<Reactor>,
    /// The callbacks plain code queued (`call_soon`, `call_later`, `stop`).
    callbacks: Rc<Callbacks>,
    /// When the loop last asked the kernel for IO.
    last_io_check: Duration,
    /// Scripted input, read instead of stdin.
    script: Option<Script>,
    /// Slow motion: the tasks held, the control (`pace.rs`).
    gate: Gate,
    /// Told when a task's turn held the loop past their threshold.
    on_held: Vec<OnHeld>,
    /// The turns, timed while somebody is told of a held loop.
    turns: Turns,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("trampoline", &self.trampoline)
            .field("stdin", &self.stdin)
            .field("signals", &self.signals.is_some())
            .finish_non_exhaustive()
    }
}

impl Scheduler {
    /// A scheduler on the real clock.
    ///
    /// ```
    /// let scheduler = trampoline::Scheduler::new().unwrap();
    /// ```
    pub fn new() -> Result<Self, RunError> {
        Self::with_clock(Clock::real())
    }

    /// A scheduler on the given clock: [`Clock::virtual_at_zero`] runs sleeps
    /// in no real time, for exact and instant tests.
    ///
    /// ```
    /// let scheduler = trampoline::Scheduler::with_clock(trampoline::Clock::virtual_at_zero()).unwrap();
    /// ```
    pub fn with_clock(clock: Clock) -> Result<Self, RunError> {
        let poll = Poll::new().map_err(RunError::Setup)?;
        let reactor = Reactor::new(poll.registry().try_clone().map_err(RunError::Setup)?);
        let callbacks = Rc::new(Callbacks::default());
        let mut trampoline = Trampoline::new(clock);
        trampoline.extensions.insert(reactor.clone());
        trampoline.extensions.insert(callbacks.clone());
        Ok(Scheduler {
            trampoline,
            reactor,
            callbacks,
            poll,
            // One poll reports up to this many ready sockets: 16 (the first
            // value) capped a busy server at 16 wake-ups per poll, 1024 lets
            // 500 connections through in one (bench/http: 26k -> 59k req/s).
            events: Events::with_capacity(1024),
            stdin: None,
            signals: None,
            last_io_check: Duration::ZERO,
            script: None,
            gate: Gate::default(),
            on_held: Vec::new(),
            turns: Turns::default(),
        })
    }

    /// A scheduler on a virtual clock starting at 0 whose standard input is
    /// `script`: each line arrives at its time, then input ends. Two runs of
    /// the same program print the same transcript, in no real time.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler, Script};
    ///
    /// let echo = Coroutine::new(|co| async move {
    ///     let line = co.read_line().await?.unwrap_or_default();
    ///     Ok(format!("{} {line}", co.now().await?.as_secs()))
    /// });
    /// let script = Script::new().line(7.0, "hi");
    /// assert_eq!(Scheduler::scripted(script).unwrap().run_until_complete(echo).unwrap(), "7 hi");
    /// ```
    pub fn scripted(script: Script) -> Result<Self, RunError> {
        let mut scheduler = Self::with_clock(Clock::virtual_at_zero())?;
        scheduler.script = Some(script);
        Ok(scheduler)
    }

    /// Attaches an observer to the event stream.
    ///
    /// ```
    /// struct Quiet;
    /// impl trampoline::Observer for Quiet {
    ///     fn on_event(&mut self, _: std::time::Duration, _: &trampoline::LoopEvent<'_>) {}
    /// }
    /// trampoline::Scheduler::new().unwrap().observe(Quiet);
    /// ```
    pub fn observe(&mut self, observer: impl Observer + 'static) {
        self.trampoline.observers.attach(Box::new(observer));
    }

    /// Makes these signals (`SIGINT`, `SIGTERM`, ...) stop the loop:
    /// [`run_until_complete`](Self::run_until_complete) then returns
    /// [`RunError::Interrupted`] within about a millisecond, even while a
    /// task computes, so the program can exit cleanly.
    ///
    /// ```
    /// let mut scheduler = trampoline::Scheduler::new().unwrap();
    /// scheduler.stop_on_signals(&[signal_hook::consts::SIGTERM]).unwrap();
    /// ```
    pub fn stop_on_signals(&mut self, signals: &[i32]) -> Result<(), RunError> {
        let mut source = Signals::new(signals).map_err(RunError::Setup)?;
        self.poll
            .registry()
            .register(&mut source, SIGNALS, mio::Interest::READABLE)
            .map_err(RunError::Setup)?;
        self.signals = Some(source);
        Ok(())
    }

    /// The loop's clock.
    ///
    /// ```
    /// let scheduler = trampoline::Scheduler::with_clock(trampoline::Clock::virtual_at_zero()).unwrap();
    /// assert!(scheduler.clock().is_virtual());
    /// ```
    pub fn clock(&self) -> &Clock {
        &self.trampoline.clock
    }

    /// The slow-motion control: a rate of pushes and pops per second, pause,
    /// step (`pace.rs`). Off unless set.
    ///
    /// ```
    /// let scheduler = trampoline::Scheduler::new().unwrap();
    /// scheduler.pace().set_rate(Some(5.0));
    /// assert!(scheduler.pace().is_on());
    /// ```
    pub fn pace(&self) -> Pace {
        self.gate.pace.clone()
    }

    /// Calls `callback` whenever one task's turn held the loop longer
    /// than `threshold` (real time; never under a virtual clock), naming the
    /// task and its top frame when the turn began (`pace.rs` says when that
    /// is the frame that held it). Timed turn by turn, with one clock read
    /// between two turns and none per resume.
    ///
    /// ```
    /// use std::time::Duration;
    /// use trampoline::{Coroutine, Scheduler};
    ///
    /// let held = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    /// let mut scheduler = Scheduler::new().unwrap();
    /// let seen = held.clone();
    /// scheduler.on_held(Duration::from_millis(50), move |h| seen.borrow_mut().push(h.to_string()));
    /// let main = Coroutine::new(|co| async move {
    ///     std::thread::sleep(Duration::from_millis(80)); // blocks the loop
    ///     co.sleep(Duration::from_millis(1)).await
    /// }).named("sleepy");
    /// scheduler.run_until_complete(main).unwrap();
    /// assert!(held.borrow()[0].starts_with("sleepy (task 1) held the loop for"), "{:?}", held);
    /// ```
    pub fn on_held(&mut self, threshold: Duration, callback: impl FnMut(&Held) + 'static) {
        self.on_held.push((threshold, Box::new(callback)));
    }

    /// Runs `main` as a task, and every task it starts, until `main` finishes;
    /// returns its value. Tasks still alive then stay in the scheduler, for a
    /// next run, until it is dropped.
    ///
    /// ```
    /// let answer = trampoline::Coroutine::new(|_co| async { Ok(42) });
    /// assert_eq!(trampoline::Scheduler::new().unwrap().run_until_complete(answer).unwrap(), 42);
    /// ```
    pub fn run_until_complete<T: 'static>(&mut self, main: Coroutine<T>) -> Result<T, RunError> {
        let completion = self.trampoline.spawn(main.into_frame());
        while !completion.is_finished() {
            self.tick()?;
            if self.callbacks.take_stop() && !completion.is_finished() {
                return Err(RunError::Stopped);
            }
        }
        if !self.on_held.is_empty() {
            // The last tick's turns are measured too: no next tick will.
            self.check_held(self.trampoline.clock.now());
        }
        match completion.take() {
            Some(Ok(value)) => Ok(value.take()),
            Some(Err(error)) => Err(RunError::Failed(error)),
            None => unreachable!(
                "BUG: the main task's join handle is held here, so its outcome is kept"
            ),
        }
    }

    /// A handle for plain code: `call_soon`, `call_later`, `call_next_tick`,
    /// `stop`.
    ///
    /// ```
    /// let scheduler = trampoline::Scheduler::new().unwrap();
    /// scheduler.handle().stop();
    /// ```
    pub fn handle(&self) -> LoopHandle {
        LoopHandle {
            callbacks: self.callbacks.clone(),
        }
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
        JoinHandle::new(completion, self.trampoline.mailbox.clone())
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
            if self.callbacks.take_stop() {
                return Ok(());
            }
        }
    }

    /// One turn of the loop.
    pub(crate) fn tick(&mut self) -> Result<(), RunError> {
        let now = self.trampoline.clock.now();
        if !self.on_held.is_empty() {
            self.check_held(now);
        }
        self.trampoline.wake_due_timers(now);
        self.callbacks.run(now);
        self.trampoline.apply_wakes();
        self.read_input();
        // Before the idle check: a held task whose slot came is ready.
        let paced = self.gate.admit(&mut self.trampoline, now);
        // The sources finish what the last turns and timers left them:
        // sockets whose task ended are closed now, not at the next event.
        self.reactor.wake(&mut self.trampoline);
        // A source or stdin that stopped at its read budget has more: look
        // again without sleeping, after the ready tasks' turns.
        let more_input = self.reactor.has_backlog()
            || (self.trampoline.input.is_starved()
                && self.stdin.as_ref().is_some_and(StdinSource::has_more));
        if self.trampoline.is_idle() && !self.callbacks.has_work() && !more_input {
            self.wait_for_something(now)?;
        } else if more_input || now.saturating_sub(self.last_io_check) >= BUSY_IO_INTERVAL {
            self.poll_io(Some(Duration::ZERO))?;
        }
        // The first turn begins now (or after the poll): no clock read.
        let began = now.max(self.last_io_check);
        if paced {
            self.run_turns_paced(began);
            return Ok(());
        }
        for turn in 0..self.trampoline.ready.len() {
            let (key, resume) = self.trampoline.ready.pop_front().expect("BUG: counted");
            self.time_turn(turn, began, key);
            self.trampoline.run_turn(key, resume);
            self.callbacks.run_next_ticks();
        }
        Ok(())
    }

    /// The same turns in slow motion: each is one step, and a task whose step
    /// pushed or popped is held by the gate until its slot.
    fn run_turns_paced(&mut self, began: Duration) {
        for turn in 0..self.trampoline.ready.len() {
            let (key, resume) = self.trampoline.ready.pop_front().expect("BUG: counted");
            let Some(resume) = self
                .gate
                .before_first_step(&mut self.trampoline, key, resume)
            else {
                continue;
            };
            self.time_turn(turn, began, key);
            let task = &self.trampoline.tasks[key];
            let top = task
                .stack
                .last()
                .expect("BUG: a live task's stack is never empty");
            let before = (key, task.id, task.stack.len(), top.label());
            self.trampoline.run_turn(key, resume);
            self.gate.after_step(&mut self.trampoline, before);
            self.callbacks.run_next_ticks();
        }
    }

    /// While somebody is told of a held loop: the task at `key` begins the
    /// tick's turn number `turn`, at `began` for the first, else now (one
    /// clock read between two turns; none per resume).
    #[inline]
    fn time_turn(&mut self, turn: usize, began: Duration, key: usize) {
        if self.on_held.is_empty() {
            return;
        }
        let at = if turn == 0 {
            began
        } else {
            self.trampoline.clock.now()
        };
        let task = &self.trampoline.tasks[key];
        let top = task
            .labels()
            .next()
            .expect("BUG: a live task's stack is never empty");
        self.turns.begin(at, task.id, top);
    }

    /// The longest turn since the last look: past a callback's threshold,
    /// tell it (real time only: a virtual clock jumps).
    fn check_held(&mut self, now: Duration) {
        let Some((took, task, frame)) = self.turns.take_longest(now) else {
            return;
        };
        if self.trampoline.clock.is_virtual() || took < Duration::from_millis(1) {
            return;
        }
        let late = self
            .trampoline
            .timers
            .next_deadline()
            .map_or(Duration::ZERO, |deadline| now.saturating_sub(deadline));
        let held = Held {
            at: now,
            took,
            late,
            task,
            frame,
        };
        for (threshold, callback) in &mut self.on_held {
            if took > *threshold {
                callback(&held);
            }
        }
    }

    /// Nothing is ready: sleep until the next deadline or IO, whichever comes
    /// first. A virtual clock jumps to the deadline instead of sleeping.
    fn wait_for_something(&mut self, now: Duration) -> Result<(), RunError> {
        let script_line = self.script.as_ref().and_then(Script::next_time);
        let deadline = [
            self.trampoline.next_timer(),
            self.callbacks.next_deadline(),
            self.reactor.next_deadline(),
            script_line,
            self.gate.next_deadline(),
        ]
        .into_iter()
        .flatten()
        .min();
        let wake_possible = (self.trampoline.input.has_waiters()
            && !self.trampoline.input.has_ended())
            || self.reactor.has_waiters()
            || self.gate.holds_tasks();
        match deadline {
            None if !wake_possible => return Err(RunError::Deadlock),
            Some(deadline) if self.trampoline.clock.is_virtual() => {
                self.poll_io(Some(Duration::ZERO))?;
                if self.trampoline.ready.is_empty() {
                    self.trampoline.clock.advance_to(deadline);
                }
            }
            Some(deadline) => self.poll_io(Some(deadline.saturating_sub(now)))?,
            None => self.poll_io(None)?,
        }
        Ok(())
    }

    /// Asks the kernel for readiness, waiting at most `timeout` (`None`: until
    /// something happens), and acts on what it says.
    fn poll_io(&mut self, timeout: Option<Duration>) -> Result<(), RunError> {
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(RunError::Poll(e)),
        }
        self.last_io_check = self.trampoline.clock.now();
        let mut stdin_readable = false;
        let mut signal = None;
        for event in &self.events {
            match event.token() {
                STDIN => stdin_readable = true,
                SIGNALS => signal = self.signals.as_mut().and_then(|s| s.pending().next()),
                _ => self.reactor.ready(event),
            }
        }
        self.reactor.wake(&mut self.trampoline);
        if let Some(signal) = signal {
            return Err(RunError::Interrupted(signal));
        }
        if stdin_readable {
            if let Some(stdin) = &mut self.stdin {
                stdin.on_readable();
            }
            self.read_input();
        }
        Ok(())
    }

    /// If a task waits for a line and none is buffered, reads what stdin has
    /// (opening it the first time), or takes the script's lines that are due;
    /// then hands lines to the waiting tasks.
    fn read_input(&mut self) {
        let input = &mut self.trampoline.input;
        if let Some(script) = &mut self.script {
            script.feed(self.trampoline.clock.now(), input);
        } else if input.is_starved() {
            let registry = self.poll.registry();
            self.stdin
                .get_or_insert_with(|| StdinSource::open(registry))
                .fill(input);
        }
        self.trampoline.deliver_input();
    }
}
