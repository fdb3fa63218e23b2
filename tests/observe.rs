//! The observers, through the library: what the loop reports and what each
//! observer makes of it.

mod support;

#[path = "observe/stats.rs"]
mod stats;
#[path = "observe/timeline.rs"]
mod timeline;
