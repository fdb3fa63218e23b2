//! Heap allocations, counted by an instrumented global allocator
//! (`stats_alloc`): one allocation per coroutine (`allocations`), and nothing
//! leaked by a body closure that panics (`body_closure_panic`).
//!
//! The allocator counts every thread, so each test counts in a process of
//! its own: it re-runs this binary on itself alone, where nothing else (no
//! other test, not the harness reporting one) allocates while it counts.
//! This binary is the only one with this allocator; keep any test that
//! installs or counts allocations here.

mod support;

use std::alloc::System;

use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Set in the process where a test runs alone.
const ALONE: &str = "TRAMPOLINE_ALLOC_ALONE";

/// Runs `count`, the body of the test `name` of the module `module`
/// (`module_path!()`), in a process of its own: here it starts this binary
/// again on that test alone and checks that it passed; there it runs
/// `count`.
fn alone(module: &str, name: &str, count: impl FnOnce()) {
    if std::env::var_os(ALONE).is_some() {
        return count();
    }
    let mut command = support::this_test_again(module, name);
    command.env(ALONE, "1");
    let output = support::output(command, b"", support::TIMEOUT);
    assert!(
        output.status.success(),
        "{name}, alone, failed:\n{}\n{}",
        support::stdout(&output),
        support::stderr(&output)
    );
    // The test really ran there (a wrong name would run nothing and pass).
    assert!(
        support::stdout(&output).contains("1 passed"),
        "{}",
        support::stdout(&output)
    );
}

#[path = "alloc/allocations.rs"]
mod allocations;
#[path = "alloc/body_closure_panic.rs"]
mod body_closure_panic;
