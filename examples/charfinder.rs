//! The seed's `tcp_charfinder.py` (seed `004_221af7cd32b1e56f.txt`, Example 18-14): a TCP
//! server that answers words with the Unicode characters whose names contain
//! them all, many clients at once on one thread.
//!
//! ```text
//! cargo run --example charfinder -- --port 2323
//! ```
//!
//! Then `telnet 127.0.0.1 2323` (or `nc`), as many at once as you like, and
//! type `chess black` or `sun` or `cat face`. An empty line, a line starting
//! with a control character (telnet's Ctrl-C), bytes that are not UTF-8 or
//! the end of the stream close that client's session. The server serves
//! until Ctrl-C (SIGINT) or SIGTERM, or a `shutdown` query from a
//! 127.0.0.1 client (the seed has none; from any other address it is
//! refused), then shuts down gracefully as `tcp_server` does: it stops
//! accepting, lets each session answer the query in hand for up to
//! `--grace` seconds (2), then closes (`Server shutting down.`); a second
//! Ctrl-C ends it at once (`support/shutdown.rs`). Like the seed, it indexes
//! every named character (`examples/support/unicode_index.rs`, shared with
//! `http_charfinder`).
//!
//! As `tcp_server`, it expects hostile clients (issue 14): `--idle-timeout`
//! (60 s), `--max-connections` (1000), queries of at most 1 KiB, and a log
//! on stdout that cuts long queries and can neither crash nor block it
//! (`support/log.rs`). Its answer and its prompt are two writes: without
//! `TCP_NODELAY` (the library's default) each query would wait ~40 ms.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use trampoline::{Co, Connection, Coroutine, Error, ErrorKind, RunError, Scheduler, SocketOption};

#[path = "support/log.rs"]
mod log;
use log::{Log, Stream};

#[path = "support/shutdown.rs"]
mod shutdown;
use shutdown::{Sessions, is_timeout, seconds};

#[path = "support/unicode_index.rs"]
mod unicode_index;
use unicode_index::UnicodeIndex;

/// A Unicode character finder over TCP.
#[derive(Debug, Parser)]
struct Args {
    /// The port to listen on (0: any free port).
    #[arg(long, default_value_t = 2323)]
    port: u16,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Close a session after this many seconds without a byte (0: never).
    #[arg(long, default_value_t = 60)]
    idle_timeout: u64,
    /// Sessions served at once; the next clients are refused.
    #[arg(long, default_value_t = 1000)]
    max_connections: usize,
    /// After `shutdown` or Ctrl-C, seconds to let sessions finish before
    /// closing them.
    #[arg(long, default_value_t = 2.0, value_parser = seconds)]
    grace: f64,
}

/// The longest query, in bytes.
const MAX_QUERY: usize = 1024;

const PROMPT: &str = "?> ";
const CRLF: &str = "\r\n";

/// The characters whose names contain every word of `query`, as the seed's
/// `find_description_strs` prints them: `U+265A\t♚\tBLACK CHESS KING`.
fn find(index: &UnicodeIndex, query: &str) -> Vec<String> {
    index
        .find(query)
        .into_iter()
        .map(|c| {
            let (code, name) = UnicodeIndex::describe(c);
            format!("{code}	{c}	{name}")
        })
        .collect()
}

/// Whether a query ends the session: empty, or starting with a control
/// character (the seed's `ord(query[:1]) < 32`).
fn ends_session(query: &str) -> bool {
    query.chars().next().is_none_or(char::is_control)
}

/// What every session shares with the accept loop.
struct Server {
    index: UnicodeIndex,
    log: Rc<Log>,
    sessions: Rc<Sessions>,
}

/// The seed's `handle_queries`: prompt, read a line, answer, until the
/// client is done. A failure (a reset, a timeout) is logged here, and the
/// socket closes however the session ends.
fn handle_queries(server: Rc<Server>, connection: Connection) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let _member = server.sessions.enter(&connection);
        let client = connection.peer_addr();
        if let Err(e) = queries(&co, &server, &connection).await {
            let failed = format!("Session with {client} failed: {e}");
            server.log.event(Stream::Stdout, failed);
        }
        server.log.event(Stream::Stdout, "Close the client socket");
        server.sessions.close(&co, &connection).await;
        Ok(())
    })
}

