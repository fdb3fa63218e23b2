//! The kernel: a coroutine yields a command, the trampoline interprets it,
//! pushes or pops the task's stack, the scheduler picks the next ready task,
//! timers and stdin wake the waiting ones. One module per behaviour: calls
//! and returns, errors, panics, throw and cancel (whatever the task waits
//! on), timers, fair turns, chains a million deep, faults inside the
//! program, and a `Co` or a future used where it must not be.

mod support;

#[path = "kernel/call_return.rs"]
mod call_return;
#[path = "kernel/cancel.rs"]
mod cancel;
#[path = "kernel/cancel_deep.rs"]
mod cancel_deep;
#[path = "kernel/cancel_joiner.rs"]
mod cancel_joiner;
#[path = "kernel/cancel_read_line.rs"]
mod cancel_read_line;
#[path = "kernel/co_escape.rs"]
mod co_escape;
#[path = "kernel/deep_chain.rs"]
mod deep_chain;
#[path = "kernel/errors.rs"]
mod errors;
#[path = "kernel/fairness.rs"]
mod fairness;
#[path = "kernel/faults.rs"]
mod faults;
#[path = "kernel/misused_await.rs"]
mod misused_await;
#[path = "kernel/panics.rs"]
mod panics;
#[path = "kernel/throw.rs"]
mod throw;
#[path = "kernel/timers.rs"]
mod timers;
