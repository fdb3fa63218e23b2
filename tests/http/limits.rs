//! Hostile clients get their status and lose their connection; the server
//! goes on serving everyone else.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::{PATIENCE, curl, exchange, serve, test_router};
use trampoline::http::Server;

fn server() -> Server {
    Server::new(test_router())
        .max_body(1000)
        .head_timeout(Duration::from_millis(300))
}

/// The answer's status line.
fn status(answer: &str) -> &str {
    answer.lines().next().unwrap_or_default()
}

fn still_serving(addr: std::net::SocketAddr) {
    assert_eq!(curl(&[&format!("http://{addr}/")]), "Hello world!");
}

#[test]
fn a_malformed_request_is_400() {
    let addr = serve(server);
    for garbage in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET / HTTP/1.1\r\nno colon here\r\n\r\n",
        b"POST /echo HTTP/1.1\r\nContent-Length: ten\r\n\r\n",
        b"POST /echo HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        b"POST /echo HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"POST /echo HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ] {
        let answer = exchange(addr, garbage);
        assert_eq!(
            status(&answer),
            "HTTP/1.1 400 Bad Request",
            "{garbage:?}: {answer}"
        );
        assert!(answer.contains("Connection: close"), "{answer}");
    }
    still_serving(addr);
}

#[test]
fn a_head_over_16_kib_is_431() {
    let addr = serve(server);
    let long = format!("GET / HTTP/1.1\r\nX-Long: {}\r\n\r\n", "a".repeat(20_000));
    assert_eq!(
        status(&exchange(addr, long.as_bytes())),
        "HTTP/1.1 431 Request Header Fields Too Large"
    );
    let many: String = (0..100).map(|i| format!("X-{i}: {i}\r\n")).collect();
    let many = format!("GET / HTTP/1.1\r\n{many}\r\n");
    assert_eq!(
        status(&exchange(addr, many.as_bytes())),
        "HTTP/1.1 431 Request Header Fields Too Large"
    );
    // Never ending: the server answers once it has 16 KiB, without the end.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    let mut answer = String::new();
    for i in 0..10_000 {
        if stream
            .write_all(format!("X-{i}: {}\r\n", "b".repeat(100)).as_bytes())
            .is_err()
        {
            break; // the server has answered and closed
        }
    }
    stream.read_to_string(&mut answer).ok();
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    still_serving(addr);
}

#[test]
fn a_body_over_the_limit_is_413() {
    let addr = serve(server);
    let announced = exchange(addr, b"POST /echo HTTP/1.1\r\nContent-Length: 1001\r\n\r\n");
    assert_eq!(
        status(&announced),
        "HTTP/1.1 413 Content Too Large",
        "{announced}"
    );
    let huge = exchange(
        addr,
        b"POST /echo HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n",
    );
    assert_eq!(status(&huge), "HTTP/1.1 413 Content Too Large", "{huge}");
    let chunks = format!(
        "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1f4\r\n{0}\r\n1f4\r\n{0}\r\n1\r\nx\r\n0\r\n\r\n",
        "c".repeat(500)
    );
    assert_eq!(
        status(&exchange(addr, chunks.as_bytes())),
        "HTTP/1.1 413 Content Too Large"
    );
    let fits = format!(
        "POST /echo HTTP/1.1\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{}",
        "d".repeat(1000)
    );
    assert_eq!(status(&exchange(addr, fits.as_bytes())), "HTTP/1.1 200 OK");
    still_serving(addr);
}

#[test]
fn a_head_that_does_not_come_in_time_is_408() {
    let addr = serve(server);
    let started = Instant::now();
    let answer = exchange(addr, b"GET / HTTP/1.1\r\nHost: slow");
    assert_eq!(status(&answer), "HTTP/1.1 408 Request Timeout", "{answer}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    // An idle keep-alive connection is closed without a word.
    let idle = exchange(addr, b"GET / HTTP/1.1\r\n\r\n");
    assert!(
        idle.starts_with("HTTP/1.1 200 OK") && !idle.contains("408"),
        "{idle}"
    );
    // A connection that says nothing at all, likewise.
    assert_eq!(exchange(addr, b""), "");
    still_serving(addr);
}
