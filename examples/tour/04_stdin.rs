//! Step 4 of the tour: reading standard input without blocking the loop. A
//! task yields `ReadLine` and waits in a queue of readers; the loop now waits
//! with `mio::Poll` instead of sleeping: until stdin is readable or the next
//! deadline comes, whichever is first, and not at all if a task is ready.
//! What was read is split into lines, handed to the readers in order; at the
//! end of input they get `None`.
//!
//! Mirrors the seed article's coroutine `EventLoop` (`yield sys.stdin`, and
//! `selectors` polling stdin) and Beazley's pyos7 (`ReadWait` and the
//! `iopoll` task, `select` with a timeout).
//!
//! ```text
//! cargo run --example tour_04_stdin
//! ```
//!
//! Type lines while the ticker ticks; Ctrl-D ends the input. Also try
//! `cargo run --example tour_04_stdin < Cargo.toml` (a regular file: epoll
//! refuses it, so it is read directly). Previous: `03_sleep.rs`. Next:
//! `05_trampoline.rs`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use genawaiter::GeneratorState::{Complete, Yielded};
use genawaiter::rc::Gen;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

/// What a coroutine yields: a request to the scheduler.
enum Command {
    Sleep(Duration),
    /// New: wait for the next line of standard input (the seed's
    /// `yield sys.stdin`, pyos7's `ReadWait`).
    ReadLine,
}

/// New: what the scheduler sends in when it resumes a coroutine.
/// (genawaiter drops the value of a coroutine's first resume: that one only
/// starts it. We send `Nothing` then.)
enum Resume {
    Nothing,
    /// A line, without its newline; `None` at the end of input.
    Line(Option<String>),
}

type Co = genawaiter::rc::Co<Command, Resume>;
type Coroutine = Gen<Command, Resume, std::pin::Pin<Box<dyn Future<Output = ()>>>>;
/// A task is one coroutine, for now: step 5 gives it a stack.
type Task = Coroutine;

/// Wraps an `async` body as a coroutine. The `Box` gives every body one type,
/// so that different coroutines fit in one queue.
fn coroutine<F: Future<Output = ()> + 'static>(body: impl FnOnce(Co) -> F) -> Coroutine {
    Gen::new(|co| Box::pin(body(co)) as _)
}

/// New: standard input, and the `mio::Poll` that says when a read of it will
/// not block. Why it reads the way it does:
/// - We read a duplicate of fd 0 (a `File`), not `std::io::stdin()`: std's
///   stdin keeps a buffer, and bytes waiting there are invisible to epoll.
/// - We never set `O_NONBLOCK`: it would change the file description our
///   shell shares with us. Reads stay blocking, and we only read after mio
///   said stdin is readable, one `read(2)` at a time.
/// - mio registers edge-triggered: one event per arrival of data. After each
///   read we re-register, which makes epoll report again if data is left.
///   (mio allows spurious events, which could make that read block; the
///   crate asks `poll(2)` with a zero timeout before each read instead.)
/// - epoll refuses a regular file or /dev/null (`EPERM`). A read of those
///   never blocks, so then we just read when a task wants a line.
struct Stdin {
    poll: Poll,
    file: File,
    registered: bool,
    buffer: Vec<u8>,
    ended: bool,
}

impl Stdin {
    fn open() -> io::Result<Stdin> {
        let poll = Poll::new()?;
        let registry = poll.registry();
        let registered = registry.register(&mut SourceFd(&0), Token(0), Interest::READABLE);
        Ok(Stdin {
            file: File::from(io::stdin().as_fd().try_clone_to_owned()?),
            registered: registered.is_ok(),
            poll,
            buffer: Vec::new(),
            ended: false,
        })
    }

    /// Waits at most `timeout` (`None`: no limit) for stdin to be readable,
    /// then makes one `read(2)`. A file or /dev/null is read without waiting.
    fn wait(&mut self, timeout: Option<Duration>, want_line: bool) {
        if self.registered || !want_line {
            let mut events = Events::with_capacity(1);
            // No signal handler is installed, so poll(2) is never interrupted.
            self.poll.poll(&mut events, timeout).expect("BUG: poll");
            if events.is_empty() {
                return;
            }
        }
        let mut chunk = [0; 64 * 1024];
        let n = self.file.read(&mut chunk).unwrap_or(0); // an error ends the input too
        self.buffer.extend_from_slice(&chunk[..n]);
        self.ended = n == 0;
        if self.registered && !self.ended {
            let registry = self.poll.registry();
            let rearmed = registry.reregister(&mut SourceFd(&0), Token(0), Interest::READABLE);
            rearmed.expect("BUG: stdin is registered");
        }
    }

