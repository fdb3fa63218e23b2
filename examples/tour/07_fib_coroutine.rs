//! Step 7 of the tour: the seed's `fib_coroutine.py`, whole. Compared with
//! step 6 it adds two commands, `Spawn` (start another task) and `Stop` (the
//! seed's `loop.stop()`), and background tasks: the loop ends when every
//! foreground task is done; the hello task does not hold it open.
//!
//! Mirrors the seed article's `fib_coroutine.py` ("Event Loops With
//! Coroutines") and Beazley's pyos8, with pyos5's `NewTask`. One change, on
//! purpose: every number typed becomes a task of its own, so computations run
//! side by side and the reader is ready for the next line at once.
//!
//! ```text
//! cargo run --example tour_07_fib_coroutine -- 0.5
//! ```
//!
//! The argument is the hello interval in seconds (default 3). Type a number n
//! for fib(n), `exit` to quit; end of input (Ctrl-D) quits once the running
//! computations are done. Previous: `06_errors.rs`. Next: the last page of
//! `examples/tour/README.md`, which maps each piece to the crate's kernel.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::AsFd;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use genawaiter::GeneratorState::{Complete, Yielded};
use genawaiter::rc::Gen;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

/// What a coroutine yields: a request to the scheduler.
enum Command {
    Sleep(Duration),
    ReadLine,
    Call(Coroutine),
    /// New: start a coroutine as a task of its own (pyos5's `NewTask`).
    Spawn(Coroutine),
    /// New: end the loop now (the seed's `loop.stop()`).
    Stop,
}

/// What the scheduler sends in when it resumes a coroutine.
enum Resume {
    Nothing,
    Line(Option<String>),
    Returned(Outcome),
}

/// Every coroutine of the tour ends with a number or an error message (a task
/// returns 0), so a stack is a plain `Vec`. The crate's `Coroutine<T>` is typed.
type Outcome = Result<u64, String>;
type Co = genawaiter::rc::Co<Command, Resume>;
type Coroutine = Gen<Command, Resume, std::pin::Pin<Box<dyn Future<Output = Outcome>>>>;

/// Wraps an `async` body as a coroutine. The `Box` gives every body one type,
/// so that different coroutines fit in one stack.
fn coroutine<F: Future<Output = Outcome> + 'static>(body: impl FnOnce(Co) -> F) -> Coroutine {
    Gen::new(|co| Box::pin(body(co)) as _)
}

// The coroutine's side of the commands that answer: yield, unpack the answer.
async fn read_line(co: &Co) -> Option<String> {
    match co.yield_(Command::ReadLine).await {
        Resume::Line(line) => line,
        _ => unreachable!("BUG: ReadLine is answered with a Line"),
    }
}

async fn call(co: &Co, child: Coroutine) -> Outcome {
    match co.yield_(Command::Call(child)).await {
        Resume::Returned(outcome) => outcome,
        _ => unreachable!("BUG: Call is answered with Returned"),
    }
}

/// A task: a stack of suspended coroutines, the running one on top. A live
/// task's stack is never empty: the task ends when its last coroutine does.
struct Task {
    stack: Vec<Coroutine>,
    /// New: a background task does not keep the loop running.
    background: bool,
}

/// Standard input, and the `mio::Poll` that says when a read will not block.
/// Step 4 explains why it reads this way.
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
    readers: VecDeque<Task>,
    /// New: the loop runs while this is not zero and nobody stopped it.
    foreground: usize,
    stopped: bool,
}

impl Scheduler {
    fn spawn(&mut self, coroutine: Coroutine, background: bool) {
        self.foreground += usize::from(!background);
        let task = Task {
            stack: vec![coroutine],
            background,
        };
        self.ready.push_back((task, Resume::Nothing));
    }

    /// The event loop. Each time round: wake the sleepers that are due; hand
    /// out the lines read so far; wait for input, not at all if a task is
    /// ready, else until the next deadline (the seed's `select`, pyos7's
    /// `iopoll`); give the first ready task one turn.
    fn run(&mut self, stdin: &mut Stdin) {
        while self.foreground > 0 && !self.stopped {
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

    /// The trampoline: resume the coroutine on top of the task's stack, then
    /// act on what it yields, one arm per command.
    fn run_turn(&mut self, mut task: Task, resume: Resume) {
        let top = task
            .stack
            .last_mut()
            .expect("BUG: a live task's stack is empty");
        match top.resume_with(resume) {
            Yielded(Command::Sleep(duration)) => {
                self.tickets += 1;
                self.timers
                    .push(Reverse((Instant::now() + duration, self.tickets)));
                self.sleeping.insert(self.tickets, task);
            }
            Yielded(Command::ReadLine) => self.readers.push_back(task),
            Yielded(Command::Call(child)) => {
                task.stack.push(child); // genawaiter drops a first resume value
                self.ready.push_back((task, Resume::Nothing));
            }
            Yielded(Command::Spawn(coroutine)) => {
                self.spawn(coroutine, false);
                self.ready.push_back((task, Resume::Nothing));
            }
            Yielded(Command::Stop) => self.stopped = true,
            Complete(outcome) => {
                task.stack.pop();
                if !task.stack.is_empty() {
                    self.ready.push_back((task, Resume::Returned(outcome))); // to the caller
                    return;
                }
                self.foreground -= usize::from(!task.background);
                if let Err(error) = outcome {
                    eprintln!("error: a task failed: {error}");
                }
            }
        }
    }
}

/// The seed's `print_every(message, interval)`.
fn print_every(message: &'static str, interval: Duration) -> Coroutine {
    coroutine(move |co| async move {
        loop {
            let now = SystemTime::now().duration_since(UNIX_EPOCH);
            println!(
                "{} - {message}",
                now.expect("the clock is past 1970").as_secs()
            );
            co.yield_(Command::Sleep(interval)).await;
        }
    })
}

/// The seed's `fib(n)`: `a = yield fib(n - 1)` is `call(&co, fib(n - 1)).await?`.
fn fib(n: u64) -> Coroutine {
    coroutine(move |co| async move {
        if n <= 1 {
            return Ok(n);
        }
        let a = call(&co, fib(n - 1)).await?;
        let b = call(&co, fib(n - 2)).await?;
        Ok(a + b)
    })
}

/// The task started for each number.
fn print_fib(n: u64) -> Coroutine {
    coroutine(move |co| async move {
        println!("fib({n}) = {}", call(&co, fib(n)).await?);
        Ok(0)
    })
}

/// The seed's `read_input(loop)`, with one task per number.
fn read_input() -> Coroutine {
    coroutine(|co| async move {
        while let Some(line) = read_line(&co).await {
            let command = match line.parse() {
                _ if line == "exit" => Command::Stop,
                Ok(n @ 0..=93) => Command::Spawn(print_fib(n)), // fib(94) overflows a u64
                _ => {
                    eprintln!("error: {line:?} is not a whole number from 0 to 93");
                    continue;
                }
            };
            co.yield_(command).await;
        }
        Ok(0)
    })
}

fn main() -> io::Result<ExitCode> {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "3".into());
    let seconds = arg
        .parse()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok());
    let Some(interval) = seconds.filter(|interval| !interval.is_zero()) else {
        eprintln!("error: the interval must be a positive number of seconds, not {arg:?}");
        return Ok(ExitCode::from(2));
    };
    let mut scheduler = Scheduler::default();
    scheduler.spawn(print_every("Hello world!", interval), true);
    scheduler.spawn(read_input(), false);
    scheduler.run(&mut Stdin::open()?);
    Ok(ExitCode::SUCCESS)
}
