//! Step 2 of the tour: a round-robin loop of tasks. Step 1 resumed one
//! generator by hand; now a scheduler keeps a ready queue of them, resumes
//! the first, and puts it back at the end when it yields, until every one has
//! finished. A task gives the others a turn by yielding: that is all the
//! multitasking there is (cooperative: a task that never yields keeps the
//! loop to itself).
//!
//! Mirrors Beazley's pyos2 and pyos3 (a `Scheduler` with a `ready` queue,
//! `mainloop`, tasks that end) and the seed article's coroutine `EventLoop`
//! (its `_tasks` deque).
//!
//! ```text
//! cargo run --example tour_02_round_robin
//! ```
//!
//! Previous: `01_generator.rs`. Next: `03_sleep.rs`.

use std::collections::VecDeque;

use genawaiter::GeneratorState::{Complete, Yielded};
use genawaiter::rc::Gen;

type Co = genawaiter::rc::Co<()>;
/// New: a coroutine whose body is boxed, so that coroutines made from
/// different `async` blocks have one type and fit in one queue.
type Coroutine = Gen<(), (), std::pin::Pin<Box<dyn Future<Output = ()>>>>;
/// A task is one coroutine, for now: step 5 gives it a stack.
type Task = Coroutine;

/// Wraps an `async` body as a coroutine.
fn coroutine<F: Future<Output = ()> + 'static>(body: impl FnOnce(Co) -> F) -> Coroutine {
    Gen::new(|co| Box::pin(body(co)) as _)
}

/// The loop's state: the tasks ready to run, in turn order.
#[derive(Default)]
struct Scheduler {
    ready: VecDeque<Task>,
}

impl Scheduler {
    fn spawn(&mut self, task: Task) {
        self.ready.push_back(task);
    }

    /// The event loop: run the first ready task until it yields, then put it
    /// at the back of the queue; a task that completes is dropped.
    fn run(&mut self) {
        while let Some(mut task) = self.ready.pop_front() {
            match task.resume() {
                Yielded(()) => self.ready.push_back(task),
                Complete(()) => {}
            }
        }
    }
}

/// Beazley's `foo` and `bar`: say something, yield, `count` times.
fn counter(name: &'static str, count: u32) -> Coroutine {
    coroutine(move |co| async move {
        for i in 1..=count {
            println!("{name} {i} of {count}");
            co.yield_(()).await;
        }
        println!("{name} done");
    })
}

fn main() {
    let mut scheduler = Scheduler::default();
    scheduler.spawn(counter("foo", 3));
    scheduler.spawn(counter("bar", 5));
    scheduler.run();
}
