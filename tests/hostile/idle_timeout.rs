//! Finding 6: silent connections held descriptors forever, so under a low
//! `ulimit -n` they locked real clients out. The example servers now close
//! a session idle for `--idle-timeout` seconds (a client that says nothing,
//! or one that never reads its replies), and refuse clients past
//! `--max-connections` with a line that says so.

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use super::support::{Client, Server, tcp_server};

#[test]
fn a_silent_client_is_closed_after_the_idle_timeout() {
    let server = Server::start(tcp_server(&["--idle-timeout", "0.3"]));
    let mut client = Client::connect(server.addr);
    let connected = Instant::now();
    assert_eq!(client.line().as_deref(), Some("Welcome."));
    assert_eq!(
        client.line().as_deref(),
        Some("Idle for too long: closing.")
    );
    assert_eq!(client.line(), None);
    let waited = connected.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(3),
        "closed after {waited:?}"
    );
    // A talking client is not idle.
    let mut talker = Client::connect(server.addr);
    assert_eq!(talker.line().as_deref(), Some("Welcome."));
    for i in 0..8 {
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(talker.ask(&format!("add {i} 1")), Some((i + 1).to_string()));
    }
}

#[test]
fn clients_past_the_connection_limit_are_refused_clearly() {
    let server = Server::start(tcp_server(&["--max-connections", "2"]));
    let mut first = Client::connect(server.addr);
    let mut second = Client::connect(server.addr);
    assert_eq!(first.line().as_deref(), Some("Welcome."));
    assert_eq!(second.line().as_deref(), Some("Welcome."));
    let mut third = Client::connect(server.addr);
    let refusal = third.line().expect("a refusal");
    assert_eq!(
        refusal,
        "Error: the server is full (2 connections); try again later."
    );
    assert_eq!(third.line(), None);
    // One leaves: there is room again.
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut next = Client::connect(server.addr);
        if next.line().as_deref() == Some("Welcome.") {
            assert_eq!(next.ask("add 3 5").as_deref(), Some("8"));
            break;
        }
        assert!(Instant::now() < deadline, "no room after a client left");
    }
    assert_eq!(second.ask("add 1 1").as_deref(), Some("2"));
}

#[test]
fn a_client_that_never_reads_is_closed_after_the_idle_timeout() {
    let server = Server::start(tcp_server(&["--idle-timeout", "0.5"]));
    let mut client = Client::connect(server.addr);
    assert_eq!(client.line().as_deref(), Some("Welcome."));
    // Requests whose replies are long (an invalid command, quoted), and
    // never a read: the replies fill the kernel's buffers, the session's
    // write waits, and the timeout ends it. The client sees its writes fail.
    client
        .writer
        .set_write_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let request = format!("{}\n", "x".repeat(60)).repeat(1000);
    let started = Instant::now();
    let failed = loop {
        match std::io::Write::write_all(&mut client.writer, request.as_bytes()) {
            Ok(()) => {}
            // Our send buffer is full too: the server has stopped reading.
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => break e,
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server kept the session"
        );
    };
    assert!(
        matches!(
            failed.kind(),
            ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
        ),
        "{failed}"
    );
    // The server serves others.
    let mut other = Client::connect(server.addr);
    assert_eq!(other.line().as_deref(), Some("Welcome."));
    assert_eq!(other.ask("add 3 5").as_deref(), Some("8"));
}
