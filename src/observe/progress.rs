//! A progress bar for long computations: coroutines done out of the number
//! expected, counted from the event stream, redrawn in place on one line.
//!
//! The program says which task to follow and how many coroutines it will run
//! ([`ProgressHandle::track`]); every frame that task pops is one done. The
//! bar lives on one terminal line, so whoever prints a line of their own
//! first erases it with [`ProgressHandle::clear`]: it is redrawn at the next
//! update, and the lines never mix.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::kernel::TaskId;
use crate::kernel::{LoopEvent, Observer};

/// How often the bar is redrawn at most.
const REDRAW: Duration = Duration::from_millis(100);

/// How many pops between two looks at the clock.
const POPS_PER_CHECK: u32 = 4096;

/// Width of the bar itself, in characters.
const WIDTH: usize = 24;

/// The observer that draws the bars. Attach it, keep its [`handle`](Self::handle).
///
/// ```
/// use trampoline::{Coroutine, Scheduler, observe::Progress};
///
/// let progress = Progress::new(Vec::new());
/// let handle = progress.handle();
/// let mut scheduler = Scheduler::new().unwrap();
/// scheduler.observe(progress);
/// let main = Coroutine::new(move |co| async move {
///     let task = co.spawn(Coroutine::new(|_co| async { Ok(()) })).await?;
///     handle.track(task.id(), "work", 1);
///     co.join(task).await
/// });
/// scheduler.run_until_complete(main).unwrap();
/// ```
#[derive(Debug)]
pub struct Progress {
    bars: Rc<RefCell<Bars>>,
}

/// What the program uses to start a bar and to keep its own lines clean.
#[derive(Debug, Clone)]
pub struct ProgressHandle {
    bars: Rc<RefCell<Bars>>,
}

struct Bars {
    out: Box<dyn Write>,
    tracked: Vec<Bar>,
    /// Whether a bar is on the line now.
    shown: bool,
    last_draw: Option<Instant>,
    pops: u32,
}

#[derive(Debug)]
struct Bar {
    task: TaskId,
    label: String,
    done: u64,
    total: u64,
}

impl Progress {
    /// Bars drawn on `out` (a terminal: they use `\r` and erase-line).
    ///
    /// ```
    /// let progress = trampoline::observe::Progress::new(std::io::stderr());
    /// ```
    pub fn new(out: impl Write + 'static) -> Self {
        Progress {
            bars: Rc::new(RefCell::new(Bars {
                out: Box::new(out),
                tracked: Vec::new(),
                shown: false,
                last_draw: None,
                pops: 0,
            })),
        }
    }

    /// The handle to track tasks and clear the line.
    ///
    /// ```
    /// let handle = trampoline::observe::Progress::new(Vec::new()).handle();
    /// ```
    pub fn handle(&self) -> ProgressHandle {
        ProgressHandle {
            bars: self.bars.clone(),
        }
    }
}

impl ProgressHandle {
    /// Follows `task`, which is expected to run `total` coroutines.
    ///
    /// ```
    /// # use trampoline::{Coroutine, Scheduler, observe::Progress};
    /// let handle = Progress::new(Vec::new()).handle();
    /// let main = Coroutine::new(move |co| async move {
    ///     let task = co.spawn(Coroutine::new(|_co| async { Ok(()) })).await?;
    ///     handle.track(task.id(), "fib(35)", 2 * 14_930_352 - 1);
    ///     co.join(task).await
    /// });
    /// Scheduler::new().unwrap().run_until_complete(main).unwrap();
    /// ```
    pub fn track(&self, task: TaskId, label: impl Into<String>, total: u64) {
        self.bars.borrow_mut().tracked.push(Bar {
            task,
            label: label.into(),
            done: 0,
            total: total.max(1),
        });
    }

    /// Erases the bar from its line, before printing something else there.
    ///
    /// ```
    /// trampoline::observe::Progress::new(Vec::new()).handle().clear();
    /// ```
    pub fn clear(&self) {
        self.bars.borrow_mut().clear();
    }
}

impl Bars {
    fn clear(&mut self) {
        if self.shown {
            let _ = self.out.write_all(b"\r\x1b[K");
            let _ = self.out.flush();
            self.shown = false;
        }
    }

    fn draw(&mut self) {
        let line: Vec<String> = self
            .tracked
            .iter()
            .map(|bar| render(&bar.label, bar.done, bar.total))
            .collect();
        let _ = write!(self.out, "\r\x1b[K{}", line.join("  "));
        let _ = self.out.flush();
        self.shown = true;
        self.last_draw = Some(Instant::now());
    }

    fn due(&mut self) -> bool {
        self.pops += 1;
        if self.pops < POPS_PER_CHECK {
            return false;
        }
        self.pops = 0;
        self.last_draw.is_none_or(|t| t.elapsed() >= REDRAW)
    }
}

impl Observer for Progress {
    fn on_event(&mut self, _at: Duration, event: &LoopEvent<'_>) {
        let mut bars = self.bars.borrow_mut();
        if bars.tracked.is_empty() {
            return;
        }
        match *event {
            LoopEvent::Returned { task, .. } | LoopEvent::Threw { task, .. } => {
                if let Some(bar) = bars.tracked.iter_mut().find(|bar| bar.task == task) {
                    bar.done += 1;
                    if bars.due() {
                        bars.draw();
                    }
                }
            }
            LoopEvent::Finished { task, .. } => {
                bars.tracked.retain(|bar| bar.task != task);
                bars.clear();
            }
            _ => {}
        }
    }

    /// The bar measures its own redraw interval; without the loop's time
    /// on every event it costs a third as much.
    fn wants_time(&self) -> bool {
        false
    }
}

/// One bar: `fib(35) [##########··············]  41%`.
fn render(label: &str, done: u64, total: u64) -> String {
    let done = done.min(total);
    let filled = (done as u128 * WIDTH as u128 / total as u128) as usize;
    let percent = done as u128 * 100 / total as u128;
    format!(
        "{label} [{}{}] {percent:>3}%",
        "#".repeat(filled),
        "·".repeat(WIDTH - filled)
    )
}

impl std::fmt::Debug for Bars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bars")
            .field("tracked", &self.tracked)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_fills_in_proportion() {
        assert_eq!(
            render("fib(35)", 0, 10),
            format!("fib(35) [{}]   0%", "·".repeat(24))
        );
        assert_eq!(
            render("x", 5, 10),
            format!("x [{}{}]  50%", "#".repeat(12), "·".repeat(12))
        );
        assert_eq!(render("x", 12, 10), format!("x [{}] 100%", "#".repeat(24)));
    }
}
