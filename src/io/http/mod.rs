//! HTTP/1.1 for coroutines: a [`Server`] that runs one task per connection
//! and a [`Client`], both written on the crate's TCP system calls
//! (`read_some_from`, `read_exact_from`, `write_all`). Parsing is
//! `httparse`'s, dates are `httpdate`'s: nothing here parses HTTP by hand.
//!
//! A request goes through these files in order:
//!
//! | file | step |
//! |---|---|
//! | `server.rs` | accept, one task per connection, the keep-alive loop, the 408 watchdog |
//! | `wire.rs` | bytes to a request head (431, 400), a body by length or chunks (413) |
//! | `router.rs` | method + path pattern (`/stuff/{id}`) to the handler coroutine |
//! | `message.rs` | [`Request`] and [`Response`], and how a response is written |
//! | `client.rs` | the other direction, with a size limit and a timeout |
//!
//! `httparse` is zero-copy and says `Partial` until a head is complete, so a
//! connection keeps its own buffer (`wire.rs`) and fills it with
//! `co.read_some_from`: "what has arrived, up to N bytes". A whole request
//! usually arrives in one `read(2)`, so a keep-alive request costs one read,
//! one parse and one `write_all`.
//!
//! - A streamed response ([`Response::streamed`]) is a toolkit `Stream` of
//!   chunks whose generator runs on the connection task's own stack; each
//!   chunk is written before the next is made, so a big answer never sits
//!   whole in memory, and a slow reader parks the task on the socket (the
//!   kernel's send buffer is full) while other connections are served. A
//!   handler that makes chunks faster than they can be sent gives the loop
//!   its turn with `sleep(0)` (the HTTP charfinder does, every 256 rows).
//! - The 408 is one watchdog task per connection, asleep until the head or
//!   body deadline, instead of a `wait_for` (a task) per read. It knows
//!   whether a byte of the head has come: an idle keep-alive connection is
//!   closed without a word, a half-sent head or body gets `408 Request
//!   Timeout` first. It also bounds a lingering close (below).
//! - An error answer (400, 408, 413, 431) is followed by a lingering close,
//!   as Apache and nginx do: `shutdown_write`, then what the client still
//!   sends is read and dropped ([`LINGER_BYTES`], [`LINGER_TIME`]) before the
//!   close. Closing with unread input would send a TCP reset, and a client
//!   still uploading could lose our answer to it.
//! - `HEAD` is answered by the `GET` route unless a `HEAD` route exists: the
//!   same status and headers, `Content-Length` included, and no body
//!   (RFC 9110 §9.3.2); a streamed answer is dropped before its first chunk.
//! - A protocol error ([`HttpError`]) is the client's fault and answered with
//!   its status; a socket error ends the connection's task quietly. Either
//!   way the task returns `Ok`, so nothing is reported as never retrieved,
//!   and the accept loop goes on.
//!
//! # Limits
//!
//! Chosen on purpose (design.md lists them with the crate's other limits):
//!
//! - A request head is at most [`MAX_HEAD`] (16 KiB) and [`MAX_HEADERS`]
//!   (64) headers: more is `431`. Checked on every read, so a head that
//!   never ends costs 16 KiB plus one read, not more. The client holds a
//!   response head to the same limits.
//! - A request body is at most [`DEFAULT_MAX_BODY`] (1 MiB) unless
//!   [`Server::max_body`] says otherwise: more is `413`, refused before
//!   reading when a `Content-Length` announces it, and as soon as the sum
//!   passes the limit for chunks.
//! - A complete head within [`HEAD_TIMEOUT`] (10 s) of the server starting to
//!   wait for it ([`Server::head_timeout`]), else `408`; the whole body
//!   within [`BODY_TIMEOUT`] (10 s) of the head ([`Server::body_timeout`]),
//!   else `408`: a client that trickles or stalls its body cannot hold the
//!   connection.
//! - Malformed requests are `400`: what `httparse` refuses, a bad or
//!   conflicting `Content-Length`, both `Content-Length` and
//!   `Transfer-Encoding`, a transfer coding other than `chunked` (the classic
//!   request-smuggling openings). Every error status closes the connection,
//!   lingering.
//! - The client: one connection per request (`Connection: close`), a body of
//!   at most [`DEFAULT_MAX_RESPONSE`] (64 MiB, [`Client::max_body`]) however
//!   it is framed (an announced `Content-Length: 2^64-1` is refused before a
//!   byte is read), and [`DEFAULT_TIMEOUT`] (30 s, [`Client::timeout`]) for
//!   the whole exchange, through the toolkit's `wait_for`. URLs are
//!   `http://IP:PORT/path` or `localhost`: no DNS (it would block the loop),
//!   no TLS, no connection pool.
//! - Not done: no compression, no `Range`, no HTTP/2, no pipelined responses
//!   written before earlier ones (pipelined requests are answered in order,
//!   one at a time).
//!
//! ```
//! use trampoline::http::{Client, Response, Router, Server};
//! use trampoline::{Coroutine, Scheduler};
//!
//! let router = Router::new().route("GET", "/hello/{name}", |request| {
//!     Coroutine::new(move |_co| async move {
//!         Ok(Response::text(200, format!("Hello, {}!", request.param("name").unwrap())))
//!     })
//! });
//! let main = Coroutine::new(|co| async move {
//!     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
//!     let url = format!("http://{}/hello/world", listener.local_addr());
//!     co.spawn(Server::new(router).serve(listener)).await?;
//!     let response = co.call(Client::new().get(&url)).await?;
//!     Ok((response.status(), response.body().to_vec()))
//! });
//! let (status, body) = Scheduler::new().unwrap().run_until_complete(main).unwrap();
//! assert_eq!((status, &body[..]), (200, &b"Hello, world!"[..]));
//! ```

