//! How asynchronous IO works under the hood, in a crate whose core you can
//! read in an evening (new here? the guided tour in `examples/tour/` comes
//! first).
//!
//! A coroutine is a stackless generator (made with [`genawaiter`]) that
//! *yields commands* to the loop: sleep, read a line of standard input, run a
//! sub-coroutine, start a task. The loop keeps, for every task, a stack of
//! suspended generators and bounces between them: that is the trampoline of
//! Python's PEP 342, and of the coroutine `EventLoop` in the article this
//! crate grew from.
//!
//! # A coroutine that sleeps
//!
//! A [`Coroutine`] is made from a closure that receives the `co` handle and
//! returns an `async` block. Every `co.*().await` is a point where the
//! coroutine yields a command and waits for the loop's answer.
//!
//! ```
//! use std::time::Duration;
//! use trampoline::{Clock, Coroutine, Scheduler};
//!
//! let nap = Coroutine::new(|co| async move {
//!     co.sleep(Duration::from_secs(3)).await?;
//!     Ok("rested")
//! });
//! // A virtual clock jumps over the three seconds: the doc-test is instant.
//! let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
//! assert_eq!(scheduler.run_until_complete(nap).unwrap(), "rested");
//! ```
//!
//! # Two tasks take turns
//!
//! [`Co::spawn`] starts another task; while one sleeps, the other runs.
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//! use std::time::Duration;
//! use trampoline::{Clock, Coroutine, Scheduler};
//!
//! fn print_every(log: Rc<RefCell<Vec<String>>>, name: &'static str, secs: u64) -> Coroutine<()> {
//!     Coroutine::new(move |co| async move {
//!         for _ in 0..3 {
//!             let t = co.now().await?.as_secs();
//!             log.borrow_mut().push(format!("{t} {name}"));
//!             co.sleep(Duration::from_secs(secs)).await?;
//!         }
//!         Ok(())
//!     })
//! }
//!
//! let log = Rc::new(RefCell::new(Vec::new()));
//! let main = {
//!     let log = log.clone();
//!     Coroutine::new(move |co| async move {
//!         let fast = co.spawn(print_every(log.clone(), "fast", 1)).await?;
//!         let slow = co.spawn(print_every(log, "slow", 2)).await?;
//!         co.join(fast).await?;
//!         co.join(slow).await
//!     })
//! };
//! Scheduler::with_clock(Clock::virtual_at_zero()).unwrap().run_until_complete(main).unwrap();
//! // At 2 s both wake; "slow" went to sleep first (at 0 s), so it goes first.
//! assert_eq!(*log.borrow(), ["0 fast", "0 slow", "1 fast", "2 slow", "2 fast", "4 slow"]);
//! ```
//!
//! # fib through the trampoline
//!
//! A coroutine can *call* another and wait for its value, like
//! `a = yield fib(n - 1)` in the seed's Python. The callee is pushed on the
//! task's stack; when it returns it is popped and the caller resumes with its
//! value. An `Err` comes back at the `call` point, to `match` or pass on with
//! `?`. No native recursion: the depth is limited by memory only.
//!
//! ```
//! use trampoline::{Coroutine, Scheduler};
//!
//! fn fib(n: u64) -> Coroutine<u64> {
//!     Coroutine::new(move |co| async move {
//!         if n <= 1 {
//!             return Ok(n);
//!         }
//!         let a = co.call(fib(n - 1)).await?;
//!         let b = co.call(fib(n - 2)).await?;
//!         Ok(a + b)
//!     })
//!     .with_arg(n)
//! }
//!
//! fn deep(n: u64) -> Coroutine<u64> {
//!     Coroutine::new(move |co| async move {
//!         if n == 0 { Ok(0) } else { Ok(co.call(deep(n - 1)).await? + 1) }
//!     })
//! }
//!
//! let mut scheduler = Scheduler::new().unwrap();
//! assert_eq!(scheduler.run_until_complete(fib(25)).unwrap(), 75025);
//! assert_eq!(scheduler.run_until_complete(deep(100_000)).unwrap(), 100_000);
//! ```
//!
//! # Tasks working together
//!
//! The toolkit is asyncio's: cancel a task, wait for several, pass items
//! through a [`Queue`]. Waiting is a command like any other; a `put_nowait`
//! from plain code wakes the waiting task through the loop.
//!
//! ```
//! use std::time::Duration;
//! use trampoline::{Clock, Coroutine, Queue, Scheduler, gather};
//!
//! let queue = Queue::with_maxsize(2);
//! let (tx, rx) = (queue.clone(), queue.clone());
//! let producer = Coroutine::new(move |co| async move {
//!     for n in 1..=5u64 {
//!         co.call(tx.put(n)).await?; // waits while two items are queued
//!     }
//!     Ok(0)
//! });
//! let consumer = Coroutine::new(move |co| async move {
//!     let mut sum = 0;
//!     for _ in 0..5 {
//!         sum += co.call(rx.get()).await?;
//!         co.sleep(Duration::from_secs(1)).await?;
//!     }
//!     Ok(sum)
//! });
//! let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
//! assert_eq!(scheduler.run_until_complete(gather(vec![producer, consumer])).unwrap(), [0, 15]);
//! ```
//!
//! # Seeing it: scripted runs, `ps`, observers
//!
//! [`Scheduler::scripted`] runs a program on the virtual clock with input
//! lines arriving at given times ([`Script`]), so a test can assert an exact
//! transcript. [`Co::tasks`] is `ps`: every live task with its state and its
//! stack of suspended generators. Everything else that watches the loop is
//! an [`Observer`] of its [`LoopEvent`]s ([`observe`] has a text trace, a
//! Perfetto timeline, stats and a progress bar), except the live view,
//! [`observe::Live`], which samples the loop into a browser page, and slow
//! motion, [`Scheduler::pace`], which holds each push and pop until its slot.
//!
//! ```
//! use std::time::Duration;
//! use trampoline::{Coroutine, Scheduler, Script, ps_table};
//!
//! fn napper() -> Coroutine<()> {
//!     Coroutine::new(|co| async move { co.sleep(Duration::from_secs(9)).await })
//! }
//! let main = Coroutine::new(|co| async move {
//!     co.spawn(napper()).await?;
//!     let line = co.read_line().await?.unwrap_or_default();
//!     Ok(format!("{line} at {:?}\n{}", co.now().await?, ps_table(&co.tasks().await?)))
//! })
//! .named("main");
//! let script = Script::parse("2.5 ps").unwrap();
//! let out = Scheduler::scripted(script).unwrap().run_until_complete(main).unwrap();
//! assert_eq!(out, "ps at 2.5s
//! TASK  NAME    STATE                 STACK (innermost first)
//!    1  main    running               main
//!    2  napper  sleeping until 9.000  napper
//! ");
//! ```
//!
//! # Layout
//!
//! New here? Start with the guided tour, `examples/tour/`: seven small
//! programs, from a bare generator to the seed's fib demo, that build this
//! crate's ideas one at a time without using it. Then read the kernel,
//! `src/kernel/`, in the order its `mod.rs` gives: the trampoline as PEP 342
//! describes it, and nothing else. The layers above it each use the kernel
//! and nothing above themselves:
//!
//! ```text
//!   kernel ◀── toolkit ◀── io ◀── event_loop ◀── observe
//! ```
//!
//! (`observe` reaches past the kernel only for the live view, which runs a
//! scheduler and an HTTP server of its own.)
//!
//! - `kernel/`: commands, coroutines, frames, tasks, the trampoline, parking
//!   and waking, timers, the input queue, wait lists, errors, the observer
//!   event stream (a frame's one heap block is the workspace's `oneblock`
//!   crate, the project's only `unsafe`: skip it on a first reading);
//! - `io/`: stdin, lines, scripts, TCP, HTTP ([`http`], written on the TCP
//!   calls like any user code), the thread pool, and the one trait through
//!   which IO sources plug into polling;
//! - `event_loop/`: [`Scheduler`], the tick, callbacks ([`LoopHandle`]),
//!   slow motion ([`Pace`]) and the held-loop notice ([`Held`]);
//! - `toolkit/`: what asyncio users reach for ([`gather`], [`Queue`],
//!   [`Lock`], [`TaskGroup`], [`Timeout`], ...);
//! - `observe/`: trace, timeline, stats, progress, `ps`, the live view.
//!
//! `design.md` in the repository has the codemap file by file, the
//! invariants, the cost model and the limits chosen on purpose.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![forbid(unsafe_code)]

mod event_loop;
mod fib;
mod io;
mod kernel;
pub mod observe;
mod toolkit;

pub use event_loop::{Held, LoopHandle, Pace, PacedStep, RunError, Scheduler, StepKind};
pub use fib::fib;
pub use io::http;
pub use io::{
    Connection, DEFAULT_LINE_LIMIT, InputError, LineSplitter, Listener, Script, ScriptError,
    SocketOption,
};
pub use kernel::{Clock, Co, Coroutine, Error, ErrorKind, JoinHandle, Label};
pub use kernel::{LoopEvent, Observer, TaskId, TaskState, capture_reports};
pub use observe::ps::{TaskInfo, ps_table};
pub use toolkit::sync;
pub use toolkit::sync::{
    Barrier, BoundedSemaphore, Condition, Event, Lock, LockGuard, Permit, Queue, QueueError,
    Semaphore,
};
pub use toolkit::{
    Awaitable, DoneCallback, ReturnWhen, Stream, TaskGroup, TaskRef, Timeout, Yielder,
    as_completed, gather, gather_outcomes, shield, timeout, wait, wait_for,
};
