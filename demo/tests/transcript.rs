//! The demo's runs as transcripts: under `--script` (virtual time, scripted
//! input, exact snapshots) and with its observers, `--trace`,
//! `--trace-json` and `--stats`.

#[path = "../../tests/support/mod.rs"]
mod support;

#[path = "transcript/script.rs"]
mod script;
#[path = "transcript/stats.rs"]
mod stats;
#[path = "transcript/timeline.rs"]
mod timeline;
#[path = "transcript/trace.rs"]
mod trace;
