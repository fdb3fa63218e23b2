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
//!   the live source, woken by a mio Waker:   ◄──  GET /events  each browser asks
//!     asked: a snapshot (a walk, like `ps`)       for a snapshot ≤ 30 times a second
//!     pinned with slow motion's steps,       ──►  board: the news, sent as they come
//!     the output lines, the held warnings
//!     a line or a control: applied           ◄──  POST /input, POST /control
//! ```
//!
//! The loop's side is not a task but an IO source, as the sockets and the
//! thread pool are: the program's tasks keep the ids they have without the
//! live view, and `ps` shows only them. It pays nothing per resume: nothing
//! is recorded between two snapshots, a snapshot is taken only when a
//! browser asks for one, and one that did not change is not sent. Its
//! buffers are bounded ([`board`]'s), and it never waits for the web side:
//! a browser that reads slowly costs the web thread a parked task, not the
//! loop a wait; one that goes away ends its task at the next write (a
//! heartbeat goes out at least every 250 ms), which frees its connection. A
//! fast computation is seen as a sampled stack; slow motion
//! ([`Pace`](crate::Pace)) is how to see every push and pop.
//!
//! A thrown error is seen at any speed: the `throw` step, with its error,
//! marks the box that failed, on its way into its caller. In slow motion it
//! is one of the paced steps; at full speed an observer that asks for no
//! calls and returns ([`Observer::wants_calls`](crate::Observer::wants_calls):
//! nothing per coroutine) keeps the last 64 throws until the next
//! snapshot goes out.
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
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::time::Duration;

use board::{Board, Control, json_string, seconds};
use mio::{Registry, Waker};

use crate::event_loop::{Held, Pace, PacedStep, Scheduler, StepKind};
use crate::io::source::{Reactor, Source, source};
use crate::kernel::{Clock, LoopEvent, Observer, Trampoline};

/// A step that holds the loop longer than this is an event on the page
/// (and, in the demo, a warning on stderr).
pub const HELD: Duration = Duration::from_millis(100);

/// The most events the loop's side keeps while the web side holds the lock.
const PENDING: usize = 1024;

/// The most throws kept between two snapshots at full speed; past it the
/// oldest go (a program failing in a tight loop costs a bounded buffer).
const THROWS: usize = 64;

/// At full speed a snapshot is taken at most this often: a fast computation
/// changes its stack at every snapshot, and ten a second summarise it as
/// well as thirty, for a third of the work (the loop's walk, the browser's
/// drawing). In slow motion, every frame the browser asks for (≤ 30/s).
const SUMMARY: Duration = Duration::from_millis(100);

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
    /// This scheduler has a live view already.
    #[error("this scheduler has a live view already")]
    Twice,
    /// The loop's poller would not take the live view's waker.
    #[error("cannot wake the loop from the live view")]
    Waker(#[source] std::io::Error),
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
    /// The throws seen at full speed since the last pin, as `throw` steps.
    throws: RefCell<VecDeque<PacedStep>>,
}

impl fmt::Debug for Live {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Live").field("addr", &self.addr).finish()
    }
}

impl Live {
    /// Serves the live view of `scheduler` on `addr` (port 0: any free
    /// port) from a thread of its own, and plugs its loop side into the
    /// scheduler as an IO source (not a task: the program's tasks keep their
    /// ids). The page's controls drive [`Scheduler::pace`]. One live view
    /// per scheduler.
    ///
    /// Fails if the address cannot be listened on.
    pub fn start(scheduler: &mut Scheduler, addr: SocketAddr) -> Result<Live, LiveError> {
        let trampoline = &mut scheduler.trampoline;
        if trampoline
            .extensions
            .get::<Rc<RefCell<LiveSource>>>()
            .is_some()
        {
            return Err(LiveError::Twice);
        }
        let clock_start = match trampoline.clock {
            Clock::Real { start } => Some(start),
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
            pace,
            throws: RefCell::default(),
        });
        let make = |registry: &Registry, index: usize| {
            let waker = Waker::new(registry, Reactor::token(index, 0))?;
            side.board.set_waker(waker);
            Ok(LiveSource {
                side: side.clone(),
                inbox,
                woken: true,
                closed: false,
                last_snapshot: String::new(),
                last_taken: None,
            })
        };
        source(&mut scheduler.trampoline, make).map_err(LiveError::Waker)?;
        let held = side.clone();
        scheduler.on_held(HELD, move |h| held.event(held_json(h)));
        scheduler.observe(Throws(side.clone()));
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
        let mut steps = self.pace.take_steps();
        steps.extend(self.throws.borrow_mut().drain(..));
        for event in steps.iter().map(step_json).chain(events) {
            if pending.len() == PENDING {
                pending.pop_front();
            }
            pending.push_back(event);
        }
        self.board.try_pin(snapshot, &mut pending);
    }
}

