//! Step 6 of the tour: errors. A coroutine now ends with `Ok(value)` or
//! `Err(error)`; the trampoline pops the frame either way and sends the
//! outcome to the caller, and `call(..).await?` raises the error again right at
//! the caller's call point. Uncaught, it ends that frame too, and so on frame
//! by frame down to the task, which fails (the other tasks go on).
//!
//! Mirrors the seed article's "Handling Exceptions" (`A` fails, `B` lets it
//! through, `C` catches it: "C got exception: Something went wrong in A!")
//! and PEP 342's trampoline, which throws an exception into the caller with
//! `generator.throw`. genawaiter has no `throw`, so the error travels as the
//! resume value; the crate does the same (`src/kernel/throw.rs`).
//!
//! ```text
//! cargo run --example tour_06_errors
//! ```
//!
//! Then type numbers: for 25, the frame computing 21! overflows a u64, and
//! its error comes up through the frames of 22! to 25! to the reader, which
//! catches it and goes on. Ctrl-D ends the input.
//! Previous: `05_trampoline.rs`. Next: `07_fib_coroutine.rs`.

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
    ReadLine,
    Call(Coroutine),
}

/// What the scheduler sends in when it resumes a coroutine.
enum Resume {
    Nothing,
    Line(Option<String>),
    Returned(Outcome),
}

/// New: a coroutine ends with a number or an error (a message, here; the
/// crate's errors are types with sources). A task returns 0: every coroutine
/// of the tour returns the same type, so a stack is a plain `Vec` (the
/// crate's `Coroutine<T>` is typed).
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
    /// Tasks not finished yet: the loop runs while there are some.
    live: usize,
}

impl Scheduler {
    fn spawn(&mut self, coroutine: Coroutine) {
        self.live += 1;
        let task = Task {
            stack: vec![coroutine],
        };
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
                println!("    trampoline: push, {} deep", task.stack.len());
                self.ready.push_back((task, Resume::Nothing));
            }
            Complete(outcome) => {
                task.stack.pop();
                if !task.stack.is_empty() {
                    // A value or an error goes back to the caller, which gets
                    // it at its call point: `call(..).await?` rethrows an error.
                    println!(
                        "    trampoline: pop, {outcome:?} goes back to {} deep",
                        task.stack.len()
                    );
                    self.ready.push_back((task, Resume::Returned(outcome)));
                    return;
                }
                self.live -= 1;
                if let Err(error) = outcome {
                    eprintln!("error: a task failed: {error}");
                }
            }
        }
    }
}

/// The seed's `A()`: fails.
fn a() -> Coroutine {
    coroutine(|_co| async { Err("Something went wrong in A!".to_string()) })
}

/// The seed's `B()`: `a = yield from A()`. The `?` lets A's error through.
fn b() -> Coroutine {
    coroutine(|co| async move {
        let a = call(&co, a()).await?;
        Ok(a + 1)
    })
}

/// The seed's `C()`: catches the error where it called B.
fn c() -> Coroutine {
    coroutine(|co| async move {
        match call(&co, b()).await {
            Ok(b) => println!("{b}"),
            Err(error) => println!("C got exception: {error}"),
        }
        Ok(0)
    })
}

/// Calls B and does not catch: the error unwinds B, then this task.
/// (It waits a moment first, so that its trace comes after C's.)
fn careless() -> Coroutine {
    coroutine(|co| async move {
        co.yield_(Command::Sleep(Duration::from_millis(50))).await;
        call(&co, b()).await
    })
}

/// n! by recursive sub-coroutines; past 20! it fails deep in the stack.
fn factorial(n: u64) -> Coroutine {
    coroutine(move |co| async move {
        co.yield_(Command::Sleep(Duration::from_millis(10))).await;
        if n <= 1 {
            return Ok(1);
        }
        let smaller = call(&co, factorial(n - 1)).await?;
        smaller
            .checked_mul(n)
            .ok_or(format!("{n}! does not fit in a u64"))
    })
}

/// Reads numbers, prints their factorials, catches the errors.
fn read_numbers() -> Coroutine {
    coroutine(|co| async move {
        while let Some(line) = read_line(&co).await {
            let Ok(n) = line.parse() else {
                eprintln!("error: {line:?} is not a whole number");
                continue;
            };
            match call(&co, factorial(n)).await {
                Ok(value) => println!("{n}! = {value}"),
                Err(error) => println!("caught: {error}"),
            }
        }
        println!("end of input");
        Ok(0)
    })
}

fn main() -> io::Result<()> {
    let mut scheduler = Scheduler::default();
    scheduler.spawn(c());
    scheduler.spawn(careless());
    scheduler.spawn(read_numbers());
    scheduler.run(&mut Stdin::open()?);
    Ok(())
}
