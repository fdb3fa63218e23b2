//! Drives the `tcp_server` example as a process, with real client sockets on
//! loopback: several clients at once, each with its own session, and
//! `shutdown` ends the server with status 0.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Killed, example};

/// A client: a line reader with a timeout, and the socket to write to.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(port: u16) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        line.trim_end().to_string()
    }

    fn ask(&mut self, request: &str) -> String {
        self.writer
            .write_all(format!("{request}\n").as_bytes())
            .unwrap();
        self.line()
    }
}

#[test]
fn several_clients_at_once_then_shutdown() {
    let mut child = Command::new(example("tcp_server"))
        .args(["--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut server = Killed::new(child);
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let port: u16 = first
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("expected `Serving on 127.0.0.1:PORT`, got {first:?}"));

    // Three sessions open at the same time, interleaved.
    let mut clients: Vec<Client> = (0..3).map(|_| Client::connect(port)).collect();
    for client in &mut clients {
        assert_eq!(client.line(), "Welcome.");
    }
    assert_eq!(clients[0].ask("add 3 5"), "8");
    assert_eq!(clients[1].ask("make_tea"), "Invalid command: make_tea");
    assert_eq!(clients[2].ask("ADD 1 2 3"), "6");
    assert_eq!(clients[1].ask("add 40 2"), "42");
    assert!(clients[0].ask("add x").starts_with("Error: "));
    assert_eq!(clients[2].ask("shutdown"), "Okay. Shutting down.");

    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
}
