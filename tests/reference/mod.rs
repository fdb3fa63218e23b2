//! The reference side of the model-based tests: random programs
//! (`program.rs`), a plain simulation of what the scheduler must do with
//! them (`sim.rs`), and what a run is compared on.

pub mod program;
pub mod sim;

use std::collections::BTreeMap;
use std::time::Duration;

use program::{Body, Op};

/// How long the main task sleeps after its body, so that every other task
/// is done when it returns (programs sleep a few milliseconds at most).
pub const LONG_SLEEP: Duration = Duration::from_secs(3600);

/// One step of a program, with the virtual clock in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// An op begins.
    Start(u32, u64),
    /// An op is over (not written when it failed).
    End(u32, u64),
}

/// The two kinds of failure report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReportKind {
    /// `task N failed: ...`: nobody held its handle.
    Failed,
    /// `task N: error never retrieved: ...`: the handle was dropped unread.
    NeverRetrieved,
}

/// Everything a run shows.
#[derive(Debug, PartialEq)]
pub struct Observed {
    /// The main task's result.
    pub root: Result<u64, String>,
    /// Every step, in the order it ran.
    pub log: Vec<Entry>,
    /// Errors caught, by the node that caught them, in order.
    pub caught: Vec<(u32, String)>,
    /// How each spawned task's body ended (not written when it panicked).
    pub results: Vec<(u32, Result<u64, String>)>,
    /// Every task's end (task id, its error), in order.
    pub finished: Vec<(u64, Option<String>)>,
    /// Failure reports (task id, kind, message), sorted.
    pub reports: Vec<(u64, ReportKind, String)>,
}

/// Which handles are still live, by slot.
pub fn live(slots: impl Iterator<Item = bool>) -> Vec<usize> {
    slots
        .enumerate()
        .filter_map(|(i, live)| live.then_some(i))
        .collect()
}

/// The slot a `Join { pick }` joins: one of the live ones, or none.
pub fn pick(live: &[usize], pick: usize) -> Option<usize> {
    (!live.is_empty()).then(|| live[pick % live.len()])
}

/// Every error a program made (a `Fail` or `Panic` that ran) ends in
/// exactly one place: caught, returned by the main task, reported, or
/// delivered to a frame that a cancel then resumed instead (`superseded`).
pub fn assert_every_error_ends_once(root: &Body, run: &Observed, superseded: &[String]) {
    let mut makers = BTreeMap::new();
    root.visit(&mut |node| match node.op {
        Op::Fail => drop(makers.insert(node.id, format!("boom {}", node.id))),
        Op::Panic => drop(makers.insert(node.id, format!("panicked: model panic {}", node.id))),
        _ => {}
    });
    let mut made: Vec<String> = run
        .log
        .iter()
        .filter_map(|entry| match entry {
            Entry::Start(id, _) => makers.get(id).cloned(),
            Entry::End(..) => None,
        })
        .collect();
    let mut ended: Vec<String> = run.caught.iter().map(|(_, m)| m.clone()).collect();
    ended.extend(run.reports.iter().map(|(_, _, m)| m.clone()));
    ended.extend(run.root.clone().err());
    ended.extend(superseded.iter().cloned());
    // A cancel's error is made by the canceller, not by a Fail or a Panic:
    // it may be caught or end a task, and is never reported; the errors the
    // program made must still each end exactly once.
    ended.retain(|message| message != "cancelled");
    made.sort();
    ended.sort();
    assert_eq!(
        made, ended,
        "every error made must end exactly once: {run:?}"
    );
}
