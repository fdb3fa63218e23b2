//! Finding 3: a session whose task failed kept its socket open until some
//! other socket activity, so on a quiet server its client got neither a
//! reply nor the end of the stream. A socket whose handles are all dropped
//! is now closed at the start of the next tick.

use std::time::{Duration, Instant};

use trampoline::{Connection, Coroutine};

use super::support::{Client, Server, serve, tcp_server};

/// Reads lines with `?`: a line that is not UTF-8 ends the task with an error.
fn fragile(connection: Connection) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        while let Some(line) = co.read_line_from(&connection).await? {
            co.write_all(&connection, line + "\n").await?;
        }
        Ok(())
    })
}

#[test]
fn a_failed_sessions_client_reads_the_end_of_the_stream_at_once() {
    let addr = serve(fragile);
    let mut client = Client::connect(addr);
    assert_eq!(client.ask("hi").as_deref(), Some("hi"));
    let sent = Instant::now();
    client.send(b"\xff\n");
    assert_eq!(client.rest().expect("an end, not a reset"), b"");
    let waited = sent.elapsed();
    assert!(
        waited < Duration::from_secs(2),
        "the end came after {waited:?}"
    );
}

#[test]
fn tcp_server_says_why_and_closes_after_a_bad_byte() {
    let server = Server::start(tcp_server(&[]));
    let mut client = Client::connect(server.addr);
    assert_eq!(client.line().as_deref(), Some("Welcome."));
    let sent = Instant::now();
    client.send(b"\xff\n");
    let error = client.line().expect("a reply");
    assert!(
        error.starts_with("Error: ") && error.contains("UTF-8"),
        "{error}"
    );
    assert_eq!(client.line(), None);
    assert!(
        sent.elapsed() < Duration::from_secs(2),
        "{:?}",
        sent.elapsed()
    );
}

/// Says `ready` after `go`, then holds the loop a moment (the client's next
/// bytes and its end of stream arrive meanwhile, so mio reports them in ONE
/// event), then echoes lines until the end of the stream, and says `eof`.
fn slow_echo(connection: Connection) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        assert_eq!(co.read_line_from(&connection).await?.as_deref(), Some("go"));
        co.write_all(&connection, "ready\n").await?;
        std::thread::sleep(Duration::from_millis(200));
        while let Some(line) = co.read_line_from(&connection).await? {
            co.write_all(&connection, format!("got {line}\n")).await?;
        }
        co.write_all(&connection, "eof\n").await?;
        co.close(&connection).await
    })
}

/// A request and the end of the stream read as one short read: the end must
/// not be lost (a short read empties the kernel's buffer of bytes, but the
/// peer's FIN is still to be read, and edge-triggered mio will not say so
/// again).
#[test]
fn a_request_and_the_end_of_the_stream_arriving_together_are_both_seen() {
    let addr = serve(slow_echo);
    let mut client = Client::connect(addr);
    assert_eq!(client.ask("go").as_deref(), Some("ready"));
    client.send("a\n");
    client.writer.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(client.line().as_deref(), Some("got a"));
    assert_eq!(client.line().as_deref(), Some("eof"));
    assert_eq!(client.line(), None);
}
