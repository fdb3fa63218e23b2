//! Finding 7: `shutdown` dropped in-flight replies (16 of 20 busy clients
//! lost theirs or got a reset) and any client could ask for it. Now it is
//! obeyed only from 127.0.0.1, logged, and graceful: every reply already
//! asked for is sent, every client reads a clean end of stream, and the
//! server exits within its grace period. Both example servers share it
//! (`examples/support/shutdown.rs`), and Ctrl-C (SIGINT) takes the same
//! path; a second Ctrl-C ends the server at once.

use std::io::{BufReader, Read};
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, Barrier};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::support::{Client, Server, charfinder, connect_from, read_until, tcp_server};

#[test]
fn shutdown_lets_busy_clients_finish_and_is_logged() {
    let mut command = tcp_server(&["--grace", "2"]);
    command.stderr(Stdio::piped());
    let mut server = Server::start(command);
    let mut stderr = server.stderr();
    let addr = server.addr;
    let warmed_up = Arc::new(Barrier::new(21));
    let busy: Vec<_> = (0..20)
        .map(|_| {
            let warmed_up = warmed_up.clone();
            std::thread::spawn(move || {
                let mut client = Client::connect(addr);
                assert_eq!(client.line().as_deref(), Some("Welcome."));
                let deadline = Instant::now() + Duration::from_secs(8);
                let mut answered = 0u64;
                for i in 0..100_000u64 {
                    if i == 10 {
                        warmed_up.wait();
                    }
                    client.send(format!("add {i} 1\n"));
                    // A reset here (an `Err`) fails the test.
                    match client.line() {
                        Some(reply) => assert_eq!(reply, (i + 1).to_string()),
                        None => return answered,
                    }
                    answered += 1;
                    assert!(Instant::now() < deadline, "the server never shut down");
                }
                answered
            })
        })
        .collect();
    warmed_up.wait();
    let mut boss = Client::connect(addr);
    assert_eq!(boss.line().as_deref(), Some("Welcome."));
    let asked = Instant::now();
    assert_eq!(
        boss.ask("shutdown").as_deref(),
        Some("Okay. Shutting down.")
    );
    assert_eq!(boss.line(), None);
    drop(boss); // its session waits for it to close, as for every client
    for client in busy {
        assert!(client.join().expect("no busy client lost a reply") >= 10);
    }
    assert!(server.wait(Duration::from_secs(5)).success());
    assert!(
        asked.elapsed() < Duration::from_secs(4),
        "{:?}",
        asked.elapsed()
    );
    let mut log = String::new();
    stderr.read_to_string(&mut log).unwrap();
    assert!(log.contains("shutdown asked by 127.0.0.1:"), "{log}");
    assert!(log.contains("(0 sessions closed at the end"), "{log}");
}

#[test]
fn shutdown_is_refused_to_a_peer_that_is_not_127_0_0_1() {
    let server = Server::start(tcp_server(&["--host", "0.0.0.0"]));
    let port = server.addr.port();
    // A client on 127.0.0.2 (loopback too) talking to 127.0.0.1.
    let mut stranger = connect_from([127, 0, 0, 2], SocketAddr::from(([127, 0, 0, 1], port)));
    assert_eq!(stranger.line().as_deref(), Some("Welcome."));
    assert_eq!(
        stranger.ask("shutdown").as_deref(),
        Some("Error: shutdown is only allowed from 127.0.0.1")
    );
    assert_eq!(stranger.ask("add 3 5").as_deref(), Some("8"));
    let mut local = Client::connect(SocketAddr::from(([127, 0, 0, 1], port)));
    assert_eq!(local.line().as_deref(), Some("Welcome."));
    assert_eq!(local.ask("add 1 1").as_deref(), Some("2"));
}

/// A charfinder client: the prompt (`?> `, no newline) starts the line
/// after each answer.
struct Finder(Client);

