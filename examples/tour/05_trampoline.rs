//! Step 5 of the tour: sub-coroutines, the trampoline. A coroutine can now
//! yield `Call(child)`: the scheduler pushes the child on the task's stack and
//! runs it; when the child returns, it is popped and its caller resumed with
//! the value. A task is no longer one coroutine but a `Vec` of them, and a
//! child that sleeps or reads a line parks the whole stack with it.
//!
//! Mirrors the seed article's coroutine `EventLoop` (its `stack` argument,
//! "based on the example of a Trampoline provided in PEP 342") and Beazley's
//! pyos8 ("coroutine trampolining"). As in the seed, a call and a return each
//! go through the ready queue: one resume per turn.
//!
//! ```text
//! cargo run --example tour_05_trampoline
//! ```
//!
//! Then type a number from 0 to 20 for its factorial, computed by recursive
//! sub-coroutines that each pause 10 ms: the trace shows the stack growing
//! and shrinking. Ctrl-D ends the input. Previous: `04_stdin.rs`. Next:
//! `06_errors.rs`.

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
    /// New: run a sub-coroutine and get what it returns (PEP 342's trampoline).
    Call(Coroutine),
}

/// What the scheduler sends in when it resumes a coroutine.
enum Resume {
    Nothing,
    Line(Option<String>),
    /// New: what the sub-coroutine called returned.
    Returned(u64),
}

type Co = genawaiter::rc::Co<Command, Resume>;
/// New: a coroutine ends with a number (a task returns 0). Every coroutine
/// returns the same type, so a stack is a plain `Vec`; the crate's
/// `Coroutine<T>` is typed.
type Coroutine = Gen<Command, Resume, std::pin::Pin<Box<dyn Future<Output = u64>>>>;

/// Wraps an `async` body as a coroutine. The `Box` gives every body one type,
/// so that different coroutines fit in one stack.
fn coroutine<F: Future<Output = u64> + 'static>(body: impl FnOnce(Co) -> F) -> Coroutine {
    Gen::new(|co| Box::pin(body(co)) as _)
}

// The coroutine's side of the commands that answer: yield, unpack the answer.
async fn read_line(co: &Co) -> Option<String> {
    match co.yield_(Command::ReadLine).await {
        Resume::Line(line) => line,
        _ => unreachable!("BUG: ReadLine is answered with a Line"),
    }
}

async fn call(co: &Co, child: Coroutine) -> u64 {
    match co.yield_(Command::Call(child)).await {
        Resume::Returned(value) => value,
        _ => unreachable!("BUG: Call is answered with Returned"),
    }
}

/// New: a task is a stack of suspended coroutines, the running one on top. A live
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
            Complete(value) => {
                task.stack.pop();
                if task.stack.is_empty() {
                    self.live -= 1; // the task is done
                } else {
                    // A return: the caller gets the value at its call point.
                    println!(
                        "    trampoline: pop, {value} goes back to {} deep",
                        task.stack.len()
                    );
                    self.ready.push_back((task, Resume::Returned(value)));
                }
            }
        }
    }
}

/// n! by recursive sub-coroutines, each pausing a moment first: while one
/// sleeps, its whole task (the stack under it) waits in the timer heap.
fn factorial(n: u64) -> Coroutine {
    coroutine(move |co| async move {
        co.yield_(Command::Sleep(Duration::from_millis(10))).await;
        if n <= 1 {
            return 1;
        }
        let smaller = call(&co, factorial(n - 1)).await;
        smaller * n
    })
}

/// Reads numbers and prints their factorials, like the seed's `read_input`.
fn read_numbers() -> Coroutine {
    coroutine(|co| async move {
        while let Some(line) = read_line(&co).await {
            match line.parse() {
                Ok(n @ 0..=20) => println!("{n}! = {}", call(&co, factorial(n)).await),
                _ => eprintln!("error: {line:?} is not a whole number from 0 to 20"), // 21! > u64::MAX
            }
        }
        println!("end of input");
        0
    })
}

fn main() -> io::Result<()> {
    let mut scheduler = Scheduler::default();
    scheduler.spawn(read_numbers());
    scheduler.run(&mut Stdin::open()?);
    Ok(())
}