/// The live view's side in the watched loop: an IO source, woken through
/// the board's waker when a page sent a line or a control, or asked for a
/// snapshot. Between two wake-ups it costs the loop one `bool` read a tick.
struct LiveSource {
    side: Rc<LoopSide>,
    /// Lines and controls from the pages.
    inbox: Receiver<Control>,
    /// The waker fired since the last look (true at first: the web side
    /// may have asked before the waker was there).
    woken: bool,
    /// The web thread is gone: nothing will come any more.
    closed: bool,
    /// The last snapshot pinned, without its time: one that did not change
    /// is not sent again.
    last_snapshot: String,
    /// When (loop time) the last snapshot was taken.
    last_taken: Option<Duration>,
}

impl Source for LiveSource {
    fn ready(&mut self, _sub: usize, _event: &mio::event::Event) {
        self.woken = true;
    }

    fn wake(&mut self, trampoline: &mut Trampoline) {
        if !std::mem::take(&mut self.woken) {
            return;
        }
        loop {
            match self.inbox.try_recv() {
                Ok(control) => apply(control, trampoline, &self.side.pace),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.closed = true;
                    break;
                }
            }
        }
        if self.side.board.take_asked() {
            let snapshot = self.snapshot(trampoline);
            // Pinned even without a snapshot: the web side hears the loop is
            // alive, and takes the events that waited.
            self.side.pin(snapshot, std::iter::empty());
        }
    }

    /// A page may still type a line or let a held task go: not a deadlock.
    fn has_waiters(&self) -> bool {
        !self.closed
    }
}

impl LiveSource {
    /// A snapshot, unless the last was taken less than [`SUMMARY`] ago at
    /// full speed, or nothing changed since.
    fn snapshot(&mut self, trampoline: &Trampoline) -> Option<String> {
        let now = trampoline.clock.now();
        let recent = self
            .last_taken
            .is_some_and(|at| now.saturating_sub(at) < SUMMARY);
        if recent && !self.side.pace.is_on() {
            return None;
        }
        self.last_taken = Some(now);
        let body = sample::snapshot(trampoline, &self.side.pace);
        if body == self.last_snapshot {
            return None;
        }
        let snapshot = format!(r#"{{"kind":"snapshot","at":{},{body}"#, seconds(now));
        self.last_snapshot = body;
        Some(snapshot)
    }
}

/// Hears the throws at full speed (slow motion logs its own steps), and
/// nothing per coroutine: no calls, no returns.
struct Throws(Rc<LoopSide>);

impl Observer for Throws {
    fn on_event(&mut self, at: Duration, event: &LoopEvent<'_>) {
        let &LoopEvent::Threw {
            task,
            label,
            depth,
            error,
        } = event
        else {
            return;
        };
        if self.0.pace.is_on() {
            return;
        }
        let mut throws = self.0.throws.borrow_mut();
        if throws.len() == THROWS {
            throws.pop_front();
        }
        let error = Some(error.to_string());
        let kind = StepKind::Throw;
        throws.push_back(PacedStep {
            at,
            task,
            kind,
            label,
            depth,
            error,
        });
    }

    fn wants_calls(&self) -> bool {
        false
    }
}

/// A line from a page goes where stdin's lines go, as if typed; a control
/// goes to slow motion.
fn apply(control: Control, trampoline: &mut Trampoline, pace: &Pace) {
    match control {
        Control::Line(line) => {
            trampoline.input.push(Ok(line));
            trampoline.deliver_input();
        }
        Control::Pace(rate) => pace.set_rate(rate),
        Control::Pause => pace.pause(),
        Control::Play => pace.play(),
        Control::Step => pace.step(),
    }
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
    format!(
        r#"{{"kind":"held","at":{},"ms":{:.1},"late_ms":{:.1},"task":{},"frame":{},"text":{}}}"#,
        seconds(held.at),
        held.took.as_secs_f64() * 1e3,
        held.late.as_secs_f64() * 1e3,
        held.task,
        json_string(&held.frame.to_string()),
        json_string(&held.to_string())
    )
}
