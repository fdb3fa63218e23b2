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

/// `n` clients of a busy server, in a loop until it closes: each returns
/// how many replies it got in full (a reply cut short, or a reset, fails
/// the test). `warmed_up` is passed once each has had 5.
fn busy<C: Send + 'static>(
    n: usize,
    warmed_up: &Arc<Barrier>,
    connect: impl Fn() -> C + Send + Clone + 'static,
    ask: fn(&mut C, u64) -> bool,
) -> Vec<JoinHandle<u64>> {
    (0..n)
        .map(|_| {
            let (warmed_up, connect) = (warmed_up.clone(), connect.clone());
            std::thread::spawn(move || {
                let mut client = connect();
                let deadline = Instant::now() + Duration::from_secs(10);
                for i in 0.. {
                    if i == 5 {
                        warmed_up.wait();
                    }
                    if !ask(&mut client, i) {
                        return i;
                    }
                    assert!(Instant::now() < deadline, "the server never shut down");
                }
                unreachable!()
            })
        })
        .collect()
}

/// `n` tcp_server clients adding numbers.
fn busy_adders(addr: SocketAddr, n: usize, warmed_up: &Arc<Barrier>) -> Vec<JoinHandle<u64>> {
    let connect = move || {
        let mut client = Client::connect(addr);
        assert_eq!(client.line().as_deref(), Some("Welcome."));
        client
    };
    busy(n, warmed_up, connect, |client, i| {
        client.send(format!("add {i} 1\n"));
        let reply = client.line();
        reply
            .inspect(|r| assert_eq!(*r, (i + 1).to_string()))
            .is_some()
    })
}

/// `n` charfinder clients asking for `chess black` (35 lines).
fn busy_finders(addr: SocketAddr, n: usize, warmed_up: &Arc<Barrier>) -> Vec<JoinHandle<u64>> {
    busy(
        n,
        warmed_up,
        move || Finder(Client::connect(addr)),
        |finder, _| {
            let Some(answer) = finder.ask("chess black") else {
                return false;
            };
            assert_eq!(answer.len(), 36, "{answer:?}");
            assert_eq!(answer[35], "35 matches for \"chess black\"");
            true
        },
    )
}

/// Every busy client got its replies until the end, and the server ended
/// within `limit` of `since` with `status`, every session ended by itself
/// (the grace period is long: waiting for it would fail the test).
fn all_answered(
    busy: Vec<JoinHandle<u64>>,
    server: &mut Server,
    status: Option<i32>,
    since: Instant,
) -> String {
    for client in busy {
        assert!(client.join().expect("no busy client lost a reply") >= 5);
    }
    assert_eq!(server.wait(Duration::from_secs(5)).code(), status);
    assert!(
        since.elapsed() < Duration::from_secs(4),
        "{:?}",
        since.elapsed()
    );
    let mut stderr = BufReader::new(server.stderr());
    read_until(&mut stderr, "shut down (0 sessions closed at the end")
}

/// A `shutdown` from 127.0.0.1 amid `n` busy clients.
fn shutdown_amid_busy_clients(
    mut server: Server,
    n: usize,
    busy: fn(SocketAddr, usize, &Arc<Barrier>) -> Vec<JoinHandle<u64>>,
    boss: impl FnOnce(SocketAddr),
) -> (Server, String) {
    let warmed_up = Arc::new(Barrier::new(n + 1));
    let clients = busy(server.addr, n, &warmed_up);
    warmed_up.wait();
    let asked = Instant::now();
    boss(server.addr);
    let log = all_answered(clients, &mut server, Some(0), asked);
    assert!(log.contains("shutdown asked by 127.0.0.1:"), "{log}");
    (server, log)
}

/// A grace period a test would notice: every session must end by itself.
const LONG_GRACE: [&str; 2] = ["--grace", "30"];

fn with_stderr(mut command: std::process::Command) -> Server {
    command.stderr(Stdio::piped());
    Server::start(command)
}

#[test]
fn shutdown_lets_busy_clients_finish_and_is_logged() {
    let server = with_stderr(tcp_server(&LONG_GRACE));
    shutdown_amid_busy_clients(server, 20, busy_adders, |addr| {
        let mut boss = Client::connect(addr);
        assert_eq!(boss.line().as_deref(), Some("Welcome."));
        let reply = boss.ask("shutdown");
        assert_eq!(reply.as_deref(), Some("Okay. Shutting down."));
        assert_eq!(boss.line(), None);
        // Dropped: its session waits for it to close, as for every client.
    });
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

#[test]
fn charfinder_shutdown_lets_busy_clients_finish_and_is_logged() {
    let server = with_stderr(charfinder(&LONG_GRACE));
    let (mut server, _) = shutdown_amid_busy_clients(server, 8, busy_finders, |addr| {
        let mut boss = Finder(Client::connect(addr));
        let okay = vec!["Okay. Shutting down.".to_string()];
        assert_eq!(boss.ask("shutdown"), Some(okay));
        assert_eq!(boss.0.line(), None);
    });
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
    // tcp_server: the status says SIGINT.
    let mut server = with_stderr(tcp_server(&LONG_GRACE));
    let warmed_up = Arc::new(Barrier::new(9));
    let clients = busy_adders(server.addr, 8, &warmed_up);
    warmed_up.wait();
    let interrupted = Instant::now();
    server.interrupt();
    let log = all_answered(clients, &mut server, Some(130), interrupted);
    assert!(log.contains("signal 2: shutting down"), "{log}");

    // charfinder: the same, and its farewell line.
    let mut server = with_stderr(charfinder(&LONG_GRACE));
    let warmed_up = Arc::new(Barrier::new(5));
    let clients = busy_finders(server.addr, 4, &warmed_up);
    warmed_up.wait();
    let interrupted = Instant::now();
    server.interrupt();
    all_answered(clients, &mut server, Some(0), interrupted);
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
