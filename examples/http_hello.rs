//! The smallest HTTP server: `GET /` answers `Hello world!`, the server that
//! `bench/http` measures against aiohttp's and hyper's (aiohttp's "Hello
//! world" from its docs; seed `001_b900ee90dc4c61a5.txt` serves JSON with it).
//!
//! ```text
//! cargo run --release --example http_hello -- --port 8080
//! curl -i http://127.0.0.1:8080/
//! ```
//!
//! One thread, one task per connection, keep-alive. The first line on stdout
//! says where it listens (`Serving on http://127.0.0.1:PORT`).

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use signal_hook::consts::{SIGINT, SIGTERM};
use trampoline::http::{Response, Router, Server};
use trampoline::{Coroutine, RunError, Scheduler};

/// Answers `GET /` with `Hello world!`.
#[derive(Debug, Parser)]
struct Args {
    /// The port to listen on, on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 8080)]
    port: u16,
}

/// The demo binary's allocator, as the other timing examples use: every
/// request allocates a few small blocks (the handler's coroutine, the
/// head's strings), served from thread-local free lists.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn hello(port: u16) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let router = Router::new().route("GET", "/", |_request| {
            Coroutine::new(|_co| async { Ok(Response::text(200, "Hello world!")) })
        });
        let listener = co.listen(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        println!("Serving on http://{}", listener.local_addr());
        std::io::stdout().flush()?;
        co.call(Server::new(router).serve(listener)).await
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    let run = Scheduler::new().and_then(|mut scheduler| {
        scheduler.stop_on_signals(&[SIGINT, SIGTERM])?;
        scheduler.run_until_complete(hello(args.port))
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
