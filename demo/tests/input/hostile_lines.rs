//! Lines a user (or a cat walking on the keyboard) might send the demo: each
//! bad one gets one clear `error:` line on stderr, the good ones around it
//! are answered in order, and memory stays bounded even for a 50 MB line.

use std::process::Stdio;

use crate::support::{Demo, TIMEOUT, answers_for, demo, wait};

/// Each bad line, and what its `error:` line must say.
const BAD: [(&[u8], &str); 13] = [
    (b"abc", "\"abc\" is not a whole number"),
    (b"-5", "\"-5\" is not a whole number"),
    (b"+5", "\"+5\" is not a whole number"),
    (b"1e3", "\"1e3\" is not a whole number"),
    (b"0x10", "\"0x10\" is not a whole number"),
    (b"1 2", "\"1 2\" is not a whole number"),
    (
        b"94",
        "\"94\" is too large: fib(n) fits in 64 bits up to n = 93",
    ),
    (
        b"12345678901234567890",
        "\"12345678901234567890\" is too large",
    ),
    (
        b"99999999999999999999999999",
        "\"99999999999999999999999999\" is too large",
    ),
    (b"\xff\xfe7", "is not valid UTF-8"),
    (b"1\x002", "\"1\\02\" is not a whole number"),
    (b"\x1b[31m3", "\"\\u{1b}[31m3\" is not a whole number"),
    (b"fib(3)", "\"fib(3)\" is not a whole number"),
];

#[test]
fn bad_lines_get_one_error_each_and_good_lines_are_answered() {
    // Good lines between the bad ones: blank (ignored), padded, CRLF, 0.
    let mut input = Vec::new();
    for (i, (bad, _)) in BAD.iter().enumerate() {
        input.extend_from_slice(bad);
        input.extend_from_slice(match i % 4 {
            0 => b"\n\n".as_slice(),
            1 => b"\n  7  \n",
            2 => b"\n8\r\n",
            _ => b"\n0\n",
        });
    }
    let mut demo = Demo::start(demo(), Stdio::piped());
    demo.write(&input);
    let ended = demo.finish();
    assert!(ended.status.success(), "{ended:?}");
    ended.assert_whole_lines();
    let errors: Vec<&str> = ended.stderr.lines().collect();
    assert_eq!(
        errors.len(),
        BAD.len(),
        "one error per bad line: {errors:#?}"
    );
    for (line, (bad, why)) in errors.iter().zip(BAD) {
        assert!(line.starts_with("error: "), "{line}");
        assert!(line.contains(why), "{bad:?} gave {line:?}");
        assert!(
            !line.contains(['\0', '\x1b', '\r']),
            "raw control bytes: {line:?}"
        );
    }
    let good = (0..BAD.len()).filter_map(|i| [None, Some(7), Some(8), Some(0)][i % 4]);
    assert_eq!(ended.answers(), answers_for(good));
}

#[test]
fn a_50_mb_line_is_refused_with_bounded_memory_and_the_next_lines_are_answered() {
    const LONG: usize = 50 * 1024 * 1024;
    let mut demo = Demo::start(demo(), Stdio::piped());
    demo.wait_for_line(|l| l.ends_with("Hello world!"));
    demo.write(b"4\n");
    let chunk = vec![b'9'; 1024 * 1024];
    for _ in 0..LONG / chunk.len() {
        demo.write(&chunk);
    }
    demo.write(b"\n5\n6");
    demo.wait_for_line(|l| l == "fib(5) = 5");
    // Still running, waiting for the rest of "6": its peak memory so far.
    let peak_kib = demo.peak_rss_kib();
    let ended = demo.finish();
    assert!(ended.status.success(), "{ended:?}");
    assert_eq!(ended.answers(), answers_for([4, 5, 6]));
    assert_eq!(
        ended.stderr.trim_end(),
        "error: line 2 is longer than 1048576 bytes"
    );
    println!("peak RSS with a 50 MB line: {peak_kib} KiB");
    assert!(peak_kib < 64 * 1024, "peak RSS {peak_kib} KiB");
}

#[test]
fn a_megabyte_of_garbage_gets_a_short_error_line() {
    let mut demo = Demo::start(demo(), Stdio::piped());
    let mut garbage = vec![b'x'; 1_000_000];
    garbage.extend_from_slice(b"\n3\n");
    demo.write(&garbage);
    let ended = demo.finish();
    assert!(ended.status.success(), "{ended:?}");
    assert_eq!(ended.answers(), answers_for([3]));
    assert_eq!(
        ended.stderr,
        "error: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"… (1000000 bytes) is not a whole number n ≥ 0 (or `ps`, or `exit`)\n"
    );
}

#[test]
fn a_flood_of_endless_computations_keeps_memory_bounded() {
    // Each "93" is a computation that will not finish for ages, 93 frames
    // deep. Five thousand of them unchecked would hold ~165 MB of frames.
    let mut demo = Demo::start(demo(), Stdio::piped());
    demo.wait_for_line(|l| l.ends_with("Hello world!"));
    let mut stdin = demo.stdin.take().expect("piped");
    let flood = std::thread::spawn(move || {
        use std::io::Write;
        // The demo may stop reading (that is the point): a broken pipe at
        // the end is fine.
        let _ = stdin.write_all("93\n".repeat(5000).as_bytes());
        stdin
    });
    std::thread::sleep(std::time::Duration::from_secs(2));
    let peak_kib = demo.peak_rss_kib();
    rustix::process::kill_process(
        rustix::process::Pid::from_child(&demo.child),
        rustix::process::Signal::INT,
    )
    .expect("signalled");
    let status = wait(&mut demo.child, TIMEOUT);
    drop(flood.join());
    println!("peak RSS with 5000 endless computations asked for: {peak_kib} KiB");
    assert_eq!(status.code(), Some(130));
    assert!(peak_kib < 64 * 1024, "peak RSS {peak_kib} KiB");
}
