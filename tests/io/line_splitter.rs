//! The line splitter, fed any bytes cut anywhere: the lines out are the
//! lines in. The CI-sized sibling of the fuzz target in `fuzz/` (which runs
//! the same check, `tests/splitting/mod.rs`, for as long as one likes).

use crate::splitting::{Line, chunked, expected};
use proptest::prelude::*;

/// Bytes rich in line endings and in bytes that are not UTF-8.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => any::<u8>(),
        3 => Just(b'\n'),
        2 => Just(b'\r'),
        3 => b'a'..=b'e',
        1 => Just(0xC3u8),
    ];
    prop::collection::vec(byte, 0..200)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_bytes_cut_anywhere_split_as_a_whole(
        input in bytes(),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
        limit in prop_oneof![0usize..12, Just(1 << 20)],
    ) {
        let cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
        prop_assert_eq!(chunked(&input, &cuts, limit), expected(&input, limit));
    }

    #[test]
    fn text_lines_joined_and_cut_anywhere_come_back_as_they_went_in(
        lines in prop::collection::vec("[^\n\r]{0,12}", 0..20),
        crlf in any::<bool>(),
        last_newline in any::<bool>(),
        cuts in prop::collection::vec(any::<usize>(), 0..20),
    ) {
        let ending = if crlf { "\r\n" } else { "\n" };
        let mut input = lines.join(ending);
        if last_newline && !lines.is_empty() {
            input.push_str(ending);
        }
        let cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
        let out = chunked(input.as_bytes(), &cuts, 1 << 20);
        // A last empty line without its ending is no line at all.
        let mut wanted: Vec<Line> = lines.into_iter().map(Line::Text).collect();
        if !last_newline && wanted.last() == Some(&Line::Text(String::new())) {
            wanted.pop();
        }
        prop_assert_eq!(out, wanted);
    }
}

#[test]
fn every_single_cut_of_a_tricky_input_gives_the_same_lines() {
    let input = b"12\r\n\r\n\xff\n\r\rx\r\nlong line here\n\xe2\x82\xac\nend\r";
    for limit in [0, 1, 2, 4, 13, 14, 15, 1 << 20] {
        let whole = expected(input, limit);
        for i in 0..=input.len() {
            for j in i..=input.len() {
                assert_eq!(chunked(input, &[i, j], limit), whole, "cut at {i}, {j}");
            }
        }
    }
}
