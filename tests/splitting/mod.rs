//! What the line splitter must give for some bytes, computed the plain way
//! (the whole input at once), and the splitter fed the same bytes in chunks.
//! Shared by `tests/line_splitter.rs` and the fuzz target in `fuzz/`.

use trampoline::{InputError, LineSplitter};

/// A line as the splitter delivers it, comparable.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Text(String),
    NotUtf8(u64),
    TooLong(u64),
}

fn seen(line: Result<String, InputError>) -> Line {
    match line {
        Ok(text) => Line::Text(text),
        Err(InputError::InvalidUtf8 { line }) => Line::NotUtf8(line),
        Err(InputError::TooLong { line, .. }) => Line::TooLong(line),
        Err(other) => panic!("the splitter does no IO: {other}"),
    }
}

/// The lines in `input`, the plain way: split on `\n`, a last line without
/// one still counts, one `\r` before the end is dropped, then the length and
/// UTF-8 checks.
pub fn expected(input: &[u8], limit: usize) -> Vec<Line> {
    let mut parts: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
    if parts.last().is_some_and(|last| last.is_empty()) {
        parts.pop();
    }
    parts
        .into_iter()
        .zip(1u64..)
        .map(|(part, number)| {
            let part = part.strip_suffix(b"\r").unwrap_or(part);
            if part.len() > limit {
                Line::TooLong(number)
            } else {
                match String::from_utf8(part.to_vec()) {
                    Ok(text) => Line::Text(text),
                    Err(_) => Line::NotUtf8(number),
                }
            }
        })
        .collect()
}

/// Feeds `input` to a splitter cut at `cuts` (positions, any order, any
/// number, out-of-range ones clamped), then ends it.
pub fn chunked(input: &[u8], cuts: &[usize], limit: usize) -> Vec<Line> {
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(input.len())).collect();
    cuts.push(0);
    cuts.push(input.len());
    cuts.sort_unstable();
    let mut lines = Vec::new();
    let mut splitter = LineSplitter::new(limit);
    for pair in cuts.windows(2) {
        splitter.push(&input[pair[0]..pair[1]], &mut |line| lines.push(seen(line)));
    }
    splitter.finish(&mut |line| lines.push(seen(line)));
    lines
}
