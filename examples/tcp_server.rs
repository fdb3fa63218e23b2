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
//! in flight for up to `--grace` seconds (2), then closes. The log (stderr)
//! can neither crash nor block the server (`support/log.rs`).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use signal_hook::consts::{SIGINT, SIGTERM};
use trampoline::{
    Co, Connection, Coroutine, Error, ErrorKind, Listener, RunError, Scheduler, SocketOption,
};

#[path = "support/log.rs"]
mod log;
use log::{Log, Stream};

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
}

/// A number of seconds: 0, or from a millisecond to a day.
fn seconds(text: &str) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|e| format!("{e}"))?;
    if value == 0.0 || (0.001..=86_400.0).contains(&value) {
        Ok(value)
    } else {
        Err("must be 0, or between 0.001 and 86400".to_string())
    }
}

/// What every session shares with the accept loop.
#[derive(Debug)]
struct Server {
    args: Args,
    listener: Listener,
    log: Log,
    /// The live sessions' connections, to close at the end of the grace.
    sessions: RefCell<HashMap<u64, Connection>>,
    next_session: Cell<u64>,
    /// `shutdown` was accepted: sessions close after their current request.
    draining: Cell<bool>,
}

/// How long a draining server waits for a quiet client's next request.
const QUIET: Duration = Duration::from_millis(100);

/// What one line from a client asks for.
#[derive(Debug, PartialEq)]
enum Request {
    Nothing,
    Add(Vec<String>),
    Shutdown,
    Invalid(String),
}

/// The seed's `data_received`: the first word, lower-cased, is the command,
/// the other words its arguments.
fn parse(line: &str) -> Request {
    let mut words = line.split_whitespace();
    let Some(command) = words.next() else {
        return Request::Nothing;
    };
    match command.to_lowercase().as_str() {
        "add" => Request::Add(words.map(str::to_string).collect()),
        "shutdown" => Request::Shutdown,
        other => Request::Invalid(other.to_string()),
    }
}

/// The seed's `command_add`: every argument must be a whole number.
fn add(args: &[String]) -> String {
    let mut sum: i64 = 0;
    for arg in args {
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
        let id = server.next_session.get();
        server.next_session.set(id + 1);
        server.sessions.borrow_mut().insert(id, connection.clone());
        let _leave = Leave(server.clone(), id);
        let peer = connection.peer_addr();
        if let Err(e) = session(&co, &connection, &server).await {
            server
                .log
                .event(Stream::Stderr, format!("session {peer}: {e}"));
        }
        if server.draining.get() {
            close_gracefully(&co, &connection, &server).await;
        }
        let _ = co.close(&connection).await;
        Ok(())
    })
}

/// Takes a session out of the table when its task ends, however it ends.
struct Leave(Rc<Server>, u64);

impl Drop for Leave {
    fn drop(&mut self) {
        self.0.sessions.borrow_mut().remove(&self.1);
    }
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
    while !server.draining.get() {
        let line = match co.read_line_from(connection).await {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(e) if is_timeout(&e) && server.draining.get() => break,
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
            Request::Add(args) => add(&args),
            Request::Invalid(command) => format!("Invalid command: {}", log::cut(&command, 64)),
            Request::Shutdown => shut_down(co, connection, server).await?,
        };
        co.write_all(connection, reply + "\n").await?;
    }
    Ok(())
}

/// `shutdown`: only from 127.0.0.1; stops the accept loop, and has every
/// session close once its client is quiet.
async fn shut_down(co: &Co, connection: &Connection, server: &Server) -> Result<String, Error> {
    let peer = connection.peer_addr();
    if peer.ip() != IpAddr::V4(Ipv4Addr::LOCALHOST) {
        server
            .log
            .event(Stream::Stderr, format!("shutdown refused to {peer}"));
        return Ok("Error: shutdown is only allowed from 127.0.0.1".to_string());
    }
    server
        .log
        .info(Stream::Stderr, format!("shutdown asked by {peer}"));
    server.draining.set(true);
    // Closing the listener wakes the accept loop with an error.
    co.close_listener(&server.listener).await?;
    // Sessions waiting for a request get one last short while for it.
    let sessions: Vec<Connection> = server.sessions.borrow().values().cloned().collect();
    for other in sessions {
        let _ = co
            .configure(&other, SocketOption::IdleTimeout(Some(QUIET)))
            .await;
    }
    Ok("Okay. Shutting down.".to_string())
}

