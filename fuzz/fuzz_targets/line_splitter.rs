//! The line splitter fed arbitrary bytes cut at arbitrary places, with an
//! arbitrary line limit: the lines out must be the lines in, computed the
//! plain way from the whole input (`tests/splitting/mod.rs`, shared with the
//! proptest that runs in CI).
//!
//! `cargo fuzz run line_splitter` (from the repository root).

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/splitting/mod.rs"]
mod splitting;

fuzz_target!(|case: (u8, Vec<u16>, Vec<u8>)| {
    let (limit, cuts, input) = case;
    let limit = usize::from(limit);
    let cuts: Vec<usize> = cuts.into_iter().map(usize::from).collect();
    assert_eq!(
        splitting::chunked(&input, &cuts, limit),
        splitting::expected(&input, limit)
    );
});
