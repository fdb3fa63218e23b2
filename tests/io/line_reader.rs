//! The line splitter: lines cut anywhere by reads, several per read, CRLF,
//! invalid UTF-8, an overlong line, a last line without newline.

use trampoline::{InputError, LineSplitter};

/// Feeds `chunks` and returns what came out, errors as short strings.
fn split(limit: usize, chunks: &[&[u8]]) -> Vec<String> {
    let mut out = Vec::new();
    let mut splitter = LineSplitter::new(limit);
    let mut emit = |line: Result<String, InputError>| {
        out.push(match line {
            Ok(text) => text,
            Err(InputError::InvalidUtf8 { line }) => format!("<utf8 {line}>"),
            Err(InputError::TooLong { line, .. }) => format!("<long {line}>"),
            Err(e) => format!("<{e}>"),
        })
    };
    for chunk in chunks {
        splitter.push(chunk, &mut emit);
    }
    splitter.finish(&mut emit);
    out
}

#[test]
fn a_line_cut_across_reads_is_joined() {
    assert_eq!(split(100, &[b"2", b"8", b"\n3", b"0\n"]), ["28", "30"]);
}

#[test]
fn several_lines_in_one_read_come_out_in_order() {
    assert_eq!(split(100, &[b"1\n2\n3\n"]), ["1", "2", "3"]);
}

#[test]
fn crlf_endings_are_accepted() {
    assert_eq!(split(100, &[b"28\r\n", b"exit\r", b"\n"]), ["28", "exit"]);
}

#[test]
fn a_lone_cr_inside_a_line_is_kept() {
    assert_eq!(split(100, &[b"a\rb\n"]), ["a\rb"]);
}

#[test]
fn blank_lines_are_lines() {
    assert_eq!(split(100, &[b"\n\n1\n"]), ["", "", "1"]);
}

#[test]
fn invalid_utf8_fails_that_line_only() {
    assert_eq!(split(100, &[b"1\n\xff\xfe\n2\n"]), ["1", "<utf8 2>", "2"]);
}

#[test]
fn an_overlong_line_fails_alone_and_reading_goes_on() {
    let long = vec![b'9'; 50];
    assert_eq!(
        split(10, &[b"1\n", &long, &long, b"\n2\n"]),
        ["1", "<long 2>", "2"]
    );
}

#[test]
fn a_line_exactly_at_the_limit_passes_even_with_crlf() {
    assert_eq!(split(4, &[b"1234\r\n12345\n"]), ["1234", "<long 2>"]);
}

#[test]
fn end_of_input_mid_line_delivers_the_last_line() {
    assert_eq!(split(100, &[b"1\n2"]), ["1", "2"]);
    assert_eq!(split(100, &[b"1\n"]), ["1"]);
    assert_eq!(split(100, &[]), Vec::<String>::new());
}

#[test]
fn an_overlong_last_line_without_newline_is_reported() {
    assert_eq!(split(3, &[b"ok\ntoo long"]), ["ok", "<long 2>"]);
}
