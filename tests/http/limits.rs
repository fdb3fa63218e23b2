//! Hostile clients get their status and lose their connection; the server
//! goes on serving everyone else. A client still uploading when it is
//! refused reads its status (the server lingers), and the lingering is
//! bounded.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use super::support;
use super::{PATIENCE, curl, exchange, serve, test_router};
use trampoline::http::{LINGER_BYTES, LINGER_TIME, Server};

fn server() -> Server {
    Server::new(test_router())
        .max_body(1000)
        .head_timeout(Duration::from_millis(300))
        .body_timeout(Duration::from_millis(300))
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

#[test]
fn a_body_that_does_not_come_in_time_is_408() {
    let addr = serve(server);
    // Stalled: the head and 3 of the 100 bytes announced, then nothing.
    let started = Instant::now();
    let answer = exchange(
        addr,
        b"POST /echo HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc",
    );
    assert_eq!(status(&answer), "HTTP/1.1 408 Request Timeout", "{answer}");
    assert!(
        answer.ends_with("no complete request body in time\n"),
        "{answer}"
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    // Trickled: a chunk of a byte every 20 ms never finishes 1000 bytes in
    // time; the reader sees the 408 while the writer still trickles.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let started = Instant::now();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let trickle = std::thread::spawn(move || {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline && writer.write_all(b"1\r\nx\r\n").is_ok() {
            std::thread::sleep(Duration::from_millis(20)); // the client's pace
        }
    });
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert_eq!(status(&answer), "HTTP/1.1 408 Request Timeout", "{answer}");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < PATIENCE,
        "{waited:?}"
    );
    trickle.join().unwrap();
    still_serving(addr);
}

/// Python's `http.client` POSTs `size` bytes of body to `/echo`, all of it
/// before it reads the answer (as most clients do), five times, a connection
/// each (a reset does not come every time); the answers' status lines.
fn python_upload(addr: std::net::SocketAddr, size: usize, chunked: bool) -> String {
    let script = r#"
import http.client, sys
host, port, size, chunked = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
whole = b"u" * size
for _ in range(5):
    body = iter([whole[i:i + 65536] for i in range(0, size, 65536)]) if chunked else whole
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.request("POST", "/echo", body=body, encode_chunked=chunked)
    answer = connection.getresponse()
    text = answer.read().decode().strip()[:60]
    print(answer.status, answer.reason, answer.getheader("Connection"), text)
    connection.close()
"#;
    let mut python = Command::new("python3");
    let (host, port) = (addr.ip().to_string(), addr.port().to_string());
    let chunked = if chunked { "1" } else { "0" };
    python.args(["-c", script, &host, &port, &size.to_string(), chunked]);
    let output = support::output(python, b"", Duration::from_secs(30));
    assert!(
        output.status.success(),
        "python3: {}",
        support::stderr(&output)
    );
    support::stdout(&output)
}

#[test]
fn a_client_still_uploading_reads_its_413() {
    // The default limit, 1 MiB; Python sends 2 MiB, whole, then reads.
    let addr = serve(|| Server::new(test_router()));
    let too_large = "413 Content Too Large close the body is over the limit of 1048576 bytes\n";
    assert_eq!(python_upload(addr, 2 << 20, false), too_large.repeat(5));
    assert_eq!(python_upload(addr, 2 << 20, true), too_large.repeat(5));
    let fits = python_upload(addr, 1000, false);
    assert!(
        fits.lines().all(|line| line.starts_with("200 OK")),
        "{fits}"
    );
    // Raw: the whole 3 MiB written (the server drops it), then the answer.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut request = b"PUT /echo HTTP/1.1\r\nContent-Length: 3145728\r\n\r\n".to_vec();
    request.resize(request.len() + (3 << 20), b'u');
    stream.write_all(&request).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert_eq!(
        status(&answer),
        "HTTP/1.1 413 Content Too Large",
        "{answer}"
    );
    still_serving(addr);
}

#[test]
fn lingering_is_bounded_in_bytes_and_time() {
    let addr = serve(server);
    let refused = b"POST /echo HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n";
    // A client that never stops sending: cut off after LINGER_BYTES.
    let mut flood = TcpStream::connect(addr).unwrap();
    flood.set_write_timeout(Some(PATIENCE)).unwrap();
    flood.write_all(refused).unwrap();
    let block = vec![b'f'; 64 * 1024];
    let mut sent = 0;
    while flood.write_all(&block).is_ok() {
        sent += block.len();
        assert!(
            sent < 100 * LINGER_BYTES,
            "the server still reads after {sent} bytes"
        );
    }
    let mut answer = String::new();
    let _ = flood.read_to_string(&mut answer); // the reset may have eaten it
    // A client that sends a byte now and then: cut off after LINGER_TIME.
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.set_read_timeout(Some(PATIENCE)).unwrap();
    slow.write_all(refused).unwrap();
    let mut head = [0; 4096];
    let n = slow.read(&mut head).unwrap();
    assert!(
        head[..n].starts_with(b"HTTP/1.1 413"),
        "{:?}",
        String::from_utf8_lossy(&head[..n])
    );
    let started = Instant::now();
    // Once the server has closed, a write is answered by a reset and the
    // next one fails.
    while slow.write_all(b"s").is_ok() && started.elapsed() < PATIENCE {
        std::thread::sleep(Duration::from_millis(50)); // the client's pace
    }
    let lingered = started.elapsed();
    assert!(
        lingered >= LINGER_TIME / 2 && lingered < PATIENCE,
        "{lingered:?}"
    );
    still_serving(addr);
}
