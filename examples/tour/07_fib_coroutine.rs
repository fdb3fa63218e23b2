//! Step 7 of the tour: the seed's `fib_coroutine.py`, whole. It is step 6's
//! trampoline with step 4's `ReadLine` back, and two more commands: `Spawn`
//! starts a task, so every number typed gets a task of its own, computations
//! run side by side and the reader is ready for the next line at once; `Stop`
//! ends the loop (`exit`). The hello task never ends, so the loop does not
//! wait for it: it runs while the reader or a computation does.
//!
//! Mirrors the seed article's `fib_coroutine.py` ("Event Loops With
//! Coroutines") and Beazley's pyos8, with pyos5's `NewTask`. Written tightly,
//! with two shortcuts, each labelled where it lives: stdin is read by a
//! thread of its own (step 4 showed mio readiness, which the crate uses), and
//! the sleepers are a plain list (step 3 showed the heap).
//!
//! ```text
//! cargo run --example tour_07_fib_coroutine -- 0.5
//! ```
//!
//! The argument is the hello interval in seconds (default 3). Type a number n
//! for fib(n), `exit` to quit; end of input (Ctrl-D) quits once the running
//! computations are done. Previous: `06_errors.rs`. Next: the last page of
//! `examples/tour/README.md`, which maps each piece to the crate's kernel.

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, UNIX_EPOCH};

use genawaiter::GeneratorState::{Complete, Yielded};
use genawaiter::rc::Gen;

/// What a coroutine yields: a request to the scheduler.
enum Command {
    Sleep(Duration),
    /// Back from step 4: wait for the next line of standard input.
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
    /// A line, without its newline; `None` at the end of input.
    Line(Option<String>),
    Returned(Outcome),
}

/// A coroutine ends with a number or an error message (a task returns 0).
type Outcome = Result<u64, String>;
type Co = genawaiter::rc::Co<Command, Resume>;
type Coroutine = Gen<Command, Resume, std::pin::Pin<Box<dyn Future<Output = Outcome>>>>;
/// A task: a stack of suspended coroutines, the running one on top. A live
/// task's stack is never empty: the task ends when its last coroutine does.
type Task = Vec<Coroutine>;

/// Wraps an `async` body as a coroutine. The `Box` gives every body one type,
/// so that different coroutines fit in one stack.
fn coroutine<F: Future<Output = Outcome> + 'static>(body: impl FnOnce(Co) -> F) -> Coroutine {
    Gen::new(|co| Box::pin(body(co)) as _)
}

/// The coroutine's side of `Call`: yield it, unpack the answer.
async fn call(co: &Co, child: Coroutine) -> Outcome {
    let Resume::Returned(outcome) = co.yield_(Command::Call(child)).await else {
        unreachable!("BUG: Call is answered with Returned")
    };
    outcome
}

/// The loop's state: who is ready (with what to send in), who sleeps until
/// when, who waits for a line.
#[derive(Default)]
struct Scheduler {
    ready: VecDeque<(Task, Resume)>,
    /// Sleepers and their deadlines, in the order they fell asleep. A list
    /// searched every time round is enough for the one sleeper here (the seed
    /// keeps a list too); step 3's heap is what scales.
    sleeping: Vec<(Instant, Task)>,
    readers: VecDeque<Task>,
    /// The tasks the loop waits for: it runs while there are some. The hello
    /// task is not counted (see `main`); `Stop` sets it to 0.
    live: usize,
}

impl Scheduler {
    /// Starts a task: a stack of one coroutine.
    fn spawn(&mut self, coroutine: Coroutine) {
        self.live += 1;
        self.ready.push_back((vec![coroutine], Resume::Nothing));
    }

    /// The event loop. Each time round: wake the sleepers that are due; give
    /// the first ready task one turn, then hand a line to a reader if one has
    /// come; or, with no task ready, wait for a line until the next deadline.
    fn run(&mut self, lines: &Receiver<String>) {
        while self.live > 0 {
            let now = Instant::now();
            for (_, task) in self.sleeping.extract_if(.., |(at, _)| *at <= now) {
                self.ready.push_back((task, Resume::Nothing));
            }
            if let Some((task, resume)) = self.ready.pop_front() {
                self.run_turn(task, resume);
                self.wait(lines, Duration::ZERO);
            } else {
                // Every deadline left is after `now`, so the subtraction is safe.
                let next = self.sleeping.iter().map(|(at, _)| *at - now).min();
                self.wait(lines, next.unwrap_or(Duration::MAX));
            }
        }
    }

