//! The seed's `http_charfinder.py` (seed `004_221af7cd32b1e56f.txt`, Examples 18-17 and
//! 18-18): a web page with a search form whose answer is a table of the
//! Unicode characters whose names hold every word of the query.
//!
//! ```text
//! cargo run --release --example http_charfinder -- --port 8888
//! ```
//!
//! Then open <http://127.0.0.1:8888/?query=cat+face> in a browser. The
//! chapter's lesson is the query `cjk`: over 100,000 rows, 10 MB of HTML.
//! The seed builds that page whole while every other client waits; here the
//! rows are streamed in chunks of 256 (`Transfer-Encoding: chunked`), and the
//! connection's task goes back to the loop between chunks, so a small query
//! is answered within milliseconds while `cjk` downloads. The chapter's
//! exercise, paging, is here too: `&start=0&stop=200` and a "more" link.
//! The first line on stdout says where it listens
//! (`Serving on http://127.0.0.1:PORT`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use signal_hook::consts::{SIGINT, SIGTERM};
use trampoline::http::{Request, Response, Router, Server};
use trampoline::{Coroutine, RunError, Scheduler, Stream};

#[path = "support/unicode_index.rs"]
mod unicode_index;
use unicode_index::UnicodeIndex;

/// A Unicode character finder on the web.
#[derive(Debug, Parser)]
struct Args {
    /// The port to listen on, on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 8888)]
    port: u16,
}

/// Rows per chunk: each chunk is written before the next is made.
const ROWS_PER_CHUNK: usize = 256;

/// The page up to the table: the form with the query, and the message.
fn page_head(query: &str, message: &str) -> String {
    let (query, message) = (escape(query), escape(message));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Charfinder</title>\n<style>body {{ font-family: sans-serif }} \
         th {{ font-size: 2em; font-weight: normal }} td {{ padding: 0 1em }}</style>\
         </head>\n<body>\n<form action=\"/\" method=\"get\">\
         <input type=\"search\" name=\"query\" value=\"{query}\" autofocus> \
         <input type=\"submit\" value=\"find\"> <span id=\"message\">{message}</span>\
         </form>\n<table id=\"results\">\n"
    )
}

/// The seed's `ROW_TPL`: code point, character, name.
fn row(out: &mut String, c: char) {
    let (code, name) = UnicodeIndex::describe(c);
    let glyph = escape(&c.to_string());
    let _ = writeln!(
        out,
        "<tr><td>{code}</td><th>{glyph}</th><td>{name}</td></tr>"
    );
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A query-string number, or `default`.
fn number(request: &Request, name: &str, default: usize) -> usize {
    request
        .query(name)
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(default)
}

/// The seed's `home`: the page for `?query=...` (`&start=`/`&stop=` to page).
fn home(index: Rc<UnicodeIndex>, request: Request) -> Coroutine<Response> {
    Coroutine::new(move |_co| async move {
        let query = request
            .query("query")
            .unwrap_or_default()
            .trim()
            .to_string();
        println!("Query: {query:?}");
        let found = index.find(&query);
        let stop = number(&request, "stop", usize::MAX).min(found.len());
        let start = number(&request, "start", 0).min(stop);
        let message = match (query.is_empty(), start, stop == found.len()) {
            (true, ..) => "Enter words describing characters.".to_string(),
            (false, 0, true) => format!("{} for '{query}'", UnicodeIndex::matches(found.len())),
            (false, ..) => format!(
                "{} for '{query}', {}–{} shown",
                UnicodeIndex::matches(found.len()),
                start + 1,
                stop
            ),
        };
        let more = (stop < found.len()).then(|| {
            let (next, q) = (stop + (stop - start).max(1), escape(&query).replace(' ', "+"));
            format!("<p><a id=\"more\" href=\"/?query={q}&amp;start={stop}&amp;stop={next}\">more</a></p>\n")
        });
        let page = Stream::new(move |y| async move {
            y.emit(page_head(&query, &message).into_bytes()).await?;
            for rows in found[start..stop].chunks(ROWS_PER_CHUNK) {
                let mut chunk = String::with_capacity(rows.len() * 100);
                for &c in rows {
                    row(&mut chunk, c);
                }
                y.emit(chunk.into_bytes()).await?;
                // The others' turn: without this a fast client could keep
                // the loop on this page for its whole length.
                y.sleep(Duration::ZERO).await?;
            }
            let end = format!("</table>\n{}</body></html>\n", more.unwrap_or_default());
            y.emit(end.into_bytes()).await
        });
        println!("Sending {} results", stop - start);
        Ok(Response::streamed(200, "text/html; charset=utf-8", page))
    })
}

/// The seed's `init` + `main`: the index, the route, the server.
fn server(port: u16) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let index = Rc::new(UnicodeIndex::new());
        let router = Router::new().route("GET", "/", move |request| home(index.clone(), request));
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