mod client;
mod message;
mod router;
mod server;
mod wire;

use std::time::Duration;

pub use client::{Client, DEFAULT_MAX_RESPONSE, DEFAULT_TIMEOUT};
pub use message::{Request, Response};
pub use router::{Handler, Router};
pub use server::Server;

/// The most bytes a request head (request line and headers) may take; more
/// is answered `431 Request Header Fields Too Large`. The client holds a
/// server's response head to the same limit.
pub const MAX_HEAD: usize = 16 * 1024;

/// The most headers a head may have (`httparse` parses into a fixed array);
/// more is a 431 too.
pub const MAX_HEADERS: usize = 64;

/// The largest request body a [`Server`] takes unless told otherwise; more is
/// answered `413 Content Too Large`.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// How long a [`Server`] waits for a complete request head, from the moment
/// it starts waiting for one; then it answers `408 Request Timeout` (or just
/// closes an idle keep-alive connection) and closes.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a [`Server`] waits for a whole request body once its head has
/// come ([`Server::body_timeout`]); then it answers `408 Request Timeout`.
/// With the default [`DEFAULT_MAX_BODY`], a client slower than ~100 KiB/s
/// is cut off.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// After an error answer, how long a [`Server`] goes on reading (and
/// dropping) what the client still sends before it closes: a lingering
/// close, so an upload cut short by a 413 reads the 413, not a reset.
pub const LINGER_TIME: Duration = Duration::from_secs(2);

/// The most bytes a lingering close reads and drops before it closes.
pub const LINGER_BYTES: usize = 4 * 1024 * 1024;

/// What went wrong with an HTTP exchange, as the client sees it. It reaches
/// the caller as an [`Error`](crate::Error) with this text.
///
/// ```
/// use trampoline::http::HttpError;
/// let e = HttpError::TooLarge { limit: 10 };
/// assert_eq!(e.to_string(), "the body is over the limit of 10 bytes");
/// ```
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpError {
    /// The URL is not `http://IP:PORT/path` (the crate has no DNS resolver;
    /// `localhost` is understood).
    #[error("not a URL this client can reach: {0:?} (want http://IP:PORT/path)")]
    BadUrl(String),
    /// The peer sent something that is not HTTP/1.1.
    #[error("malformed HTTP: {0}")]
    Malformed(String),
    /// The head is over [`MAX_HEAD`] bytes or [`MAX_HEADERS`] headers.
    #[error("the head is over the limit of {MAX_HEAD} bytes or {MAX_HEADERS} headers")]
    HeadTooLarge,
    /// The body is over the limit.
    #[error("the body is over the limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The peer closed the connection in the middle of a message.
    #[error("the connection closed in the middle of a message")]
    Truncated,
}

impl From<HttpError> for crate::kernel::Error {
    fn from(error: HttpError) -> Self {
        crate::kernel::Error::msg(error.to_string())
    }
}
