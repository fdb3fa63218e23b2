//! Step 1 of the tour: a generator that yields, resumed by hand. A generator
//! is a function that can stop half-way, hand a value out (`yield`) and later
//! go on from there with a value handed in (`resume`). Everything after this
//! step is a loop that resumes generators like this one.
//!
//! Mirrors the seed article's introduction to coroutines (`y = yield x`,
//! continued with `send`) and Beazley's first coroutines and pyos1 (a `Task`
//! that keeps the value to send in next).
//!
//! ```text
//! cargo run --example tour_01_generator
//! ```
//!
//! Next: `02_round_robin.rs`.

use genawaiter::GeneratorState::{Complete, Yielded};
use genawaiter::rc::Gen;

fn main() {
    // The body is an `async` block; `co.yield_(x).await` is Python's
    // `y = yield x`: it hands `x` out, stops, and evaluates to the value the
    // next resume hands in. genawaiter's `rc` flavour keeps the body on the
    // heap, with no unsafe code to write.
    let mut running_total = Gen::new(|co| async move {
        println!("    generator: started");
        let mut total = 0;
        for _ in 0..3 {
            let added: i32 = co.yield_(total).await;
            println!("    generator: got {added}");
            total += added;
        }
        total // the return value: `Complete(total)`
    });

    // The first resume only starts the body, up to its first yield:
    // genawaiter drops the value it is given (Python: `send(None)` first).
    match running_total.resume_with(0) {
        Yielded(total) => println!("main: started, the generator yielded {total}"),
        Complete(total) => println!("main: it returned {total} already"),
    }
    for value in [10, 20, 30] {
        println!("main: resume with {value}");
        match running_total.resume_with(value) {
            Yielded(total) => println!("main: it yielded {total}"),
            Complete(total) => println!("main: it returned {total}"),
        }
    }
}
