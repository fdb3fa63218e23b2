//! Finding 5: up to 1 MiB was buffered per connection, so 1,000 clients each
//! holding an unfinished line took the server to 1 GB. All sockets' input
//! together is now capped at 64 MiB: past it the biggest unfinished line is
//! dropped, and its session is told why and closed.

use std::io::{BufRead, Write};

use super::support::{Client, Server, tcp_server};

/// How a client holding a 4 MB unfinished line fared.
#[derive(Debug, PartialEq)]
enum Fate {
    /// Its line was completed and answered, and it was served on.
    Served,
    /// The cap dropped its line: it was told so, or its writes were refused
    /// once the server had closed the session.
    Dropped,
}

/// Ends the long line (the client sent it already, `written` says if all
/// of it went) and asks one more thing.
fn finish_the_line(client: &mut Client, written: bool) -> Fate {
    if !written || client.writer.write_all(b"\nadd 1 2\n").is_err() {
        return Fate::Dropped;
    }
    let mut reply = String::new();
    match client.reader.read_line(&mut reply) {
        Ok(_) if reply.starts_with("Invalid command: xxx") => {
            assert_eq!(client.line().as_deref(), Some("3"));
            Fate::Served
        }
        Ok(_) => {
            assert!(
                reply.contains("input buffers are full") || reply.is_empty(),
                "{reply}"
            );
            Fate::Dropped
        }
        Err(_) => Fate::Dropped, // reset: the session was closed with input unread
    }
}

#[test]
fn unfinished_lines_cannot_take_more_than_the_cap() {
    // Lines up to 8 MiB allowed, so the per-line limit does not save us:
    // 40 clients × 4 MB = 160 MB of unfinished lines.
    let server = Server::start(tcp_server(&["--max-line", "8388608"]));
    let line = vec![b'x'; 4_000_000];
    let mut clients: Vec<Client> = (0..40)
        .map(|_| {
            let mut client = Client::connect(server.addr);
            assert_eq!(client.line().as_deref(), Some("Welcome."));
            client
        })
        .collect();
    // All of them hold an unfinished line at once...
    let written: Vec<bool> = clients
        .iter_mut()
        .map(|c| c.writer.write_all(&line).is_ok())
        .collect();
    // ... then finish it.
    let fates: Vec<Fate> = clients
        .iter_mut()
        .zip(written)
        .map(|(client, written)| finish_the_line(client, written))
        .collect();
    let peak = server.peak_memory();
    let dropped = fates.iter().filter(|f| **f == Fate::Dropped).count();
    assert!(peak < 120 << 20, "peak memory {} MiB", peak >> 20);
    assert!((5..40).contains(&dropped), "{dropped} of 40 lines dropped");
    // The server serves on.
    let mut late = Client::connect(server.addr);
    assert_eq!(late.line().as_deref(), Some("Welcome."));
    assert_eq!(late.ask("add 3 5").as_deref(), Some("8"));
    eprintln!("peak {} MiB, {dropped} of 40 lines dropped", peak >> 20);
}
