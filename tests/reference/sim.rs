//! The reference model: what the scheduler must do with a program, written
//! as plainly as possible. A ready queue (FIFO), timers ordered by deadline
//! then by the order the sleeps began, a clock that jumps to the next
//! deadline when nothing is ready, per task a stack of frames, and turns of
//! 1024 generator resumes (one `step` is one resume).
//!
//! Semantics it states (and the real scheduler must match): a spawned task
//! and a task woken by `Sleep(0)`, a timer or a finishing task it joins go to
//! the back of the ready queue; `spawn`, `call` and the `join` of a finished
//! task answer at once; a frame drops its unjoined handles when it ends; a
//! task's outcome goes to its joiner, else to its live handle, else (if an
//! error) to a `failed` report; a handle dropped over an unread error makes
//! an `error never retrieved` report.
//!
//! Cancels: `cancel` marks the task and queues a wake request; the loop
//! carries out wake requests as soon as the canceller's step ends: when it
//! parks, finishes or uses up its turn, and before it queues anything
//! itself (`Sleep(0)`, a spawn, waking its joiner), so the cancelled task
//! runs ahead of the canceller's next step, as in asyncio. A parked task
//! (sleeping, joining) then leaves what it waits on and goes to the back of
//! the ready queue with the `cancelled` error; a ready task gets it at the start of
//! its next turn instead of the value it was to be resumed with, and a frame
//! not started yet is popped unrun. A `cancelled` error is never reported.

use std::collections::{BTreeSet, VecDeque};

use super::program::{Body, Op};
use super::{Entry, LONG_SLEEP, Observed, ReportKind, live, pick};

type Outcome = Result<u64, String>;

/// What a frame is resumed with. Every `step` is one generator resume, as
/// the real trampoline counts them: a turn is [`STEPS_PER_TURN`] of them.
enum Input {
    Start,
    Woke,
    Spawned,
    Value(Outcome),
}

/// The real trampoline's turn, in generator resumes.
const STEPS_PER_TURN: u32 = 1024;

enum Frame<'p> {
    /// The main task's root: calls the program, then sleeps long.
    Main { got: Option<Outcome> },
    /// A spawned task's root: runs its body and writes down how it ended.
    Task { body: &'p Body },
    /// A `Compute` chain, this deep below.
    Chain { depth: u64 },
    /// A body running, at op `pc`.
    Body {
        body: &'p Body,
        pc: usize,
        acc: u64,
        handles: Vec<Option<usize>>,
    },
}

/// What a parked task waits on, so a cancel can take it out.
enum Park {
    Sleep(u64, u64),
    Join(usize),
}

struct Task<'p> {
    stack: Vec<Frame<'p>>,
    finished: bool,
    /// A cancel is pending: thrown at the next resume.
    cancel: bool,
    parked: Option<Park>,
    /// The handle of a join given up for a cancel: the joining frame still
    /// holds it until it is resumed, and drops it then.
    abandoned: Option<usize>,
    /// The outcome kept for the live handle.
    kept: Option<Outcome>,
    handle_alive: bool,
    /// `cancel` was called on it after it finished: its error was seen.
    retrieved: bool,
    joiner: Option<usize>,
}

struct Sim<'p> {
    root: &'p Body,
    tasks: Vec<Task<'p>>,
    ready: VecDeque<(usize, Input)>,
    timers: BTreeSet<(u64, u64, usize)>,
    seq: u64,
    now: u64,
    /// Wake requests left by `cancel`, carried out as the canceller's step ends.
    wakes: VecDeque<usize>,
    /// Errors that end silently: a frame was to be resumed with one when a
    /// cancel took its place, or a `cancel` of its finished task saw it.
    superseded: Vec<String>,
    out: Observed,
}

const CANCELLED: &str = "cancelled";

/// Runs `root` as the main task's program and returns what the scheduler
/// must show.
pub fn run(root: &Body) -> Observed {
    run_counting(root).0
}

