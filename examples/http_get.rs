//! The seed's ipify client (seed `000_b9df22a678fa2ed1.txt`, "get_my_ip_address"): an HTTP/1.1
//! GET, then the status line, the headers and a JSON body read back, each
//! step a coroutine whose error reaches the top like a synchronous exception
//! would.
//!
//! ```text
//! cargo run --example http_get
//! cargo run --example http_get -- --port 9    # nobody listens there: the error path
//! ```
//!
//! No internet: instead of api.ipify.org, the example starts its own tiny
//! server on 127.0.0.1 (a task on the same loop) that answers, like ipify,
//! with the address it sees the client connect from. Both sides are
//! `trampoline::http`: the seed wrote and parsed HTTP by hand, the crate's
//! client and server do it with `httparse`.

use std::net::SocketAddr;

use clap::Parser;
use trampoline::http::{Client, Response, Router, Server};
use trampoline::{Coroutine, Error, Scheduler};

/// Asks a local "what is my IP" server.
#[derive(Debug, Parser)]
struct Args {
    /// Ask a server on this port of 127.0.0.1 instead of starting one.
    #[arg(long)]
    port: Option<u16>,
}

const REQUEST_HEADERS: [(&str, &str); 3] = [
    ("User-Agent", "trampoline/0.1"),
    ("Accept", "application/json"),
    ("Accept-Charset", "UTF-8"),
];

// ---------------------------------------------------------------- the client

/// The seed's `get_my_ip_address`.
fn get_my_ip_address(server: SocketAddr, verbose: bool) -> Coroutine<String> {
    Coroutine::new(move |co| async move {
        let url = format!("http://{server}/?format=json");
        let request = Client::new().request("GET", &url, &REQUEST_HEADERS, Vec::new());
        let response = co.call(request).await?;
        if verbose {
            println!("Got status {} {}", response.status(), response.reason());
            println!("Response headers:");
            for (key, value) in response.headers() {
                println!("{key}: {value}");
            }
        }
        let body: serde_json::Value = serde_json::from_slice(response.body())
            .map_err(|e| Error::msg(format!("the body is not JSON: {e}")))?;
        body["ip"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| Error::msg(format!("no \"ip\" in {body}")))
    })
}

/// The seed's `print_my_ip_address`: every error, from any depth, lands here.
fn print_my_ip_address(server: SocketAddr, verbose: bool) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        match co.call(get_my_ip_address(server, verbose)).await {
            Ok(ip) => {
                println!("My IP address is:");
                println!("{ip}");
            }
            Err(e) => println!("Error:  {e}"),
        }
        Ok(())
    })
}

// ---------------------------------------------------------------- the server

/// The local stand-in for api.ipify.org: the client's address as JSON.
fn ipify() -> Router {
    Router::new().route("GET", "/", |request| {
        Coroutine::new(move |_co| async move {
            let ip = request.peer_addr().map(|peer| peer.ip().to_string());
            let body = serde_json::json!({ "ip": ip }).to_string();
            Ok(Response::json(200, body))
        })
    })
}

fn main_task(port: Option<u16>) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let server = match port {
            Some(port) => SocketAddr::from(([127, 0, 0, 1], port)),
            None => {
                let listener = co
                    .listen("127.0.0.1:0".parse().expect("a valid address"))
                    .await?;
                let addr = listener.local_addr();
                println!("Serving on http://{addr}");
                drop(co.spawn(Server::new(ipify()).serve(listener)).await?);
                addr
            }
        };
        co.call(print_my_ip_address(server, true)).await
    })
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match Scheduler::new().and_then(|mut s| s.run_until_complete(main_task(args.port))) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
