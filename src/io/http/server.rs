//! The server: an accept loop that starts one task per connection; each
//! connection's task reads a request, calls the router's handler, writes the
//! response, and goes round again while the client keeps the connection
//! alive. A bad request is answered with its status (400, 408, 413, 431) and
//! its connection closed; the server goes on.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use super::message::{Body, Sent};
use super::wire::{Failure, Framing, Head, Wire};
use super::{
    BODY_TIMEOUT, DEFAULT_MAX_BODY, HEAD_TIMEOUT, HttpError, LINGER_BYTES, LINGER_TIME, Request,
    Response, Router,
};
use crate::io::{Connection, Listener};
use crate::kernel::{Co, Coroutine, Error};

/// An HTTP/1.1 server for a [`Router`]'s routes.
///
/// ```
/// use trampoline::http::{Client, Response, Router, Server};
/// use trampoline::{Coroutine, Scheduler};
///
/// let router = Router::new().route("PUT", "/echo", |request| {
///     Coroutine::new(move |_co| async move { Ok(Response::text(200, request.body().to_vec().len().to_string())) })
/// });
/// let server = Server::new(router).max_body(10);
/// let main = Coroutine::new(|co| async move {
///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
///     let url = format!("http://{}/echo", listener.local_addr());
///     co.spawn(server.serve(listener)).await?;
///     let small = co.call(Client::new().put(&url, "text/plain", "12345")).await?;
///     let big = co.call(Client::new().put(&url, "text/plain", "12345678901")).await?;
///     Ok((small.body_text(), big.status()))
/// });
/// let (small, big) = Scheduler::new().unwrap().run_until_complete(main).unwrap();
/// assert_eq!((small.as_str(), big), ("5", 413));
/// ```
pub struct Server {
    shared: Rc<Shared>,
}

/// What every connection's task of one server shares.
struct Shared {
    router: Router,
    max_body: usize,
    head_timeout: Duration,
    body_timeout: Duration,
    /// The `Date` header of the current second: formatting it once a second
    /// instead of once a response.
    date: RefCell<(u64, String)>,
}

impl Server {
    /// A server for `router`'s routes, with the default limits
    /// ([`DEFAULT_MAX_BODY`], [`HEAD_TIMEOUT`], [`BODY_TIMEOUT`]).
    ///
    /// ```
    /// let server = trampoline::http::Server::new(trampoline::http::Router::new());
    /// # let _ = server;
    /// ```
    pub fn new(router: Router) -> Self {
        Server {
            shared: Rc::new(Shared {
                router,
                max_body: DEFAULT_MAX_BODY,
                head_timeout: HEAD_TIMEOUT,
                body_timeout: BODY_TIMEOUT,
                date: RefCell::new((u64::MAX, String::new())),
            }),
        }
    }

    /// The same server with another limit on request bodies: a longer body is
    /// answered `413 Content Too Large`.
    ///
    /// ```
    /// use trampoline::http::{Router, Server};
    /// let server = Server::new(Router::new()).max_body(64 * 1024);
    /// # let _ = server;
    /// ```
    pub fn max_body(self, bytes: usize) -> Self {
        self.with(|shared| shared.max_body = bytes)
    }

    /// The same server with another time limit on request heads: a client
    /// that has not sent a complete head this long after the server started
    /// waiting for it is answered `408 Request Timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use trampoline::http::{Router, Server};
    /// let server = Server::new(Router::new()).head_timeout(Duration::from_secs(2));
    /// # let _ = server;
    /// ```
    pub fn head_timeout(self, timeout: Duration) -> Self {
        self.with(|shared| shared.head_timeout = timeout)
    }

    /// The same server with another time limit on request bodies: a client
    /// that has not sent the whole body this long after its head is
    /// answered `408 Request Timeout`, however it trickles.
    ///
    /// ```
    /// use std::time::Duration;
    /// use trampoline::http::{Router, Server};
    /// let server = Server::new(Router::new()).body_timeout(Duration::from_secs(60));
    /// # let _ = server;
    /// ```
    pub fn body_timeout(self, timeout: Duration) -> Self {
        self.with(|shared| shared.body_timeout = timeout)
    }

