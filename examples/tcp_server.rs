//! The seed's TCP command server (seed `002_09353e10a6131105.txt`, `ServerProtocol` on
//! `loop.create_server(..., '127.0.0.1', 8000)`): it greets `Welcome.`,
//! answers `add 3 5` with `8`, an unknown command with `Invalid command: ...`,
//! and `shutdown` with `Okay. Shutting down.`, after which the server exits.
//!
//! ```text
//! cargo run --example tcp_server -- --port 8000
//! ```
//!
//! Then, in other shells, as many at once as you like: `telnet 127.0.0.1 8000`
//! (or `nc 127.0.0.1 8000`). One thread, one task per client: each task is
//! parked on its socket while its client is quiet. `--port 0` picks a free
//! port; the first line on stdout says which (`Serving on 127.0.0.1:PORT`).
//!
//! Hostile clients are expected (issue 14): a session idle for
//! `--idle-timeout` seconds (60) is closed, at most `--max-connections`
//! (1000) are served at once and the next ones are told so, a line is at
//! most `--max-line` bytes (64 KiB). `shutdown` is obeyed only from
//! 127.0.0.1, and is graceful: the server stops accepting, answers what is
//! in flight for up to `--grace` seconds (2), then closes; the first Ctrl-C
//! (SIGINT) or SIGTERM does the same, a second one ends the server at once
//! (`support/shutdown.rs`, shared with `charfinder`). The log (stderr) can
//! neither crash nor block the server (`support/log.rs`).
//!
//! `--web 127.0.0.1:8001` serves the live view (`observe::Live`) too: each
//! client's task appears as it connects, parked on its socket, and goes
//! when it leaves.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use trampoline::{Co, Connection, Coroutine, Error, RunError, Scheduler, SocketOption};

#[path = "support/log.rs"]
mod log;
use log::{Log, Stream};

#[path = "support/shutdown.rs"]
mod shutdown;
use shutdown::{Sessions, is_timeout, seconds};

/// A TCP server that adds numbers and shuts itself down.
#[derive(Debug, Parser)]
struct Args {
    /// The port to listen on (0: any free port).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Close a session after this many seconds without a byte (0: never).
    #[arg(long, default_value_t = 60.0, value_parser = seconds)]
    idle_timeout: f64,
    /// Sessions served at once; the next clients are refused.
    #[arg(long, default_value_t = 1000)]
    max_connections: usize,
    /// The longest line a client may send, in bytes.
    #[arg(long, default_value_t = 64 * 1024)]
    max_line: usize,
    /// After `shutdown`, seconds to let sessions finish before closing them.
    #[arg(long, default_value_t = 2.0, value_parser = seconds)]
    grace: f64,

    /// Serve the live view on this address too (port 0: any free port).
    #[arg(long, value_name = "ADDR")]
    web: Option<SocketAddr>,
}

/// What every session shares with the accept loop.
#[derive(Debug)]
struct Server {
    args: Args,
    log: Rc<Log>,
    sessions: Rc<Sessions>,
}

/// What one line from a client asks for.
#[derive(Debug, PartialEq)]
enum Request<'a> {
    Nothing,
    /// The arguments, as they came (words apart by whitespace).
    Add(&'a str),
    Shutdown,
    Invalid(String),
}

/// The seed's `data_received`: the first word, in any case, is the
/// command, the other words its arguments. It borrows the line: a request
/// allocates nothing but its reply (four allocations less a request, of
/// bench/tcp's twelve, when it lower-cased and copied every word).
fn parse(line: &str) -> Request<'_> {
    let line = line.trim_start();
    let (command, args) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    if command.is_empty() {
        Request::Nothing
    } else if command.eq_ignore_ascii_case("add") {
        Request::Add(args)
    } else if command.eq_ignore_ascii_case("shutdown") {
        Request::Shutdown
    } else {
        Request::Invalid(command.to_lowercase())
    }
}

/// The seed's `command_add`: every argument must be a whole number.
fn add(args: &str) -> String {
    let mut sum: i64 = 0;
    for arg in args.split_whitespace() {
        match arg.parse::<i64>() {
            Ok(n) => match sum.checked_add(n) {
                Some(s) => sum = s,
                None => return "Error: the sum does not fit in 64 bits".to_string(),
            },
            Err(e) => return format!("Error: {arg:?} is not a whole number ({e})"),
        }
    }
    sum.to_string()
}

/// One client's session: the seed's `connection_made` + `data_received`.
/// However it ends, it leaves the session table, and its socket is closed
/// (a failure is logged here, not left to the loop's report).
fn serve_client(connection: Connection, server: Rc<Server>) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let _member = server.sessions.enter(&connection);
        let peer = connection.peer_addr();
        if let Err(e) = session(&co, &connection, &server).await {
            server
                .log
                .event(Stream::Stderr, format!("session {peer}: {e}"));
        }
        server.sessions.close(&co, &connection).await;
        Ok(())
    })
}

