//! HTTP on the trampoline: the library's server and client (`src/io/http/`)
//! against real clients and hostile peers, and the HTTP examples as
//! processes (`rest_store`, `http_charfinder`, `http_hello`, the browser).
//!
//! Every server runs on 127.0.0.1, every wait has a deadline.

mod support;

#[path = "http/browser.rs"]
mod browser;
#[path = "http/client.rs"]
mod client;
#[path = "http/examples.rs"]
mod examples;
#[path = "http/limits.rs"]
mod limits;
#[path = "http/server.rs"]
mod server;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

use trampoline::http::{Response, Router, Server};
use trampoline::{Coroutine, Scheduler, Stream};

/// How long any single read from a server may take in these tests.
const PATIENCE: Duration = Duration::from_secs(10);

/// The routes the library tests serve: `GET /` says hello, `POST /echo`
/// answers the body it got, `GET /count/{n}` streams `n` numbered lines.
pub fn test_router() -> Router {
    Router::new()
        .route("GET", "/", |_request| {
            Coroutine::new(|_co| async { Ok(Response::text(200, "Hello world!")) })
        })
        .route("POST", "/echo", |request| {
            Coroutine::new(move |_co| async move {
                Ok(Response::bytes(
                    200,
                    "application/octet-stream",
                    request.body().to_vec(),
                ))
            })
        })
        .route("GET", "/count/{n}", |request| {
            let n: u32 = request.param("n").and_then(|n| n.parse().ok()).unwrap_or(0);
            Coroutine::new(move |_co| async move {
                let lines = Stream::new(move |y| async move {
                    for i in 1..=n {
                        y.emit(format!("line {i}\n").into_bytes()).await?;
                    }
                    Ok(())
                });
                Ok(Response::streamed(200, "text/plain", lines))
            })
        })
}

/// Starts `make()`'s server on a thread of its own (it runs until the test
/// process ends) and returns its address.
pub fn serve(make: fn() -> Server) -> SocketAddr {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let main = Coroutine::new(move |co| async move {
            let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
            tx.send(listener.local_addr()).unwrap();
            co.call(make().serve(listener)).await
        });
        Scheduler::new().unwrap().run_until_complete(main).unwrap();
    });
    rx.recv_timeout(PATIENCE).expect("the server starts")
}

/// Sends `bytes` on a new connection and reads until the server closes it.
pub fn exchange(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(bytes).unwrap();
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the server answers and closes within the deadline");
    String::from_utf8_lossy(&answer).into_owned()
}

/// `curl` with these arguments (and a deadline): its stdout.
pub fn curl(args: &[&str]) -> String {
    let output = std::process::Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "20"])
        .args(args)
        .output()
        .expect("curl runs (the tests need curl)");
    assert!(output.status.success(), "curl {args:?}: {output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}