    fn with(self, change: impl FnOnce(&mut Shared)) -> Self {
        let mut shared = Rc::try_unwrap(self.shared)
            .unwrap_or_else(|_| unreachable!("BUG: a Server is configured before it serves"));
        change(&mut shared);
        Server {
            shared: Rc::new(shared),
        }
    }

    /// The accept loop: a task per client, until the listener is closed
    /// (then this returns the `Err` that `accept` got).
    ///
    /// ```
    /// use trampoline::http::{Router, Server};
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
    ///     let serving = co.spawn(Server::new(Router::new()).serve(listener.clone())).await?;
    ///     co.close_listener(&listener).await?;
    ///     Ok(co.join(serving).await.is_err())
    /// });
    /// assert!(Scheduler::new().unwrap().run_until_complete(main).unwrap());
    /// ```
    pub fn serve(self, listener: Listener) -> Coroutine<()> {
        Coroutine::new(move |co| async move {
            loop {
                let connection = co.accept(&listener).await?;
                drop(
                    co.spawn(connection_task(self.shared.clone(), connection))
                        .await?,
                );
            }
        })
        .named("http_serve")
    }
}

/// What a connection is waiting for, as its watchdog sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// A request head: at the deadline, a 408 if a byte of it came (`seen`),
    /// else a silent close (an idle keep-alive connection).
    Head,
    /// The rest of a request body: at the deadline, a 408.
    Body,
    /// The end of a client's input after an error answer: at the deadline,
    /// the close.
    Linger,
}

/// A watchdog's view of its connection: what it waits for and until when
/// (nothing while a handler runs or a response is written), whether a byte
/// of the head has come, and whether the watchdog has answered 408 already.
struct Waiting {
    phase: Cell<Phase>,
    deadline: Cell<Option<Duration>>,
    seen: Cell<bool>,
    expired: Cell<bool>,
}

impl Waiting {
    async fn until(&self, co: &Co, phase: Phase, timeout: Duration) -> Result<(), Error> {
        self.phase.set(phase);
        self.deadline.set(Some(co.now().await? + timeout));
        Ok(())
    }
}

/// One connection: requests and responses until either side closes.
fn connection_task(shared: Rc<Shared>, connection: Connection) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let waiting = Rc::new(Waiting {
            phase: Cell::new(Phase::Head),
            deadline: Cell::new(None),
            seen: Cell::new(false),
            expired: Cell::new(false),
        });
        let nap = shared
            .head_timeout
            .min(shared.body_timeout)
            .min(LINGER_TIME);
        let watchdog = co
            .spawn(watchdog(nap, waiting.clone(), connection.clone()))
            .await?;
        let mut wire = Wire::new(connection);
        let outcome = serve_requests(&co, &shared, &mut wire, &waiting).await;
        watchdog.cancel();
        let _ = co.close(&wire.connection).await;
        match outcome {
            Err(error) if error.is_cancelled() => Err(error),
            // The client went away or broke the protocol: its task ends
            // quietly, the server goes on.
            _ => Ok(()),
        }
    })
    .named("http_connection")
}

/// The keep-alive loop of one connection.
async fn serve_requests(
    co: &Co,
    shared: &Shared,
    wire: &mut Wire,
    waiting: &Waiting,
) -> Result<(), Error> {
    loop {
        waiting.seen.set(false);
        waiting.until(co, Phase::Head, shared.head_timeout).await?;
        let head = wire.request_head(co, &waiting.seen).await;
        let request = match head {
            Ok(Some(head)) => read_request(co, shared, wire, waiting, head).await,
            Ok(None) => return Ok(()),
            Err(failure) => Err(failure),
        };
        if waiting.expired.get() {
            // The watchdog has answered 408 while we read: what still comes
            // is read and dropped until its lingering deadline.
            return linger(co, wire).await;
        }
        waiting.deadline.set(None);
        let Incoming {
            request,
            version,
            keep_alive,
        } = match request {
            Ok(incoming) => incoming,
            Err(Failure::Http(error)) => {
                // The watchdog bounds the answer's write and the lingering.
                waiting.until(co, Phase::Linger, LINGER_TIME).await?;
                let response = Response::text(status_for(&error), format!("{error}\n"));
                write_response(co, shared, &wire.connection, response, false, 1, false).await?;
                co.shutdown_write(&wire.connection).await?;
                return linger(co, wire).await;
            }
            Err(Failure::Io(error)) => return Err(error),
        };
        let head_only = request.method == "HEAD";
        let response = match co.call(shared.router.handle(request)).await {
            Ok(response) => response,
            Err(error) if error.is_cancelled() => return Err(error),
            Err(error) => Response::text(500, format!("{error}\n")),
        };
        write_response(
            co,
            shared,
            &wire.connection,
            response,
            keep_alive,
            version,
            head_only,
        )
        .await?;
        if !keep_alive {
            return Ok(());
        }
    }
}

