//! Watching the loop: the observers of the kernel's [`LoopEvent`] stream, and
//! `ps`.
//!
//! Everything that watches the loop is an [`Observer`] attached with
//! [`Scheduler::observe`](crate::Scheduler::observe), like trio's
//! `Instrument`s: the text trace ([`Trace`]), the Perfetto timeline
//! ([`ChromeTrace`]), the loop's health ([`Stats`]) and the progress bar
//! ([`Progress`]). With none attached, each event site costs one predictable
//! branch and no event is built. `ps` ([`Co::tasks`](crate::Co::tasks),
//! [`ps_table`](crate::ps_table)) is a system call that reads every task's
//! stack.

mod chrome;
mod progress;
pub(crate) mod ps;
mod stacks;
mod stats;
mod trace;

pub use crate::kernel::{LoopEvent, Observer};
pub use chrome::{ChromeTrace, DEFAULT_DEPTH};
pub use progress::{Progress, ProgressHandle};
pub use stats::{SLOW_STEP, Stats, StatsReport};
pub use trace::Trace;
