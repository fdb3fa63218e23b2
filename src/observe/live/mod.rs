//! The live view: the event loop in a browser, while it runs, in slow
//! motion if you like. Every task is a column with its stack of suspended
//! generators, innermost on top; the timers count down; the ready queue, the
//! tasks held by slow motion and those waiting for a line are listed; the
//! program's output scrolls by; an input box types a line into the program.
//!
//! Two threads, so that watching never slows the loop it watches:
//!
//! ```text
//!   the program's loop (this thread)              the web thread (its own loop)
//!   ─────────────────────────────────             ─────────────────────────────
//!   sampler task: every 33 ms, if watched,        GET /        the page
//!     a snapshot (a system call, like `ps`)  ──►  GET /events  each browser: the
//!     + slow motion's steps + held warnings  board             news, ≤ 30 frames/s
//!   inbox task: lines and controls           ◄──  POST /input, POST /control
//!     (through the thread pool's waker)
//! ```
//!
//! The loop's side pays nothing per resume: nothing is recorded between two
//! snapshots, and a snapshot is a walk over the tasks, as `ps` is. Its
//! buffers are bounded ([`board`]'s), and it never waits for the web side:
//! a browser that reads slowly costs the web thread a parked task, not the
//! loop a wait; one that goes away ends its task at the next write (a
//! heartbeat goes out at least every 250 ms), which frees its connection. A
//! fast computation is seen as a sampled stack; slow motion
//! ([`Pace`](crate::Pace)) is how to see every push and pop. The sampler and
//! the inbox are hidden from the page; spawned first, they take task ids 1
//! and 2.
//!
//! The JSON of `/events` is described in design.md ("The live view").

mod board;
mod sample;
mod web;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use board::{Board, Control, json_string, seconds};
use sample::Sample;

use crate::event_loop::{Held, Pace, PacedStep, Scheduler, StepKind};
use crate::kernel::{Clock, Co, Coroutine, Error, Resume, SystemCall, TaskId, Trampoline};

/// A step that holds the loop longer than this is an event on the page
/// (and, in the demo, a warning on stderr).
pub const HELD: Duration = Duration::from_millis(100);

/// Snapshots a second, at most, while a browser watches.
const FRAME: Duration = Duration::from_millis(33);

/// How often the sampler looks whether a browser came, while none watches.
const IDLE: Duration = Duration::from_millis(200);

/// The most events the loop's side keeps while the web side holds the lock.
const PENDING: usize = 1024;

/// Why a live view could not start.
///
/// ```
/// let e = trampoline::observe::LiveError::Timeout;
/// assert_eq!(e.to_string(), "the live view did not start within 10 s");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LiveError {
    /// The address cannot be listened on (in use, not this machine's).
    #[error("cannot listen on {addr}: {reason}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// What the socket said.
        reason: String,
    },
    /// The web thread could not start.
    #[error("cannot start the live view's thread")]
    Thread(#[source] std::io::Error),
    /// The web thread's event loop failed before it listened.
    #[error("the live view's event loop failed: {0}")]
    Loop(String),
    /// The web thread did not say where it listens in time.
    #[error("the live view did not start within 10 s")]
    Timeout,
}

/// A live view of a scheduler, served on an address: [`Live::start`].
///
/// ```
/// use trampoline::{Coroutine, Scheduler, observe::Live};
///
/// let mut scheduler = Scheduler::new().unwrap();
/// let live = Live::start(&mut scheduler, "127.0.0.1:0".parse().unwrap()).unwrap();
/// assert!(live.addr().port() > 0);
/// live.say("fib(5) = 5"); // a line in the page's output panel
/// let main = Coroutine::new(|co| async move {
///     co.sleep(std::time::Duration::from_millis(10)).await
/// });
/// scheduler.run_until_complete(main).unwrap();
/// ```
#[derive(Clone)]
pub struct Live {
    addr: SocketAddr,
    side: Rc<LoopSide>,
}

/// The loop's side of the board: events wait here until the lock is free.
struct LoopSide {
    board: Arc<Board>,
    pending: RefCell<VecDeque<String>>,
    clock_start: Option<std::time::Instant>,
    /// Slow motion's log of steps, drained before any other event so that
    /// events stay in the order they happened.
    pace: Pace,
}

impl fmt::Debug for Live {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Live").field("addr", &self.addr).finish()
    }
}

impl Live {
    /// Serves the live view of `scheduler` on `addr` (port 0: any free
    /// port) from a thread of its own, and adds its two tasks to the
    /// scheduler (hidden from the view): the sampler and the inbox. The
    /// page's controls drive [`Scheduler::pace`].
    ///
    /// Fails if the address cannot be listened on.
    pub fn start(scheduler: &mut Scheduler, addr: SocketAddr) -> Result<Live, LiveError> {
        let clock_start = match scheduler.clock() {
            Clock::Real { start } => Some(*start),
            Clock::Virtual { .. } => None,
        };
        let board = Arc::new(Board::new(clock_start));
        let (controls, inbox) = channel();
        let addr = web::start(addr, board.clone(), controls)?;
        let pace = scheduler.pace();
        let side = Rc::new(LoopSide {
            board,
            pending: RefCell::default(),
            clock_start,
            pace: pace.clone(),
        });
        let inbox = scheduler.spawn(inbox_task(Arc::new(Mutex::new(inbox)), pace.clone()));
        scheduler.spawn(sampler(side.clone(), pace, vec![inbox.id()]));
        let held = side.clone();
        scheduler.on_held(HELD, move |h| held.event(held_json(h)));
        Ok(Live { addr, side })
    }