/// [`run`], and the errors that reached their frame (a call's or a join's
/// answer) only to be replaced by a cancel thrown at the same resume: they
/// were delivered, so they count as ended.
pub fn run_counting(root: &Body) -> (Observed, Vec<String>) {
    let mut sim = Sim {
        root,
        tasks: Vec::new(),
        ready: VecDeque::new(),
        timers: BTreeSet::new(),
        seq: 0,
        now: 0,
        wakes: VecDeque::new(),
        superseded: Vec::new(),
        out: Observed {
            root: Ok(0),
            log: Vec::new(),
            caught: Vec::new(),
            results: Vec::new(),
            finished: Vec::new(),
            reports: Vec::new(),
        },
    };
    sim.spawn(Frame::Main { got: None });
    loop {
        sim.apply_wakes();
        let batch = sim.ready.len();
        if batch == 0 {
            let Some(&(deadline, ..)) = sim.timers.first() else {
                break;
            };
            sim.now = deadline;
            while let Some(&(at, seq, task)) = sim.timers.first().filter(|t| t.0 == deadline) {
                sim.timers.remove(&(at, seq, task));
                sim.tasks[task].parked = None;
                sim.ready.push_back((task, Input::Woke));
            }
            continue;
        }
        for _ in 0..batch {
            let (task, input) = sim.ready.pop_front().expect("counted");
            sim.turn(task, input);
        }
    }
    assert!(sim.tasks.iter().all(|t| t.finished), "the model left tasks");
    sim.out.root = sim.tasks[0].kept.take().expect("the main task's outcome");
    sim.out.reports.sort();
    (sim.out, sim.superseded)
}

impl<'p> Sim<'p> {
    fn spawn(&mut self, root: Frame<'p>) -> usize {
        self.apply_wakes();
        self.tasks.push(Task {
            stack: vec![root],
            finished: false,
            cancel: false,
            parked: None,
            abandoned: None,
            kept: None,
            handle_alive: true,
            retrieved: false,
            joiner: None,
        });
        let task = self.tasks.len() - 1;
        self.ready.push_back((task, Input::Start));
        task
    }

    /// Runs a task until it parks, finishes, or has used its turn (then it
    /// goes to the back of the ready queue).
    fn turn(&mut self, task: usize, mut input: Input) {
        if let Some(handle) = self.tasks[task].abandoned.take() {
            self.drop_handle(handle);
        }
        if std::mem::take(&mut self.tasks[task].cancel) {
            match self.cancel_at_turn_start(task, input) {
                Some(thrown) => input = thrown,
                None => return,
            }
        }
        for _ in 0..STEPS_PER_TURN {
            match self.step(task, input) {
                Some(next) => input = next,
                None => return self.apply_wakes(),
            }
        }
        self.apply_wakes();
        self.ready.push_back((task, input));
    }