    /// The next line from the bytes read so far; at the end of input,
    /// `Some(None)`; `None` if the next line has not come in full yet.
    fn next_line(&mut self) -> Option<Option<String>> {
        let end = match self.buffer.iter().position(|&byte| byte == b'\n') {
            Some(newline) => newline + 1,
            None if self.ended && !self.buffer.is_empty() => self.buffer.len(),
            None => return self.ended.then_some(None),
        };
        let line: Vec<u8> = self.buffer.drain(..end).collect();
        Some(Some(String::from_utf8_lossy(&line).trim_end().into()))
    }
}

/// The loop's state: who is ready (with what to send in), who sleeps until
/// when, who waits for a line.
#[derive(Default)]
struct Scheduler {
    ready: VecDeque<(Task, Resume)>,
    /// Deadlines, soonest on top (`Reverse`: `BinaryHeap` is a max-heap), each
    /// with a ticket: equal deadlines wake in the order they were set (FIFO).
    timers: BinaryHeap<Reverse<(Instant, u64)>>,
    sleeping: HashMap<u64, Task>,
    tickets: u64,
    /// New: tasks waiting for a line, in the order they asked.
    readers: VecDeque<Task>,
    /// Tasks not finished yet: the loop runs while there are some.
    live: usize,
}

impl Scheduler {
    fn spawn(&mut self, task: Task) {
        self.live += 1;
        self.ready.push_back((task, Resume::Nothing));
    }

    /// The event loop. Each time round: wake the sleepers that are due; hand
    /// out the lines read so far; wait for input, not at all if a task is
    /// ready, else until the next deadline (the seed's `select`, pyos7's
    /// `iopoll`); give the first ready task one turn.
    fn run(&mut self, stdin: &mut Stdin) {
        while self.live > 0 {
            let now = Instant::now();
            while let Some(&Reverse((deadline, ticket))) = self.timers.peek()
                && deadline <= now
            {
                self.timers.pop();
                let task = self.sleeping.remove(&ticket);
                let task = task.expect("BUG: a timer without its task");
                self.ready.push_back((task, Resume::Nothing));
            }
            while !self.readers.is_empty()
                && let Some(line) = stdin.next_line()
            {
                let reader = self.readers.pop_front().expect("BUG: not empty");
                self.ready.push_back((reader, Resume::Line(line)));
            }
            // Every deadline left is after `now`, so the subtraction is safe.
            let mut timeout = self.timers.peek().map(|Reverse((at, _))| *at - now);
            if !self.ready.is_empty() {
                timeout = Some(Duration::ZERO); // someone is ready: no waiting
            }
            stdin.wait(timeout, !self.readers.is_empty());
            if let Some((task, resume)) = self.ready.pop_front() {
                self.run_turn(task, resume);
            }
        }
    }

    /// One turn: resume the task, then act on what it yields, one arm per
    /// command.
    fn run_turn(&mut self, mut task: Task, resume: Resume) {
        match task.resume_with(resume) {
            Yielded(Command::Sleep(duration)) => {
                self.tickets += 1;
                self.timers
                    .push(Reverse((Instant::now() + duration, self.tickets)));
                self.sleeping.insert(self.tickets, task);
            }
            Yielded(Command::ReadLine) => self.readers.push_back(task),
            Complete(()) => self.live -= 1,
        }
    }
}

/// Ticks a few times, sleeping between ticks, to show the loop is not
/// blocked while the other task waits for a line.
fn ticker(times: u32, interval: Duration) -> Coroutine {
    coroutine(move |co| async move {
        for tick in 1..=times {
            println!("tick {tick}");
            co.yield_(Command::Sleep(interval)).await;
        }
    })
}

/// Echoes every line, like the seed's `read_input` before it learns numbers.
/// It yields `ReadLine`, and what comes back is the line.
fn echo() -> Coroutine {
    coroutine(|co| async move {
        while let Resume::Line(Some(line)) = co.yield_(Command::ReadLine).await {
            println!("read: {line:?}");
        }
        println!("end of input");
    })
}

fn main() -> io::Result<()> {
    let mut scheduler = Scheduler::default();
    scheduler.spawn(ticker(3, Duration::from_millis(300)));
    scheduler.spawn(echo());
    scheduler.run(&mut Stdin::open()?);
    Ok(())
}