/// A lingering close, after an error answer and the end of our output
/// (`shutdown_write`): what the client still sends (the rest of a body it
/// was uploading) is read and dropped, up to [`LINGER_BYTES`] or the end of
/// its stream, and the watchdog closes at [`LINGER_TIME`]. Closing at once,
/// with its bytes unread, would send a reset that can destroy our answer
/// before the client reads it.
async fn linger(co: &Co, wire: &mut Wire) -> Result<(), Error> {
    let mut dropped = wire.discard();
    while dropped < LINGER_BYTES {
        let bytes = co.read_some_from(&wire.connection, 64 * 1024).await?;
        if bytes.is_empty() {
            break;
        }
        dropped += bytes.len();
    }
    Ok(())
}

/// The status that answers a client's protocol error.
fn status_for(error: &HttpError) -> u16 {
    match error {
        HttpError::HeadTooLarge => 431,
        HttpError::TooLarge { .. } => 413,
        HttpError::BadUrl(_) | HttpError::Malformed(_) | HttpError::Truncated => 400,
    }
}

/// A whole request, and what its head says about the connection.
struct Incoming {
    request: Request,
    /// `1` for HTTP/1.1, `0` for HTTP/1.0 (which knows no chunks).
    version: u8,
    keep_alive: bool,
}

/// The body after `head`: the whole request.
async fn read_request(
    co: &Co,
    shared: &Shared,
    wire: &mut Wire,
    waiting: &Waiting,
    head: Head,
) -> Result<Incoming, Failure> {
    let framing = head.framing(true)?;
    if let Framing::Length(length) = framing
        && length > shared.max_body as u64
    {
        return Err(HttpError::TooLarge {
            limit: shared.max_body,
        }
        .into());
    }
    let expects = super::message::find_header(&head.headers, "expect");
    if framing != Framing::Empty && expects.is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        co.write_all(&wire.connection, &b"HTTP/1.1 100 Continue\r\n\r\n"[..])
            .await?;
    }
    if framing != Framing::Empty {
        waiting.until(co, Phase::Body, shared.body_timeout).await?;
    }
    let body = wire.body(co, framing, shared.max_body).await?;
    let keep_alive = head.keep_alive();
    let request = Request {
        method: head.method,
        target: head.target,
        headers: head.headers,
        body,
        params: Vec::new(),
        peer: Some(wire.connection.peer_addr()),
    };
    Ok(Incoming {
        request,
        version: head.version,
        keep_alive,
    })
}

