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
mod state;
mod stats;
mod trace;

pub use crate::kernel::{LoopEvent, Observer};
pub use chrome::{ChromeTrace, DEFAULT_DEPTH};
pub use progress::{Progress, ProgressHandle};
pub use stats::{SLOW_STEP, Stats, StatsReport};
pub use trace::Trace;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// An observer shared with the code that attached it, which keeps a handle
/// to read it (or finish it) after the run.
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use trampoline::{Coroutine, Scheduler, observe::Stats};
///
/// let stats = Rc::new(RefCell::new(Stats::new()));
/// let mut scheduler = Scheduler::new().unwrap();
/// scheduler.observe(stats.clone());
/// scheduler.run_until_complete(Coroutine::new(|_co| async { Ok(()) })).unwrap();
/// assert_eq!(stats.borrow().report().tasks, 1);
/// ```
impl<O: Observer> Observer for Rc<RefCell<O>> {
    fn on_event(&mut self, at: Duration, event: &LoopEvent<'_>) {
        self.borrow_mut().on_event(at, event);
    }

    fn wants_steps(&self) -> bool {
        self.borrow().wants_steps()
    }

    fn wants_time(&self) -> bool {
        self.borrow().wants_time()
    }
}
