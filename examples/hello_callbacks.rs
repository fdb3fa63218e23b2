//! The seed's callback `EventLoop` (article 000, "Event Loops With
//! Callbacks"): `add_timer(3, print_hello)` re-arms itself every 3 seconds,
//! `add_stdin_handler(on_stdin_input)` gets every line, and typing `exit`
//! stops the loop. Our `EventLoop` is a thin layer over the library's loop:
//! timers are `call_later`, stopping is `stop`, and the stdin handlers are
//! called by one small task that reads lines.
//!
//! ```text
//! cargo run --release --example hello_callbacks
//! ```
//!
//! Type a number and Enter, `exit` to stop; the end of input stops it too.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use trampoline::{Coroutine, LoopHandle, RunError, Scheduler};

const LARGEST: u64 = 50;

type StdinHandler = Box<dyn FnMut(&str)>;

/// The seed's `EventLoop` class: cheap to clone, as callbacks capture it.
#[derive(Clone)]
struct EventLoop {
    handle: LoopHandle,
    stdin_handlers: Rc<RefCell<Vec<StdinHandler>>>,
    /// Set by `stop`: the reader takes no more lines, even buffered ones.
    stopped: Rc<Cell<bool>>,
}

impl EventLoop {
    fn new(scheduler: &Scheduler) -> Self {
        EventLoop {
            handle: scheduler.handle(),
            stdin_handlers: Rc::default(),
            stopped: Rc::default(),
        }
    }

    fn add_stdin_handler(&self, callback: impl FnMut(&str) + 'static) {
        self.stdin_handlers.borrow_mut().push(Box::new(callback));
    }

    fn add_timer(&self, wait_time: Duration, callback: impl FnOnce() + 'static) {
        self.handle.call_later(wait_time, callback);
    }

    fn stop(&self) {
        self.stopped.set(true);
        self.handle.stop();
    }

    /// Starts the line reader and runs the loop until `stop`.
    fn run_forever(&self, scheduler: &mut Scheduler) -> Result<(), RunError> {
        let this = self.clone();
        scheduler.spawn(Coroutine::new(move |co| async move {
            while !this.stopped.get() {
                match co.read_line().await {
                    Ok(Some(line)) => {
                        for handler in this.stdin_handlers.borrow_mut().iter_mut() {
                            handler(line.trim());
                        }
                    }
                    Ok(None) => break,
                    Err(e) => eprintln!("error: {e}"),
                }
            }
            this.stop(); // the end of input
            Ok(())
        }));
        scheduler.run_forever()
    }
}

fn fib(n: u64) -> u64 {
    if n > 1 { fib(n - 1) + fib(n - 2) } else { n }
}

fn print_hello(event_loop: EventLoop) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    println!("{secs} - Hello world!");
    let again = event_loop.clone();
    event_loop.add_timer(Duration::from_secs(3), move || print_hello(again));
}

fn main() -> Result<(), RunError> {
    let mut scheduler = Scheduler::new()?;
    let event_loop = EventLoop::new(&scheduler);
    let el = event_loop.clone();
    event_loop.add_stdin_handler(move |line| {
        if line == "exit" {
            el.stop();
            return;
        }
        match line.parse::<u64>() {
            Ok(n) if n <= LARGEST => {
                let start = Instant::now();
                let result = fib(n);
                println!(
                    "Executing fib took {:.2} seconds.",
                    start.elapsed().as_secs_f64()
                );
                println!("fib({n}) = {result}");
            }
            _ => eprintln!("error: {line:?} is not a number from 0 to {LARGEST}"),
        }
    });
    let el = event_loop.clone();
    event_loop.add_timer(Duration::ZERO, move || print_hello(el));
    event_loop.run_forever(&mut scheduler)
}