    /// Where the page is served.
    ///
    /// ```no_run
    /// # let mut scheduler = trampoline::Scheduler::new().unwrap();
    /// let live = trampoline::observe::Live::start(&mut scheduler, "127.0.0.1:8000".parse().unwrap()).unwrap();
    /// eprintln!("Live view on http://{}/", live.addr());
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A line of the program's output, for the page's output panel.
    ///
    /// ```
    /// # let mut scheduler = trampoline::Scheduler::new().unwrap();
    /// # let live = trampoline::observe::Live::start(&mut scheduler, "127.0.0.1:0".parse().unwrap()).unwrap();
    /// live.say("1795309657 - Hello world!");
    /// ```
    pub fn say(&self, line: &str) {
        self.output("out", line);
    }

    /// A line of the program's complaints (stderr), shown in red.
    ///
    /// ```
    /// # let mut scheduler = trampoline::Scheduler::new().unwrap();
    /// # let live = trampoline::observe::Live::start(&mut scheduler, "127.0.0.1:0".parse().unwrap()).unwrap();
    /// live.complain("error: \"x\" is not a whole number");
    /// ```
    pub fn complain(&self, line: &str) {
        self.output("err", line);
    }

    fn output(&self, stream: &str, line: &str) {
        let at = self.side.now();
        self.side.event(format!(
            r#"{{"kind":"output","at":{at},"stream":"{stream}","line":{}}}"#,
            json_string(line)
        ));
    }
}

impl LoopSide {
    /// The loop time, from the real clock's start (0 under a virtual clock,
    /// whose time only the loop knows).
    fn now(&self) -> String {
        seconds(self.clock_start.map_or(Duration::ZERO, |t| t.elapsed()))
    }

    /// Queues an event and tries to pin what waits.
    fn event(&self, json: String) {
        self.pin(None, std::iter::once(json));
    }

    /// Queues events (the oldest go past [`PENDING`]) and tries to pin them
    /// with the snapshot, if any.
    fn pin(&self, snapshot: Option<String>, events: impl Iterator<Item = String>) {
        let mut pending = self.pending.borrow_mut();
        let steps = self.pace.take_steps();
        for event in steps.iter().map(step_json).chain(events) {
            if pending.len() == PENDING {
                pending.pop_front();
            }
            pending.push_back(event);
        }
        self.board.try_pin(snapshot, &mut pending);
    }
}

/// The sampler: while a browser watches, a snapshot every frame, with the
/// steps slow motion took since the last one.
fn sampler(side: Rc<LoopSide>, pace: Pace, hidden: Vec<TaskId>) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        loop {
            if !side.board.watched() {
                co.sleep(IDLE).await?;
                continue;
            }
            let sample = Sample {
                hidden: hidden.clone(),
                pace: pace.clone(),
            };
            let snapshot = sample.take(&co).await;
            side.pin(snapshot, std::iter::empty());
            co.sleep(FRAME).await?;
        }
    })
    .named("live_sampler")
}

/// The inbox: lines and controls from the page. The channel is read on the
/// thread pool (a blocking `recv`), whose waker wakes the loop when one
/// comes; the task ends when the web thread does.
fn inbox_task(inbox: Arc<Mutex<Receiver<Control>>>, pace: Pace) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        loop {
            let inbox = inbox.clone();
            let control = co
                .run_in_executor(move || inbox.lock().ok()?.recv().ok())
                .await?;
            match control {
                None => return Ok(()),
                Some(Control::Line(line)) => type_line(&co, line).await?,
                Some(Control::Pace(rate)) => pace.set_rate(rate),
                Some(Control::Pause) => pace.pause(),
                Some(Control::Play) => pace.play(),
                Some(Control::Step) => pace.step(),
            }
        }
    })
    .named("live_inbox")
}

/// A line from the page goes where stdin's lines go, as if typed.
#[derive(Debug)]
struct TypeLine(String);

impl SystemCall for TypeLine {
    fn apply(self: Box<Self>, trampoline: &mut Trampoline, _key: usize) -> Option<Resume> {
        trampoline.input.push(Ok(self.0));
        trampoline.deliver_input();
        Some(Resume::Woke)
    }
}

async fn type_line(co: &Co, line: String) -> Result<(), Error> {
    co.apply(TypeLine(line)).await;
    Ok(())
}

/// `{"kind":"call","at":..,"task":3,"frame":"fib(2)","depth":4}`; a throw
/// has its `error`.
fn step_json(step: &PacedStep) -> String {
    let kind = match step.kind {
        StepKind::Call => "call",
        StepKind::Return => "return",
        StepKind::Throw => "throw",
    };
    let error = step
        .error
        .as_deref()
        .map_or(String::new(), |e| format!(",\"error\":{}", json_string(e)));
    format!(
        r#"{{"kind":"{kind}","at":{},"task":{},"frame":{},"depth":{}{error}}}"#,
        seconds(step.at),
        step.task,
        json_string(&step.label.to_string()),
        step.depth
    )
}

/// `{"kind":"held","at":..,"ms":2300.1,"late_ms":..,"task":1,"frame":"read_input"}`.
fn held_json(held: &Held) -> String {
    let (task, frame) = match &held.last {
        Some((task, label)) => (task.to_string(), json_string(&label.to_string())),
        None => ("null".into(), "null".into()),
    };
    format!(
        r#"{{"kind":"held","at":{},"ms":{:.1},"late_ms":{:.1},"task":{task},"frame":{frame},"text":{}}}"#,
        seconds(held.at),
        held.took.as_secs_f64() * 1e3,
        held.late.as_secs_f64() * 1e3,
        json_string(&held.to_string())
    )
}
