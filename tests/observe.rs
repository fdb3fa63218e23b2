//! The observers, through the library: what the loop reports and what each
//! observer makes of it (`ps`, a failure's traceback, the progress bar,
//! `Stats`, the timeline).

mod support;

#[path = "observe/progress.rs"]
mod progress;
#[path = "observe/ps.rs"]
mod ps;
#[path = "observe/stats.rs"]
mod stats;
#[path = "observe/timeline.rs"]
mod timeline;
#[path = "observe/traceback.rs"]
mod traceback;
