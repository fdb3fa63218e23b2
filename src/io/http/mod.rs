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
//! Limits chosen on purpose (design.md says why): a request head of at most
//! [`MAX_HEAD`] bytes and [`MAX_HEADERS`] headers, a body of at most
//! [`DEFAULT_MAX_BODY`] unless [`Server::max_body`] says otherwise, a
//! complete head within [`HEAD_TIMEOUT`].
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

/// What went wrong with an HTTP exchange, as the client sees it. It reaches
/// the caller as an [`Error`](crate::Error) with this text.
///
/// ```
/// use trampoline::http::HttpError;
/// let e = HttpError::TooLarge { limit: 10 };
/// assert_eq!(e.to_string(), "the response body is over the limit of 10 bytes");
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
    #[error("the response body is over the limit of {limit} bytes")]
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