/// Ends a session without a reset: send the end of the stream, then read
/// (and drop) what the client still sends until it closes too, or the
/// grace period ends; closing with unread input would send a reset, and a
/// reset can destroy replies the client has not read yet.
async fn close_gracefully(co: &Co, connection: &Connection, server: &Server) {
    if co.shutdown_write(connection).await.is_err() {
        return;
    }
    let grace = Duration::from_secs_f64(server.args.grace);
    let _ = co
        .configure(connection, SocketOption::IdleTimeout(Some(grace)))
        .await;
    while let Ok(Some(_)) = co.read_line_from(connection).await {}
}

fn is_timeout(error: &Error) -> bool {
    matches!(error.kind(), ErrorKind::Io(e) if e.kind() == std::io::ErrorKind::TimedOut)
}

/// Accepts clients, a task each, until one of them says `shutdown`; then
/// gives the sessions the grace period to finish, and closes the rest.
fn server(args: Args, log: Log) -> Coroutine<()> {
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
        let server = Rc::new(Server {
            args,
            listener: listener.clone(),
            log,
            sessions: RefCell::default(),
            next_session: Cell::new(0),
            draining: Cell::new(false),
        });
        loop {
            match co.accept(&listener).await {
                Ok(connection) if server.sessions.borrow().len() >= server.args.max_connections => {
                    refuse(&co, connection, &server).await;
                }
                Ok(connection) => drop(co.spawn(serve_client(connection, server.clone())).await?),
                Err(_) if server.draining.get() => break,
                Err(e) => {
                    server
                        .log
                        .event(Stream::Stderr, format!("accept failed: {e}"));
                    // Out of file descriptors, say: wait a little, as asyncio does.
                    co.sleep(Duration::from_millis(100)).await?;
                }
            }
        }
        let grace = Duration::from_secs_f64(server.args.grace);
        let deadline = co.now().await? + grace;
        while !server.sessions.borrow().is_empty() && co.now().await? < deadline {
            co.sleep(Duration::from_millis(10)).await?;
        }
        let left: Vec<Connection> = server.sessions.borrow().values().cloned().collect();
        for connection in &left {
            let _ = co.close(connection).await;
        }
        server.log.info(
            Stream::Stderr,
            format!(
                "shut down ({} sessions closed at the end of the grace period)",
                left.len()
            ),
        );
        server.log.flush(Duration::from_secs(1));
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
    let log = Log::new();
    let run = Scheduler::new().and_then(|mut scheduler| {
        scheduler.stop_on_signals(&[SIGINT, SIGTERM])?;
        scheduler.run_until_complete(server(args, log))
    });
    match run {
        Ok(()) => ExitCode::SUCCESS,
        Err(RunError::Interrupted(signal)) => ExitCode::from(128 + signal as u8),
        Err(e) => {
            // A closed stderr is no reason to panic.
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_parsed_like_the_seed() {
        assert_eq!(parse("  "), Request::Nothing);
        assert_eq!(parse("ADD 3 5"), Request::Add(vec!["3".into(), "5".into()]));
        assert_eq!(parse("shutdown"), Request::Shutdown);
        assert_eq!(parse("make_tea now"), Request::Invalid("make_tea".into()));
        assert_eq!(add(&["3".into(), "5".into()]), "8");
        assert!(add(&["x".into()]).starts_with("Error: "));
        assert!(seconds("0").is_ok() && seconds("0.3").is_ok());
        for bad in ["1e-300", "-1", "nan", "inf", "1e9"] {
            assert!(seconds(bad).is_err(), "{bad}");
        }
    }
}
