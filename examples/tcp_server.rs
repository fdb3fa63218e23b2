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
//! `--web 127.0.0.1:8001` serves the live view (`observe::Live`) too: each
//! client's task appears as it connects, parked on its socket, and goes
//! when it leaves.

use std::cell::Cell;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use signal_hook::consts::{SIGINT, SIGTERM};
use trampoline::{Connection, Coroutine, Error, Listener, RunError, Scheduler};

/// A TCP server that adds numbers and shuts itself down.
#[derive(Debug, Parser)]
struct Args {
    /// The port to listen on, on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 8000)]
    port: u16,

    /// Serve the live view on this address too (port 0: any free port).
    #[arg(long, value_name = "ADDR")]
    web: Option<SocketAddr>,
}

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
fn serve_client(
    connection: Connection,
    listener: Listener,
    shutting_down: Rc<Cell<bool>>,
) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        co.write_all(&connection, "Welcome.\n").await?;
        while let Some(line) = co.read_line_from(&connection).await? {
            let reply = match parse(&line) {
                Request::Nothing => continue,
                Request::Add(args) => add(&args),
                Request::Invalid(command) => format!("Invalid command: {command}"),
                Request::Shutdown => {
                    co.write_all(&connection, "Okay. Shutting down.\n").await?;
                    shutting_down.set(true);
                    // Closing the listener wakes the accept loop with an error.
                    co.close_listener(&listener).await?;
                    break;
                }
            };
            co.write_all(&connection, reply + "\n").await?;
        }
        co.close(&connection).await
    })
}

/// Accepts clients, a task each, until one of them says `shutdown`.
fn server(port: u16) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = co
            .listen(addr)
            .await
            .map_err(|e| Error::msg(format!("cannot listen on {addr}: {e}")))?;
        println!("Serving on {}", listener.local_addr());
        let shutting_down = Rc::new(Cell::new(false));
        loop {
            match co.accept(&listener).await {
                Ok(connection) => {
                    let client = serve_client(connection, listener.clone(), shutting_down.clone());
                    // Detached: a client's failure (a reset) is reported on
                    // stderr by the loop, and the server goes on.
                    drop(co.spawn(client).await?);
                }
                Err(_) if shutting_down.get() => return Ok(()),
                Err(e) => {
                    eprintln!("accept failed: {e}");
                    // Out of file descriptors, say: wait a little, as asyncio does.
                    co.sleep(Duration::from_millis(100)).await?;
                }
            }
        }
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    let run = Scheduler::new().and_then(|mut scheduler| {
        scheduler.stop_on_signals(&[SIGINT, SIGTERM])?;
        if let Some(addr) = args.web {
            match trampoline::observe::Live::start(&mut scheduler, addr) {
                Ok(live) => eprintln!("Live view on http://{}/", live.addr()),
                Err(why) => eprintln!("error: no live view: {why}"),
            }
        }
        scheduler.run_until_complete(server(args.port))
    });
    match run {
        Ok(()) => ExitCode::SUCCESS,
        Err(RunError::Interrupted(signal)) => ExitCode::from(128 + signal as u8),
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
    fn commands_are_parsed_like_the_seed() {
        assert_eq!(parse("  "), Request::Nothing);
        assert_eq!(parse("ADD 3 5"), Request::Add(vec!["3".into(), "5".into()]));
        assert_eq!(parse("shutdown"), Request::Shutdown);
        assert_eq!(parse("make_tea now"), Request::Invalid("make_tea".into()));
        assert_eq!(add(&["3".into(), "5".into()]), "8");
        assert!(add(&["x".into()]).starts_with("Error: "));
    }
}
