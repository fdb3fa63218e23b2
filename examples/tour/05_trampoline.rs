//! Step 5 of the tour: sub-coroutines, the trampoline. A coroutine can now
//! yield `Call(child)`: the scheduler pushes the child on the task's stack and
//! runs it; when the child returns, it is popped and its caller resumed with
//! the value. A task is no longer one coroutine but a `Vec` of them, and a
//! child that sleeps parks the whole stack with it.
//!
//! Built on step 3's loop (sleep and the deadline heap) with step 4's
//! `Resume`, the value sent in: steps 5 and 6 leave stdin out, so that all
//! they add is the stack and its errors; step 7 brings stdin back. To see
//! what this step adds, diff it against `03_sleep.rs`.
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
//! One task computes 5! and then 3! by recursive sub-coroutines that each
//! pause 10 ms: the trace shows the stack growing and shrinking. Meanwhile a
//! ticker ticks: a sleeping stack waits in the timer heap like any task.
//! Previous: `04_stdin.rs` (this step builds on `03_sleep.rs`). Next:
//! `06_errors.rs`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use genawaiter::GeneratorState::{Complete, Yielded};
use genawaiter::rc::Gen;

/// What a coroutine yields: a request to the scheduler.
enum Command {
    Sleep(Duration),
    /// New: run a sub-coroutine and get what it returns (PEP 342's trampoline).
    Call(Coroutine),
}

/// What the scheduler sends in when it resumes a coroutine (as in step 4).
/// (genawaiter drops the value of a coroutine's first resume: that one only
/// starts it. We send `Nothing` then.)
enum Resume {
    Nothing,
    /// New: what the sub-coroutine called returned.
    Returned(u64),
}

type Co = genawaiter::rc::Co<Command, Resume>;
/// New: a coroutine ends with a number (a task returns 0). Every coroutine
/// returns the same type, so a stack is a plain `Vec`; the crate's
/// `Coroutine<T>` is typed.
type Coroutine = Gen<Command, Resume, std::pin::Pin<Box<dyn Future<Output = u64>>>>;
/// New: a task is a stack of suspended coroutines, the running one on top. A
/// live task's stack is never empty: the task ends when its last coroutine
/// does.
type Task = Vec<Coroutine>;

/// Wraps an `async` body as a coroutine. The `Box` gives every body one type,
/// so that different coroutines fit in one stack.
fn coroutine<F: Future<Output = u64> + 'static>(body: impl FnOnce(Co) -> F) -> Coroutine {
    Gen::new(|co| Box::pin(body(co)) as _)
}

/// New: the coroutine's side of `Call`: yield it, unpack the answer.
async fn call(co: &Co, child: Coroutine) -> u64 {
    match co.yield_(Command::Call(child)).await {
        Resume::Returned(value) => value,
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

    /// New, the trampoline: resume the coroutine on top of the task's stack,
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
                println!("    trampoline: push, {} deep", task.len());
                self.ready.push_back((task, Resume::Nothing));
            }
            Complete(value) => {
                task.pop();
                if task.is_empty() {
                    self.live -= 1; // the task is done
                } else {
                    // A return: the caller gets the value at its call point.
                    let depth = task.len();
                    println!("    trampoline: pop, {value} goes back to {depth} deep");
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

/// Prints the factorials of `numbers`, one after the other: the seed's
/// `read_input`, with a fixed input.
fn factorials(numbers: &'static [u64]) -> Coroutine {
    coroutine(move |co| async move {
        for &n in numbers {
            println!("{n}! = {}", call(&co, factorial(n)).await);
        }
        0
    })
}

/// Ticks a few times, sleeping between ticks, as in step 4.
fn ticker(times: u32, interval: Duration) -> Coroutine {
    coroutine(move |co| async move {
        for tick in 1..=times {
            println!("tick {tick}");
            co.yield_(Command::Sleep(interval)).await;
        }
        0
    })
}

fn main() {
    let mut scheduler = Scheduler::default();
    scheduler.spawn(factorials(&[5, 3]));
    scheduler.spawn(ticker(3, Duration::from_millis(30)));
    scheduler.run();
}