    /// Resumes the task's top frame with `input`. `Some`: resume the new top
    /// with it at once. `None`: parked or finished.
    fn step(&mut self, task: usize, input: Input) -> Option<Input> {
        let top = self.tasks[task].stack.last_mut().expect("a live stack");
        match (top, input) {
            (Frame::Main { .. }, Input::Start) => self.push(task, self.root),
            (Frame::Main { got }, Input::Value(outcome)) => {
                *got = Some(outcome);
                self.sleep(task, u64::try_from(LONG_SLEEP.as_millis()).expect("short"));
                None
            }
            (Frame::Main { got }, Input::Woke) => {
                let outcome = got.take().expect("slept after the call");
                self.complete(task, outcome)
            }
            (Frame::Task { body }, Input::Start) => {
                let body = *body;
                self.push(task, body)
            }
            (Frame::Task { body }, Input::Value(outcome)) => {
                self.out.results.push((body.id, outcome.clone()));
                self.complete(task, outcome)
            }
            (Frame::Chain { depth: 0 }, Input::Start) => self.complete(task, Ok(0)),
            (Frame::Chain { depth }, Input::Start) => {
                let below = Frame::Chain { depth: *depth - 1 };
                self.tasks[task].stack.push(below);
                Some(Input::Start)
            }
            (Frame::Chain { .. }, Input::Value(outcome)) => {
                self.complete(task, outcome.map(|depth| depth + 1))
            }
            (Frame::Body { .. }, Input::Start) => self.advance(task),
            (Frame::Body { body, pc, .. }, Input::Spawned) => {
                let id = body.nodes[*pc].id;
                self.end_op(task, id)
            }
            (Frame::Body { body, pc, .. }, Input::Woke) => {
                let id = body.nodes[*pc].id;
                self.end_op(task, id)
            }
            (Frame::Body { body, pc, .. }, Input::Value(outcome)) => {
                let (body, pc): (&'p Body, usize) = (body, *pc);
                let node = &body.nodes[pc];
                let catch = match node.op {
                    Op::Call { catch, .. } | Op::Join { catch, .. } => catch,
                    // A sleep or spawn given the cancel passes it on (`?`).
                    _ => false,
                };
                self.settle(task, node.id, catch, outcome)
            }
            (Frame::Task { .. } | Frame::Chain { .. }, Input::Woke)
            | (Frame::Main { .. } | Frame::Task { .. } | Frame::Chain { .. }, Input::Spawned) => {
                unreachable!("only a body sleeps or spawns")
            }
        }
    }

    fn push(&mut self, task: usize, body: &'p Body) -> Option<Input> {
        self.tasks[task].stack.push(Frame::Body {
            body,
            pc: 0,
            acc: u64::from(body.id),
            handles: Vec::new(),
        });
        Some(Input::Start)
    }

    fn body_at(
        &mut self,
        task: usize,
    ) -> (&'p Body, &mut usize, &mut u64, &mut Vec<Option<usize>>) {
        match self.tasks[task].stack.last_mut() {
            Some(Frame::Body {
                body,
                pc,
                acc,
                handles,
            }) => (*body, pc, acc, handles),
            _ => unreachable!("a body frame is on top"),
        }
    }

    /// A call or join answered at op `id`.
    fn settle(&mut self, task: usize, id: u32, catch: bool, outcome: Outcome) -> Option<Input> {
        match outcome {
            Ok(value) => {
                let (_, _, acc, _) = self.body_at(task);
                *acc = acc.wrapping_add(value);
            }
            Err(message) if catch => self.out.caught.push((id, message)),
            Err(message) => return self.complete(task, Err(message)),
        }
        self.end_op(task, id)
    }

    fn end_op(&mut self, task: usize, id: u32) -> Option<Input> {
        self.out.log.push(Entry::End(id, self.now));
        let (_, pc, _, _) = self.body_at(task);
        *pc += 1;
        self.advance(task)
    }

    /// Runs the body on top from its `pc` until something waits.
    fn advance(&mut self, task: usize) -> Option<Input> {
        let (body, pc, acc, _) = self.body_at(task);
        let Some(node) = body.nodes.get(*pc) else {
            let value = *acc;
            return self.complete(task, Ok(value));
        };
        self.out.log.push(Entry::Start(node.id, self.now));
        match &node.op {
            Op::Sleep(0) => {
                self.apply_wakes();
                self.ready.push_back((task, Input::Woke));
                None
            }
            Op::Sleep(ms) => {
                self.sleep(task, *ms);
                None
            }
            Op::Call { body, .. } => self.push(task, body),
            Op::Compute(depth) => {
                let depth = *depth;
                self.tasks[task].stack.push(Frame::Chain { depth });
                Some(Input::Start)
            }
            Op::Fail => self.complete(task, Err(format!("boom {}", node.id))),
            Op::Panic => {
                self.panic(task, format!("panicked: model panic {}", node.id));
                None
            }
            Op::Spawn(child) => {
                let child = self.spawn(Frame::Task { body: child });
                self.body_at(task).3.push(Some(child));
                Some(Input::Spawned)
            }
            Op::Join { pick: which, .. } => {
                let (_, _, _, handles) = self.body_at(task);
                let Some(slot) = pick(&live(handles.iter().map(Option::is_some)), *which) else {
                    return self.end_op(task, node.id);
                };
                let joined = handles[slot].take().expect("picked a live handle");
                if self.tasks[joined].finished {
                    let outcome = self.tasks[joined].kept.take().expect("kept for the handle");
                    return Some(Input::Value(outcome));
                }
                self.tasks[joined].joiner = Some(task);
                self.tasks[task].parked = Some(Park::Join(joined));
                None
            }
            Op::Cancel { pick: which } => {
                let (_, _, _, handles) = self.body_at(task);
                if let Some(slot) = pick(&live(handles.iter().map(Option::is_some)), *which) {
                    let target = handles[slot].expect("picked a live handle");
                    let victim = &mut self.tasks[target];
                    // Cancelling a finished task counts as retrieving its error.
                    victim.retrieved |= victim.finished;
                    if !victim.finished && !victim.cancel {
                        victim.cancel = true;
                        self.wakes.push_back(target);
                    }
                }
                self.end_op(task, node.id)
            }
        }
    }

    fn sleep(&mut self, task: usize, ms: u64) {
        self.timers.insert((self.now + ms, self.seq, task));
        self.tasks[task].parked = Some(Park::Sleep(self.now + ms, self.seq));
        self.seq += 1;
    }

    /// The wake requests cancels left (at a tick's start, and as the
    /// canceller's step ends): a parked task leaves what it waits
    /// on and is queued with the error; a ready one keeps its mark for its
    /// next turn; a finished one is left alone.
    fn apply_wakes(&mut self) {
        while let Some(task) = self.wakes.pop_front() {
            // Finished, or the cancel was already thrown at a turn's start.
            if self.tasks[task].finished || !self.tasks[task].cancel {
                continue;
            }
            match self.tasks[task].parked.take() {
                None => continue,
                Some(Park::Sleep(at, seq)) => drop(self.timers.remove(&(at, seq, task))),
                // The join gives up; the handle it took goes when it resumes.
                Some(Park::Join(joined)) => {
                    self.tasks[joined].joiner = None;
                    self.tasks[task].abandoned = Some(joined);
                }
            }
            self.tasks[task].cancel = false;
            self.ready
                .push_back((task, Input::Value(Err(CANCELLED.into()))));
        }
    }

    /// A ready task's pending cancel, at the start of its turn: a frame not
    /// started yet is popped unrun (the error goes to its caller, or ends
    /// the task); otherwise the error replaces what the top frame was to be
    /// resumed with (a spawned task's handle, not handed over, is dropped).
    fn cancel_at_turn_start(&mut self, task: usize, input: Input) -> Option<Input> {
        match input {
            Input::Start => return self.complete(task, Err(CANCELLED.into())),
            Input::Spawned => {
                let (_, _, _, handles) = self.body_at(task);
                let child = handles.pop().flatten().expect("the handle just made");
                self.drop_handle(child);
            }
            Input::Value(Err(message)) if message != CANCELLED => self.superseded.push(message),
            Input::Woke | Input::Value(_) => {}
        }
        Some(Input::Value(Err(CANCELLED.into())))
    }

    /// The top frame ends with `outcome`: it drops its handles and is popped;
    /// its caller gets the outcome, or the task finishes.
    fn complete(&mut self, task: usize, outcome: Outcome) -> Option<Input> {
        let frame = self.tasks[task].stack.pop().expect("a live stack");
        self.drop_frame(frame);
        if self.tasks[task].stack.is_empty() {
            self.finish(task, outcome);
            return None;
        }
        Some(Input::Value(outcome))
    }

    /// A panic: every frame is dropped, innermost first, and the task fails.
    fn panic(&mut self, task: usize, message: String) {
        while let Some(frame) = self.tasks[task].stack.pop() {
            self.drop_frame(frame);
        }
        self.finish(task, Err(message));
    }

    fn drop_frame(&mut self, frame: Frame<'p>) {
        if let Frame::Body { handles, .. } = frame {
            for handle in handles.into_iter().flatten() {
                self.drop_handle(handle);
            }
        }
    }

    fn drop_handle(&mut self, handle: usize) {
        let dropped = &mut self.tasks[handle];
        dropped.handle_alive = false;
        match dropped.kept.take() {
            // Seen by a `cancel` after it finished: it ends silently here.
            Some(Err(message)) if message != CANCELLED && dropped.retrieved => {
                self.superseded.push(message);
            }
            Some(Err(message)) if message != CANCELLED => {
                let id = handle as u64 + 1;
                self.out
                    .reports
                    .push((id, ReportKind::NeverRetrieved, message));
            }
            _ => {}
        }
    }

    fn finish(&mut self, task: usize, outcome: Outcome) {
        let id = task as u64 + 1;
        self.out.finished.push((id, outcome.clone().err()));
        let finished = &mut self.tasks[task];
        finished.finished = true;
        self.apply_wakes();
        let finished = &mut self.tasks[task];
        if let Some(joiner) = finished.joiner.take() {
            self.tasks[joiner].parked = None;
            self.ready.push_back((joiner, Input::Value(outcome)));
        } else if finished.handle_alive {
            finished.kept = Some(outcome);
        } else if let Err(message) = outcome
            && message != CANCELLED
        {
            self.out.reports.push((id, ReportKind::Failed, message));
        }
    }
}
