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
//! the end of the stream close that client's session; the server serves
//! until it is killed (Ctrl-C: `Server shutting down.`). Like the seed, it
//! indexes every named character (`examples/support/unicode_index.rs`,
//! shared with `http_charfinder`).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::rc::Rc;

use clap::Parser;
use signal_hook::consts::{SIGINT, SIGTERM};
use trampoline::{Connection, Coroutine, Error, RunError, Scheduler};

#[path = "support/unicode_index.rs"]
mod unicode_index;
use unicode_index::UnicodeIndex;

/// A Unicode character finder over TCP.
#[derive(Debug, Parser)]
struct Args {
    /// The port to listen on, on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 2323)]
    port: u16,
}

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
            format!("{code}\t{c}\t{name}")
        })
        .collect()
}

/// Whether a query ends the session: empty, or starting with a control
/// character (the seed's `ord(query[:1]) < 32`).
fn ends_session(query: &str) -> bool {
    query.chars().next().is_none_or(char::is_control)
}

/// The seed's `handle_queries`: prompt, read a line, answer, until the
/// client is done.
fn handle_queries(index: Rc<UnicodeIndex>, connection: Connection) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let client = connection.peer_addr();
        loop {
            co.write_all(&connection, PROMPT).await?;
            let query = match co.read_line_from(&connection).await {
                Ok(Some(line)) => line.trim().to_string(),
                Ok(None) => String::new(),
                // Not UTF-8 (telnet's control sequences): the seed's '\x00'.
                Err(_) => "\0".to_string(),
            };
            println!("Received from {client}: {query:?}");
            if ends_session(&query) {
                break;
            }
            let lines = find(&index, &query);
            let mut answer: String = lines.iter().map(|line| line.clone() + CRLF).collect();
            answer += &format!("{} for {query:?}{CRLF}", UnicodeIndex::matches(lines.len()));
            co.write_all(&connection, answer).await?;
            println!("Sent {} results", lines.len());
        }
        println!("Close the client socket");
        co.close(&connection).await
    })
}

/// The seed's `start_server` + `run_forever`: a task per client.
fn server(port: u16) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let index = Rc::new(UnicodeIndex::new());
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = co
            .listen(addr)
            .await
            .map_err(|e| Error::msg(format!("cannot listen on {addr}: {e}")))?;
        println!("Serving on {}. Hit CTRL-C to stop.", listener.local_addr());
        loop {
            match co.accept(&listener).await {
                // Detached: a client's failure is reported on stderr by the
                // loop, and the others go on.
                Ok(connection) => drop(co.spawn(handle_queries(index.clone(), connection)).await?),
                Err(e) => {
                    eprintln!("accept failed: {e}");
                    co.sleep(std::time::Duration::from_millis(100)).await?;
                }
            }
        }
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    let run = Scheduler::new().and_then(|mut scheduler| {
        scheduler.stop_on_signals(&[SIGINT, SIGTERM])?;
        scheduler.run_until_complete(server(args.port))
    });
    match run {
        Ok(()) | Err(RunError::Interrupted(_)) => {
            println!("Server shutting down.");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
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
