//! Finding 7: `shutdown` dropped in-flight replies (16 of 20 busy clients
//! lost theirs or got a reset) and any client could ask for it. Now it is
//! obeyed only from 127.0.0.1, logged, and graceful: every reply already
//! asked for is sent, every client reads a clean end of stream, and the
//! server exits within its grace period.

use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::process::Stdio;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use super::support::{Client, Server, tcp_server};

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
}

#[test]
fn shutdown_is_refused_to_a_peer_that_is_not_127_0_0_1() {
    let server = Server::start(tcp_server(&["--host", "0.0.0.0"]));
    let port = server.addr.port();
    // A client on 127.0.0.2 (loopback too) talking to 127.0.0.1.
    let socket = rustix::net::socket(
        rustix::net::AddressFamily::INET,
        rustix::net::SocketType::STREAM,
        None,
    )
    .unwrap();
    rustix::net::bind(&socket, &SocketAddr::from(([127, 0, 0, 2], 0))).unwrap();
    rustix::net::connect(&socket, &SocketAddr::from(([127, 0, 0, 1], port))).unwrap();
    let mut stranger = Client::from_stream(TcpStream::from(socket));
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
