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
//! Three tasks: the seed's C, which catches A's error; a careless caller of
//! B, which does not, and fails; and one that prints the factorials of 23 and
//! 5. 23! fails in the frame computing 21! (it overflows a u64), and the
//! error comes up through the frames of 22! and 23! to the task, which
//! catches it and goes on. The trace shows each error going back a frame
//! (the values going back, which step 5 traced, are left out). Like step 5,
//! this step leaves stdin out. Previous: `05_trampoline.rs`. Next:
//! `07_fib_coroutine.rs`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use genawaiter::GeneratorState::{Complete, Yielded};
use genawaiter::rc::Gen;

/// What a coroutine yields: a request to the scheduler.
enum Command {
    Sleep(Duration),
    Call(Coroutine),
}

/// What the scheduler sends in when it resumes a coroutine.
enum Resume {
    Nothing,
    /// What the sub-coroutine called returned: now a value or an error.
    Returned(Outcome),
}

/// New: a coroutine ends with a number or an error (a message, here; the
/// crate's errors are types with sources). A task returns 0: every coroutine
/// of the tour returns the same type, so a stack is a plain `Vec` (the
/// crate's `Coroutine<T>` is typed).
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
    match co.yield_(Command::Call(child)).await {
        Resume::Returned(outcome) => outcome,
        Resume::Nothing => unreachable!("BUG: Call is answered with Returned"),
    }
}

/// The loop's state: who is ready (with what to send in), who sleeps until
/// when.
#[derive(Default)]
struct Scheduler {
    ready: VecDeque<(Task, Resume)>,
    /// Deadlines, soonest on top (`Reverse`: `BinaryHeap` is a max-heap), each
    /// with a ticket: equal deadlines wake in the order they were set (FIFO).
    timers: BinaryHeap<Reverse<(Instant, u64)>>,
    sleeping: HashMap<u64, Task>,
    tickets: u64,
    /// Tasks not finished yet: the loop runs while there are some.
    live: usize,
}

impl Scheduler {
    /// Starts a task: a stack of one coroutine.
    fn spawn(&mut self, coroutine: Coroutine) {
        self.live += 1;
        self.ready.push_back((vec![coroutine], Resume::Nothing));
    }

    /// The event loop, step 3's: wake the sleepers that are due; if no task
    /// is ready, sleep until the next deadline; give the first ready task one
    /// turn.
    fn run(&mut self) {
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
            // Every deadline left is after `now`, so the subtraction is safe.
            let next = self.timers.peek().map(|Reverse((at, _))| *at - now);
            if self.ready.is_empty()
                && let Some(next) = next
            {
                std::thread::sleep(next);
            }
            if let Some((task, resume)) = self.ready.pop_front() {
                self.run_turn(task, resume);
            }
        }
    }

    /// The trampoline: resume the coroutine on top of the task's stack,
    /// then act on what it yields, one arm per command.
    fn run_turn(&mut self, mut task: Task, resume: Resume) {
        let top = task.last_mut().expect("BUG: a live task's stack is empty");
        match top.resume_with(resume) {
            Yielded(Command::Sleep(duration)) => {
                self.tickets += 1;
                self.timers
                    .push(Reverse((Instant::now() + duration, self.tickets)));
                self.sleeping.insert(self.tickets, task);
            }
            Yielded(Command::Call(child)) => {
                task.push(child); // genawaiter drops a first resume value
                self.ready.push_back((task, Resume::Nothing));
            }
            Complete(outcome) => {
                task.pop();
                if task.is_empty() {
                    self.live -= 1; // the task is done, or failed if nobody caught
                    if let Err(error) = outcome {
                        eprintln!("error: a task failed: {error}");
                    }
                } else {
                    // A value or an error goes back to the caller, which gets
                    // it at its call point: `call(..).await?` rethrows an error.
                    let depth = task.len();
                    if outcome.is_err() {
                        println!("    trampoline: pop, {outcome:?} goes back to {depth} deep");
                    }
                    self.ready.push_back((task, Resume::Returned(outcome)));
                }
            }
        }
    }
}

/// n! by recursive sub-coroutines (step 5's, without the pause); past 20!
/// it fails deep in the stack.
fn factorial(n: u64) -> Coroutine {
    coroutine(move |co| async move {
        if n <= 1 {
            return Ok(1);
        }
        let product = call(&co, factorial(n - 1)).await?.checked_mul(n);
        product.ok_or(format!("{n}! does not fit in a u64"))
    })
}

/// Prints the factorials of `numbers`, and catches their errors.
fn factorials(numbers: &'static [u64]) -> Coroutine {
    coroutine(move |co| async move {
        for &n in numbers {
            match call(&co, factorial(n)).await {
                Ok(value) => println!("{n}! = {value}"),
                Err(error) => println!("caught: {error}"),
            }
        }
        Ok(0)
    })
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
/// (It waits a moment first, so that its trace comes after the others'.)
fn careless() -> Coroutine {
    coroutine(|co| async move {
        co.yield_(Command::Sleep(Duration::from_millis(50))).await;
        call(&co, b()).await
    })
}

fn main() {
    let mut scheduler = Scheduler::default();
    scheduler.spawn(c());
    scheduler.spawn(careless());
    scheduler.spawn(factorials(&[23, 5]));
    scheduler.run();
}
