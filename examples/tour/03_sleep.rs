//! Step 3 of the tour: `Sleep`. A coroutine now yields a `Command`, a request
//! the scheduler carries out; the first is `Sleep(duration)`. A sleeping task
//! leaves the ready queue for a heap of deadlines; when nothing is ready, the
//! loop sleeps until the soonest deadline instead of spinning.
//!
//! Mirrors the seed article's coroutine `EventLoop` (`sleep_for_seconds`, its
//! sorted list of timers) and Beazley's pyos4, where a task yields a
//! `SystemCall` object for the scheduler to handle.
//!
//! ```text
//! cargo run --example tour_03_sleep
//! ```
//!
//! Two tasks nap, A every 300 ms and B every 500 ms; their wake-ups interleave
//! by deadline. Previous: `02_round_robin.rs`. Next: `04_stdin.rs`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use genawaiter::GeneratorState::{Complete, Yielded};
use genawaiter::rc::Gen;

/// New: what a coroutine yields, a request to the scheduler.
enum Command {
    /// Wake me up after this long.
    Sleep(Duration),
}

type Co = genawaiter::rc::Co<Command>;
type Coroutine = Gen<Command, (), std::pin::Pin<Box<dyn Future<Output = ()>>>>;
/// A task is one coroutine, for now: step 5 gives it a stack.
type Task = Coroutine;

/// Wraps an `async` body as a coroutine. The `Box` gives every body one type,
/// so that different coroutines fit in one queue.
fn coroutine<F: Future<Output = ()> + 'static>(body: impl FnOnce(Co) -> F) -> Coroutine {
    Gen::new(|co| Box::pin(body(co)) as _)
}

/// The loop's state: who is ready, who sleeps until when.
///
/// A `BinaryHeap` is enough here: a push or a pop costs O(log n). tokio
/// uses a hierarchical timer wheel because it holds very many timers, most
/// cancelled before they fire (every timeout of every socket), and a wheel
/// adds and cancels in O(1).
#[derive(Default)]
struct Scheduler {
    ready: VecDeque<Task>,
    /// New: deadlines, soonest on top (`Reverse`: `BinaryHeap` is a
    /// max-heap), each with a ticket: equal deadlines wake in the order they
    /// were set (FIFO), since the tickets break the tie.
    timers: BinaryHeap<Reverse<(Instant, u64)>>,
    /// New: the sleeping tasks, by ticket.
    sleeping: HashMap<u64, Task>,
    tickets: u64,
    /// New: tasks not finished yet: the loop runs while there are some (the
    /// ready queue alone no longer says it, sleepers are elsewhere).
    live: usize,
}

impl Scheduler {
    fn spawn(&mut self, task: Task) {
        self.live += 1;
        self.ready.push_back(task);
    }

    /// The event loop. Each time round: wake the sleepers that are due; if no
    /// task is ready, sleep until the next deadline; give the first ready
    /// task one turn.
    fn run(&mut self) {
        while self.live > 0 {
            let now = Instant::now();
            while let Some(&Reverse((deadline, ticket))) = self.timers.peek()
                && deadline <= now
            {
                self.timers.pop();
                let task = self.sleeping.remove(&ticket);
                self.ready
                    .push_back(task.expect("BUG: a timer without its task"));
            }
            // Every deadline left is after `now`, so the subtraction is safe.
            let next = self.timers.peek().map(|Reverse((at, _))| *at - now);
            if self.ready.is_empty()
                && let Some(next) = next
            {
                std::thread::sleep(next);
            }
            if let Some(task) = self.ready.pop_front() {
                self.run_turn(task);
            }
        }
    }

    /// One turn: resume the task, then act on what it yields, one arm per
    /// command.
    fn run_turn(&mut self, mut task: Task) {
        match task.resume() {
            Yielded(Command::Sleep(duration)) => {
                self.tickets += 1;
                self.timers
                    .push(Reverse((Instant::now() + duration, self.tickets)));
                self.sleeping.insert(self.tickets, task);
            }
            Complete(()) => self.live -= 1,
        }
    }
}

/// Naps `times` times, `interval` each, and says when it wakes.
fn napper(name: &'static str, times: u32, interval: Duration, start: Instant) -> Coroutine {
    coroutine(move |co| async move {
        for nap in 1..=times {
            co.yield_(Command::Sleep(interval)).await;
            let ms = start.elapsed().as_millis();
            println!("{name} wakes from nap {nap} of {times} at {ms} ms");
        }
    })
}

fn main() {
    let start = Instant::now();
    let mut scheduler = Scheduler::default();
    scheduler.spawn(napper("A", 3, Duration::from_millis(300), start));
    scheduler.spawn(napper("B", 2, Duration::from_millis(500), start));
    scheduler.run();
}