/// Writes `response`: whole, or chunk by chunk as its stream emits them (to
/// an HTTP/1.0 client, which knows no chunks, raw and then closed). To a
/// `HEAD` request (`head_only`), the head that a `GET` would get, with its
/// `Content-Length`, and no body: a stream is dropped without a chunk made.
async fn write_response(
    co: &Co,
    shared: &Shared,
    connection: &Connection,
    response: Response,
    keep_alive: bool,
    version: u8,
    head_only: bool,
) -> Result<(), Error> {
    let date = shared.date(co).await?;
    let response = match (version, keep_alive, &response.body) {
        // HTTP/1.0 closes unless told otherwise (`ab -k` asks).
        (0, true, Body::Bytes(_)) => response.with_header("Connection", "keep-alive"),
        _ => response,
    };
    match response.body {
        Body::Bytes(ref body) if head_only => {
            let head = response.head(&date, Sent::Length(body.len()), !keep_alive);
            co.write_all(connection, head).await
        }
        Body::Stream(_) if head_only => {
            let framing = if version == 0 {
                Sent::ToTheEnd
            } else {
                Sent::Chunked
            };
            let head = response.head(&date, framing, !keep_alive);
            co.write_all(connection, head).await
        }
        Body::Bytes(ref body) => {
            let mut bytes = response.head(&date, Sent::Length(body.len()), !keep_alive);
            bytes.extend_from_slice(body);
            co.write_all(connection, bytes).await
        }
        Body::Stream(_) if version == 0 => {
            let head = response.head(&date, Sent::ToTheEnd, true);
            co.write_all(connection, head).await?;
            let Body::Stream(mut chunks) = response.body else {
                unreachable!("BUG: matched a stream above")
            };
            while let Some(chunk) = co.next(&mut chunks).await? {
                co.write_all(connection, chunk).await?;
            }
            co.close(connection).await
        }
        Body::Stream(_) => {
            co.write_all(connection, response.head(&date, Sent::Chunked, !keep_alive))
                .await?;
            let Body::Stream(mut chunks) = response.body else {
                unreachable!("BUG: matched a stream above")
            };
            while let Some(chunk) = co.next(&mut chunks).await? {
                if chunk.is_empty() {
                    continue; // an empty chunk would end the body
                }
                let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
                framed.extend_from_slice(&chunk);
                framed.extend_from_slice(b"\r\n");
                co.write_all(connection, framed).await?;
            }
            co.write_all(connection, &b"0\r\n\r\n"[..]).await
        }
    }
}

impl Shared {
    /// The `Date` header's value, from the loop's wall clock.
    async fn date(&self, co: &Co) -> Result<String, Error> {
        let now = co.unix_time().await?;
        let mut date = self.date.borrow_mut();
        if date.0 != now.as_secs() {
            let time = SystemTime::UNIX_EPOCH + Duration::from_secs(now.as_secs());
            *date = (now.as_secs(), httpdate::fmt_http_date(time));
        }
        Ok(date.1.clone())
    }
}

/// Keeps its connection's deadlines (a [`Phase`] each): a head or a body
/// that has not come in time is answered `408 Request Timeout` (an idle
/// keep-alive connection is closed without a word), then the connection
/// lingers like after any error answer, and is closed when that time is up.
/// It sleeps until the deadline or for `nap` (the shortest timeout),
/// whichever comes first, so a deadline set meanwhile is never missed.
fn watchdog(nap: Duration, waiting: Rc<Waiting>, connection: Connection) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        loop {
            let now = co.now().await?;
            match waiting.deadline.get() {
                None => co.sleep(nap).await?,
                Some(deadline) if now < deadline => co.sleep((deadline - now).min(nap)).await?,
                Some(_) => match waiting.phase.get() {
                    Phase::Head if !waiting.seen.get() => break,
                    Phase::Linger => break,
                    phase @ (Phase::Head | Phase::Body) => {
                        waiting.expired.set(true);
                        waiting.until(&co, Phase::Linger, LINGER_TIME).await?;
                        let what = if phase == Phase::Head { "head" } else { "body" };
                        let response =
                            Response::text(408, format!("no complete request {what} in time\n"));
                        let date = httpdate::fmt_http_date(SystemTime::now());
                        let mut bytes =
                            response.head(&date, Sent::Length(response.body().len()), true);
                        bytes.extend_from_slice(response.body());
                        co.write_all(&connection, bytes).await?;
                        co.shutdown_write(&connection).await?;
                    }
                },
            }
        }
        co.close(&connection).await
    })
    .named("http_watchdog")
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("router", &self.shared.router)
            .field("max_body", &self.shared.max_body)
            .field("head_timeout", &self.shared.head_timeout)
            .field("body_timeout", &self.shared.body_timeout)
            .finish()
    }
}