async fn queries(co: &Co, server: &Server, connection: &Connection) -> Result<(), Error> {
    let client = connection.peer_addr();
    let log = &server.log;
    while !server.sessions.is_draining() {
        co.write_all(connection, PROMPT).await?;
        let query = match co.read_line_from(connection).await {
            Ok(Some(line)) => line.trim().to_string(),
            Ok(None) => String::new(),
            // Not UTF-8 (telnet's control sequences), or too long: the
            // seed's '\x00'.
            Err(e) if is_bad_line(&e) => "\0".to_string(),
            // Shutting down, and the client had nothing more to ask.
            Err(e) if is_timeout(&e) && server.sessions.is_draining() => return Ok(()),
            Err(e) => return Err(e),
        };
        log.event(
            Stream::Stdout,
            format!("Received from {client}: {:?}", log::cut(&query, 64)),
        );
        if ends_session(&query) {
            return Ok(());
        }
        if query.eq_ignore_ascii_case("shutdown") {
            let reply = if server.sessions.asked_by(co, client).await? {
                "Okay. Shutting down."
            } else {
                "Error: shutdown is only allowed from 127.0.0.1"
            };
            co.write_all(connection, format!("{reply}{CRLF}")).await?;
            continue;
        }
        let lines = find(&server.index, &query);
        let mut answer: String = lines.iter().map(|line| line.clone() + CRLF).collect();
        let shown = log::cut(&query, 64);
        answer += &format!("{} for {shown:?}{CRLF}", UnicodeIndex::matches(lines.len()));
        co.write_all(connection, answer).await?;
        log.event(Stream::Stdout, format!("Sent {} results", lines.len()));
    }
    Ok(())
}

/// A line that could not be read as text (the reading itself went fine).
fn is_bad_line(error: &Error) -> bool {
    matches!(error.kind(), ErrorKind::Io(e) if e.kind() == std::io::ErrorKind::InvalidData)
}

/// The seed's `start_server` + `run_forever`: a task per client, until
/// the shutdown; then the sessions get the grace period to finish.
fn server(args: Args, log: Rc<Log>, sessions: Rc<Sessions>) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let index = UnicodeIndex::new();
        let addr = SocketAddr::new(args.host, args.port);
        let listener = co
            .listen(addr)
            .await
            .map_err(|e| Error::msg(format!("cannot listen on {addr}: {e}")))?;
        let serving = format!("Serving on {}. Hit CTRL-C to stop.", listener.local_addr());
        log.info(Stream::Stdout, serving);
        sessions.listening(&listener);
        let server = Rc::new(Server {
            index,
            log: log.clone(),
            sessions: sessions.clone(),
        });
        while !sessions.is_draining() {
            let connection = match co.accept(&listener).await {
                Ok(connection) => connection,
                Err(_) if sessions.is_draining() => break,
                Err(e) => {
                    log.event(Stream::Stderr, format!("accept failed: {e}"));
                    co.sleep(Duration::from_millis(100)).await?;
                    continue;
                }
            };
            if sessions.count() >= args.max_connections {
                let full = "The server is full; try again later.\r\n";
                let _ = co.write_all(&connection, full).await;
                let _ = co.close(&connection).await;
                log.event(
                    Stream::Stderr,
                    format!("refused {}", connection.peer_addr()),
                );
                continue;
            }
            co.configure(&connection, SocketOption::LineLimit(MAX_QUERY))
                .await?;
            if args.idle_timeout > 0 {
                let timeout = Some(Duration::from_secs(args.idle_timeout));
                co.configure(&connection, SocketOption::IdleTimeout(timeout))
                    .await?;
            }
            let session = handle_queries(server.clone(), connection);
            drop(co.spawn(session).await?);
        }
        sessions.finish(&co).await?;
        Ok(())
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    let log = Rc::new(Log::new());
    let grace = Duration::from_secs_f64(args.grace);
    let sessions = Sessions::new(grace, log.clone());
    let run = Scheduler::new().and_then(|mut scheduler| {
        let server = server(args, log.clone(), sessions.clone());
        shutdown::run(&mut scheduler, server, &sessions)
    });
    let code = match run {
        Ok(_) | Err(RunError::Interrupted(_)) => {
            log.info(Stream::Stdout, "Server shutting down.");
            ExitCode::SUCCESS
        }
        Err(e) => {
            log.info(Stream::Stderr, format!("error: {e}"));
            ExitCode::FAILURE
        }
    };
    log.flush(Duration::from_secs(1));
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_match_whole_words_in_any_order() {
        let index = UnicodeIndex::new();
        assert_eq!(find(&index, "chess black").len(), 35);
        assert_eq!(find(&index, "CAT face").len(), 10);
        assert_eq!(
            find(&index, "king black chess")[0],
            "U+265A\t♚\tBLACK CHESS KING"
        );
        assert_eq!(find(&index, "digit nine")[0], "U+0039\t9\tDIGIT NINE");
        assert!(find(&index, "xyzzy").is_empty());
        assert_eq!(UnicodeIndex::matches(6), "6 matches");
        assert!(ends_session("") && ends_session("\u{3}") && !ends_session("sun"));
    }
}
