//! The network and executor examples, run as processes: those that end by
//! themselves end in time with the seed's key lines, and the charfinder
//! server answers several clients at once.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{Killed, example, run_example};

#[test]
fn http_get_prints_status_headers_and_the_ip() {
    let (out, _) = run_example("http_get", &[], "");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("Serving on http://127.0.0.1:"),
        "{out}"
    );
    assert_eq!(lines[1], "Got status 200 OK");
    assert_eq!(lines[2], "Response headers:");
    assert!(lines.contains(&"Content-Type: application/json"), "{out}");
    assert_eq!(lines[lines.len() - 2..], ["My IP address is:", "127.0.0.1"]);
}

#[test]
fn downloads_keeps_to_its_limit_and_reports_errors_with_their_cause() {
    let (out, _) = run_example("downloads", &["--count", "20", "--concurrency", "3"], "");
    let first = out.lines().next().unwrap_or_default();
    assert!(first.starts_with("Serving on http://127.0.0.1:"), "{out}");
    assert!(
        out.contains("Searching for 20 flags: from AD to BJ"),
        "{out}"
    );
    assert!(
        out.contains("3 concurrent connections will be used."),
        "{out}"
    );
    let number = |suffix: &str| -> usize {
        out.lines()
            .find_map(|l| l.strip_suffix(suffix)?.parse().ok())
            .unwrap_or_else(|| panic!("no line ending {suffix:?} in {out}"))
    };
    let (ok, missing, errors) = (
        number(" flags downloaded."),
        number(" not found."),
        number(" errors."),
    );
    assert_eq!(ok + missing + errors, 20);
    assert!(errors > 0, "the test server fails some requests: {out}");
    let causes = out
        .lines()
        .filter(|l| l.starts_with("*** Error for "))
        .count();
    assert_eq!(causes, errors, "{out}");
    let most: u32 = out
        .lines()
        .find_map(|l| {
            l.strip_prefix("The server saw at most ")?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .expect("the server's count");
    assert!((1..=3).contains(&most), "{out}");
}

#[test]
fn downloads_verbose_prints_results_in_completion_order() {
    let (out, _) = run_example(
        "downloads",
        &["--count", "12", "--concurrency", "12", "-v"],
        "",
    );
    let codes: Vec<&str> = out
        .lines()
        .filter_map(|l| {
            l.strip_suffix(" OK")
                .or_else(|| l.strip_suffix(" not found"))
                .or_else(|| l.strip_prefix("*** Error for ")?.split(':').next())
        })
        .collect();
    assert_eq!(codes.len(), 12, "{out}");
    let mut sorted = codes.clone();
    sorted.sort();
    // The server's delays differ per flag: completion order is not request order.
    assert_ne!(codes, sorted, "{out}");
}

#[test]
fn executor_saves_every_file() {
    let (out, _) = run_example("executor", &["--files", "2", "--megabytes", "2"], "");
    assert!(out.contains("saved flag-1.bin: 2 MiB"), "{out}");
    assert!(out.contains("saved flag-2.bin: 2 MiB"), "{out}");
    assert!(out.contains("all saved after"), "{out}");
}

#[test]
fn charfinder_answers_two_clients_at_once() {
    let child = Command::new(example("charfinder"))
        .args(["--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Killed::new(child);
    let mut stdout = BufReader::new(server.0.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let port: u16 = first
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('.').next()?.parse().ok())
        .unwrap_or_else(|| panic!("expected `Serving on 127.0.0.1:PORT. ...`, got {first:?}"));
    let connect = || {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
    };
    let (mut a, mut b) = (connect(), connect());
    a.write_all(b"chess black\r\n").unwrap();
    b.write_all(b"cat face\n").unwrap();
    let answer = |stream: &mut TcpStream, last: &str| {
        let mut text = String::new();
        let mut byte = [0u8; 1];
        while !text.ends_with(last) {
            assert_eq!(stream.read(&mut byte).unwrap(), 1, "{text}");
            text.push(byte[0] as char);
        }
        text
    };
    let chess = answer(&mut a, "for \"chess black\"\r\n");
    assert!(chess.contains("U+265A\t"), "{chess}");
    // The whole index: the six chess pieces, and the rotated and neutral ones of Unicode 12.
    assert!(chess.contains("U+1FA0F\t"), "{chess}");
    assert!(chess.contains("35 matches for \"chess black\""), "{chess}");
    let cats = answer(&mut b, "for \"cat face\"\r\n");
    assert!(cats.contains("10 matches"), "{cats}");
    // An empty line ends a session: the server closes that connection.
    a.write_all(b"\r\n").unwrap();
    let mut rest = Vec::new();
    a.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"?> ");
}