    /// Waits at most `timeout`: for a line if a task wants one, else for the
    /// time to pass.
    fn wait(&mut self, lines: &Receiver<String>, timeout: Duration) {
        let Some(reader) = self.readers.pop_front() else {
            return std::thread::sleep(timeout);
        };
        match lines.recv_timeout(timeout) {
            Err(RecvTimeoutError::Timeout) => self.readers.push_front(reader),
            // A line, or the end of input: the thread is gone.
            line => self.ready.push_back((reader, Resume::Line(line.ok()))),
        }
    }

    /// The trampoline: resume the coroutine on top of the task's stack, then
    /// act on what it yields, one arm per command, and on how it ends.
    fn run_turn(&mut self, mut task: Task, resume: Resume) {
        let top = task.last_mut().expect("BUG: a live task's stack is empty");
        match top.resume_with(resume) {
            Yielded(Command::Sleep(delay)) => self.sleeping.push((Instant::now() + delay, task)),
            Yielded(Command::ReadLine) => self.readers.push_back(task),
            Yielded(Command::Call(child)) => {
                task.push(child); // genawaiter drops a first resume value
                self.ready.push_back((task, Resume::Nothing));
            }
            Yielded(Command::Spawn(coroutine)) => {
                self.spawn(coroutine);
                self.ready.push_back((task, Resume::Nothing));
            }
            Yielded(Command::Stop) => self.live = 0, // nothing more to wait for
            // A return: the caller gets the value or the error at its call point.
            Complete(outcome) if task.len() > 1 => {
                task.pop();
                self.ready.push_back((task, Resume::Returned(outcome)));
            }
            Complete(Ok(_)) => self.live -= 1, // the task is done
            Complete(Err(error)) => {
                self.live -= 1; // the task failed: nobody caught its error
                eprintln!("error: {error}");
            }
        }
    }
}

/// The seed's `print_every(message, interval)`.
fn print_every(message: &'static str, interval: Duration) -> Coroutine {
    coroutine(move |co| async move {
        loop {
            let now = UNIX_EPOCH.elapsed().expect("the clock is past 1970");
            println!("{} - {message}", now.as_secs());
            co.yield_(Command::Sleep(interval)).await;
        }
    })
}

/// The seed's `fib(n)`: `a = yield fib(n - 1)`, `b = yield fib(n - 2)`,
/// `return a + b`; `call(..).await?` is the `yield`.
fn fib(n: u64) -> Coroutine {
    coroutine(move |co| async move {
        if n <= 1 {
            return Ok(n);
        }
        Ok(call(&co, fib(n - 1)).await? + call(&co, fib(n - 2)).await?)
    })
}

/// The seed's `read_input(loop)`, with a task of its own for every line.
fn read_input() -> Coroutine {
    coroutine(|co| async move {
        while let Resume::Line(Some(line)) = co.yield_(Command::ReadLine).await {
            if line == "exit" {
                co.yield_(Command::Stop).await; // never resumed: the loop ends
            }
            // A line that is not a number fails its task, and only that one.
            let print_fib = coroutine(move |co| async move {
                let n = line.parse().ok().filter(|&n| n <= 93); // fib(94) overflows a u64
                let n = n.ok_or(format!("{line:?} is not a whole number from 0 to 93"))?;
                println!("fib({n}) = {}", call(&co, fib(n)).await?);
                Ok(0)
            });
            co.yield_(Command::Spawn(print_fib)).await;
        }
        Ok(0)
    })
}

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "3".into());
    let interval = match arg.parse().map(Duration::try_from_secs_f64) {
        Ok(Ok(interval)) if !interval.is_zero() => interval,
        _ => {
            eprintln!("error: the interval must be a positive number of seconds, not {arg:?}");
            std::process::exit(2);
        }
    };
    let mut scheduler = Scheduler::default();
    // The hello task never ends, so it is not counted in `live` (`spawn`
    // would count it): the loop does not wait for it.
    let hello = vec![print_every("Hello world!", interval)];
    scheduler.ready.push_back((hello, Resume::Nothing));
    scheduler.spawn(read_input());
    // New: standard input, read by a thread of its own that sends each line
    // over a channel, which closes at the end of input. tokio reads stdin
    // this way too, on a blocking thread; step 4 and the crate read it on the
    // loop's own thread, when mio says a read will not block (40 lines more).
    let (sender, lines) = mpsc::channel();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lines().map_while(Result::ok);
        stdin.try_for_each(|line| sender.send(line)) // until the loop is gone
    });
    scheduler.run(&lines);
}