async fn session(co: &Co, connection: &Connection, server: &Server) -> Result<(), Error> {
    let args = &server.args;
    co.configure(connection, SocketOption::LineLimit(args.max_line))
        .await?;
    if args.idle_timeout > 0.0 {
        let timeout = Duration::from_secs_f64(args.idle_timeout);
        co.configure(connection, SocketOption::IdleTimeout(Some(timeout)))
            .await?;
    }
    co.write_all(connection, "Welcome.\n").await?;
    while !server.sessions.is_draining() {
        let line = match co.read_line_from(connection).await {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(e) if is_timeout(&e) && server.sessions.is_draining() => break,
            Err(e) if is_timeout(&e) => {
                co.write_all(connection, "Idle for too long: closing.\n")
                    .await?;
                return Err(e);
            }
            Err(e) => {
                // An overlong or non-UTF-8 line: say why, then end.
                let _ = co.write_all(connection, format!("Error: {e}\n")).await;
                return Err(e);
            }
        };
        let reply = match parse(&line) {
            Request::Nothing => continue,
            Request::Add(args) => add(args),
            Request::Invalid(command) => format!("Invalid command: {}", log::cut(&command, 64)),
            Request::Shutdown if server.sessions.asked_by(co, connection.peer_addr()).await? => {
                "Okay. Shutting down.".to_string()
            }
            Request::Shutdown => "Error: shutdown is only allowed from 127.0.0.1".to_string(),
        };
        co.write_all(connection, reply + "\n").await?;
    }
    Ok(())
}

/// Accepts clients, a task each, until one of them says `shutdown` (or a
/// signal comes); then gives the sessions the grace period to finish, and
/// closes the rest.
fn server(args: Args, log: Rc<Log>, sessions: Rc<Sessions>) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let addr = SocketAddr::new(args.host, args.port);
        let listener = co
            .listen(addr)
            .await
            .map_err(|e| Error::msg(format!("cannot listen on {addr}: {e}")))?;
        log.info(
            Stream::Stdout,
            format!("Serving on {}", listener.local_addr()),
        );
        sessions.listening(&listener);
        let server = Rc::new(Server {
            args,
            log,
            sessions,
        });
        while !server.sessions.is_draining() {
            match co.accept(&listener).await {
                Ok(connection) if server.sessions.count() >= server.args.max_connections => {
                    refuse(&co, connection, &server).await;
                }
                Ok(connection) => drop(co.spawn(serve_client(connection, server.clone())).await?),
                Err(_) if server.sessions.is_draining() => break,
                Err(e) => {
                    server
                        .log
                        .event(Stream::Stderr, format!("accept failed: {e}"));
                    // Out of file descriptors, say: wait a little, as asyncio does.
                    co.sleep(Duration::from_millis(100)).await?;
                }
            }
        }
        server.sessions.finish(&co).await?;
        Ok(())
    })
}

/// Past `--max-connections`: one line saying so, and the connection closes.
async fn refuse(co: &Co, connection: Connection, server: &Server) {
    let limit = server.args.max_connections;
    let message = format!("Error: the server is full ({limit} connections); try again later.\n");
    let _ = co.write_all(&connection, message).await;
    let _ = co.close(&connection).await;
    let peer = connection.peer_addr();
    server.log.event(
        Stream::Stderr,
        format!("refused {peer}: {limit} connections already"),
    );
}

fn main() -> ExitCode {
    let args = Args::parse();
    let log = Rc::new(Log::new());
    let sessions = Sessions::new(Duration::from_secs_f64(args.grace), log.clone());
    let run = Scheduler::new().and_then(|mut scheduler| {
        if let Some(addr) = args.web {
            match trampoline::observe::Live::start(&mut scheduler, addr) {
                Ok(live) => eprintln!("Live view on http://{}/", live.addr()),
                Err(why) => eprintln!("error: no live view: {why}"),
            }
        }
        shutdown::run(
            &mut scheduler,
            server(args, log.clone(), sessions.clone()),
            &sessions,
        )
    });
    let code = match run {
        Ok(None) => ExitCode::SUCCESS,
        // A signal's status, after its graceful shutdown or a second signal.
        Ok(Some(signal)) | Err(RunError::Interrupted(signal)) => ExitCode::from(128 + signal as u8),
        Err(e) => {
            // A closed stderr is no reason to panic.
            let _ = writeln!(std::io::stderr(), "error: {e}");
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
    fn commands_are_parsed_like_the_seed() {
        assert_eq!(parse("  "), Request::Nothing);
        assert_eq!(parse("ADD 3 5"), Request::Add("3 5"));
        assert_eq!(parse("\tadd\t3  5 "), Request::Add("3  5 "));
        assert_eq!(parse("shutdown"), Request::Shutdown);
        assert_eq!(parse("Make_Tea now"), Request::Invalid("make_tea".into()));
        assert_eq!(add("3  5 "), "8");
        assert_eq!(add(""), "0");
        assert!(add("x").starts_with("Error: "));
    }
}