impl Finder {
    /// Sends `query`; the answer's lines up to its last (`N matches for
    /// "query"`), or `None` at a clean end of stream before any of it. An
    /// answer cut short, or a reset, fails the test.
    fn ask(&mut self, query: &str) -> Option<Vec<String>> {
        self.0.send(format!("{query}\r\n"));
        let mut answer = Vec::new();
        loop {
            let Some(line) = self.0.line() else {
                assert!(answer.is_empty(), "an answer cut short: {answer:?}");
                return None;
            };
            // `Client::line` trims the prompt's space when nothing follows.
            let line = line.strip_prefix("?>").unwrap_or(&line).trim_start();
            if line.is_empty() {
                continue;
            }
            let line = line.to_string();
            let last = line.ends_with(&format!(" for {query:?}")) || line.starts_with("Okay.");
            answer.push(line);
            if last || answer[0].starts_with("Error: ") {
                return Some(answer);
            }
        }
    }
}

/// `n` clients asking charfinder `chess black` (35 lines) in a loop until
/// the server closes; each returns how many answers it got in full.
fn busy_finders(addr: SocketAddr, n: usize, warmed_up: &Arc<Barrier>) -> Vec<JoinHandle<u64>> {
    (0..n)
        .map(|_| {
            let warmed_up = warmed_up.clone();
            std::thread::spawn(move || {
                let mut finder = Finder(Client::connect(addr));
                let deadline = Instant::now() + Duration::from_secs(10);
                let mut answered = 0;
                loop {
                    if answered == 5 {
                        warmed_up.wait();
                    }
                    let Some(answer) = finder.ask("chess black") else {
                        return answered;
                    };
                    assert_eq!(answer.len(), 36, "{answer:?}");
                    assert_eq!(answer[35], "35 matches for \"chess black\"");
                    answered += 1;
                    assert!(Instant::now() < deadline, "the server never shut down");
                }
            })
        })
        .collect()
}

#[test]
fn charfinder_shutdown_lets_busy_clients_finish_and_is_logged() {
    // A grace period the test would notice: every session ends by itself.
    let mut command = charfinder(&["--grace", "30"]);
    command.stderr(Stdio::piped());
    let mut server = Server::start(command);
    let mut stderr = server.stderr();
    let warmed_up = Arc::new(Barrier::new(9));
    let busy = busy_finders(server.addr, 8, &warmed_up);
    warmed_up.wait();
    let mut boss = Finder(Client::connect(server.addr));
    let asked = Instant::now();
    assert_eq!(
        boss.ask("shutdown"),
        Some(vec!["Okay. Shutting down.".to_string()])
    );
    assert_eq!(boss.0.line(), None);
    drop(boss);
    for client in busy {
        assert!(client.join().expect("no busy client lost an answer") >= 5);
    }
    assert!(server.wait(Duration::from_secs(5)).success());
    assert!(
        asked.elapsed() < Duration::from_secs(4),
        "{:?}",
        asked.elapsed()
    );
    let mut log = String::new();
    stderr.read_to_string(&mut log).unwrap();
    assert!(log.contains("shutdown asked by 127.0.0.1:"), "{log}");
    assert!(log.contains("(0 sessions closed at the end"), "{log}");
    let mut out = String::new();
    server.stdout.read_to_string(&mut out).unwrap();
    assert!(out.ends_with("Server shutting down.\n"), "{out}");
}

#[test]
fn charfinder_refuses_shutdown_to_a_peer_that_is_not_127_0_0_1() {
    let mut command = charfinder(&["--host", "0.0.0.0"]);
    command.stderr(Stdio::piped());
    let mut server = Server::start(command);
    let mut stderr = BufReader::new(server.stderr());
    let to = SocketAddr::from(([127, 0, 0, 1], server.addr.port()));
    let mut stranger = Finder(connect_from([127, 0, 0, 2], to));
    assert_eq!(
        stranger.ask("shutdown"),
        Some(vec![
            "Error: shutdown is only allowed from 127.0.0.1".to_string()
        ])
    );
    read_until(&mut stderr, "shutdown refused to 127.0.0.2:");
    // Still serving, the stranger and everybody else.
    assert_eq!(
        stranger.ask("digit nine").unwrap()[0],
        "U+0039\t9\tDIGIT NINE"
    );
    let mut local = Finder(Client::connect(to));
    assert_eq!(local.ask("cat face").unwrap().len(), 11);
}

