//! How the demo ends when it is stopped from outside: a signal (`signals`),
//! a standard output that goes away or fills up (`stdout`).

#[path = "../../tests/support/mod.rs"]
mod support;

#[path = "exit/signals.rs"]
mod signals;
#[path = "exit/stdout.rs"]
mod stdout;
