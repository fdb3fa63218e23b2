//! Finding 6: silent connections held descriptors forever, so under a low
//! `ulimit -n` they locked real clients out. The example servers now close
//! a session idle for `--idle-timeout` seconds, and refuse clients past
//! `--max-connections` with a line that says so.

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