#[test]
fn ctrl_c_shuts_both_servers_down_gracefully() {
    // tcp_server: busy clients get every reply, and every session ends by
    // itself well within the grace period; the status says SIGINT.
    let mut command = tcp_server(&["--grace", "30"]);
    command.stderr(Stdio::piped());
    let mut server = Server::start(command);
    let mut stderr = BufReader::new(server.stderr());
    let addr = server.addr;
    let warmed_up = Arc::new(Barrier::new(9));
    let busy: Vec<_> = (0..8)
        .map(|_| {
            let warmed_up = warmed_up.clone();
            std::thread::spawn(move || {
                let mut client = Client::connect(addr);
                assert_eq!(client.line().as_deref(), Some("Welcome."));
                let deadline = Instant::now() + Duration::from_secs(10);
                for i in 0..u64::MAX {
                    if i == 10 {
                        warmed_up.wait();
                    }
                    client.send(format!("add {i} 1\n"));
                    match client.line() {
                        Some(reply) => assert_eq!(reply, (i + 1).to_string()),
                        None => return i,
                    }
                    assert!(Instant::now() < deadline, "the server never shut down");
                }
                unreachable!()
            })
        })
        .collect();
    warmed_up.wait();
    let interrupted = Instant::now();
    server.interrupt();
    for client in busy {
        assert!(client.join().expect("no busy client lost a reply") >= 10);
    }
    assert_eq!(server.wait(Duration::from_secs(5)).code(), Some(130));
    assert!(interrupted.elapsed() < Duration::from_secs(4));
    read_until(&mut stderr, "signal 2: shutting down");
    read_until(&mut stderr, "shut down (0 sessions closed at the end");

    // charfinder: the same, and its farewell line.
    let mut command = charfinder(&["--grace", "30"]);
    command.stderr(Stdio::piped());
    let mut server = Server::start(command);
    let mut stderr = BufReader::new(server.stderr());
    let warmed_up = Arc::new(Barrier::new(5));
    let busy = busy_finders(server.addr, 4, &warmed_up);
    warmed_up.wait();
    server.interrupt();
    for client in busy {
        assert!(client.join().expect("no busy client lost an answer") >= 5);
    }
    assert!(server.wait(Duration::from_secs(5)).success());
    read_until(&mut stderr, "shut down (0 sessions closed at the end");
    let mut out = String::new();
    server.stdout.read_to_string(&mut out).unwrap();
    assert!(out.ends_with("Server shutting down.\n"), "{out}");
}

#[test]
fn a_second_ctrl_c_ends_the_grace_period_at_once() {
    let mut command = tcp_server(&["--grace", "60"]);
    command.stderr(Stdio::piped());
    let mut server = Server::start(command);
    let mut stderr = BufReader::new(server.stderr());
    // A client that neither talks nor closes: the server would wait for
    // it to close for the whole grace period.
    let mut silent = Client::connect(server.addr);
    assert_eq!(silent.line().as_deref(), Some("Welcome."));
    server.interrupt();
    read_until(&mut stderr, "signal 2: shutting down");
    // Its session ended: the server sent the end of the stream.
    assert_eq!(silent.line(), None);
    let second = Instant::now();
    server.interrupt();
    assert_eq!(server.wait(Duration::from_secs(5)).code(), Some(130));
    assert!(
        second.elapsed() < Duration::from_secs(3),
        "{:?}",
        second.elapsed()
    );
}
