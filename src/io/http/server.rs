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
use super::{DEFAULT_MAX_BODY, HEAD_TIMEOUT, HttpError, Request, Response, Router};
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
    /// The `Date` header of the current second: formatting it once a second
    /// instead of once a response.
    date: RefCell<(u64, String)>,
}

impl Server {
    /// A server for `router`'s routes, with the default limits
    /// ([`DEFAULT_MAX_BODY`], [`HEAD_TIMEOUT`]).
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

/// A watchdog's view of its connection: since when it waits for a head (if
/// it does), and whether a byte of that head has come.
#[derive(Default)]
struct Waiting {
    since: Cell<Option<Duration>>,
    seen: Cell<bool>,
}

/// One connection: requests and responses until either side closes.
fn connection_task(shared: Rc<Shared>, connection: Connection) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let waiting = Rc::new(Waiting::default());
        let watchdog = co
            .spawn(watchdog(
                shared.head_timeout,
                waiting.clone(),
                connection.clone(),
            ))
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
        waiting.since.set(Some(co.now().await?));
        let head = wire.request_head(co, &waiting.seen).await;
        waiting.since.set(None);
        let request = match head {
            Ok(Some(head)) => read_request(co, shared, wire, head).await,
            Ok(None) => return Ok(()),
            Err(failure) => Err(failure),
        };
        let Incoming {
            request,
            version,
            keep_alive,
        } = match request {
            Ok(incoming) => incoming,
            Err(Failure::Http(error)) => {
                let response = Response::text(status_for(&error), format!("{error}\n"));
                return write_response(co, shared, &wire.connection, response, false, 1).await;
            }
            Err(Failure::Io(error)) => return Err(error),
        };
        let response = match co.call(shared.router.handle(request)).await {
            Ok(response) => response,
            Err(error) if error.is_cancelled() => return Err(error),
            Err(error) => Response::text(500, format!("{error}\n")),
        };
        write_response(co, shared, &wire.connection, response, keep_alive, version).await?;
        if !keep_alive {
            return Ok(());
        }
    }
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
/// an HTTP/1.0 client, which knows no chunks, raw and then closed).
async fn write_response(
    co: &Co,
    shared: &Shared,
    connection: &Connection,
    response: Response,
    keep_alive: bool,
    version: u8,
) -> Result<(), Error> {
    let date = shared.date(co).await?;
    let response = match (version, keep_alive, &response.body) {
        // HTTP/1.0 closes unless told otherwise (`ab -k` asks).
        (0, true, Body::Bytes(_)) => response.with_header("Connection", "keep-alive"),
        _ => response,
    };
    match response.body {
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

/// Closes a connection whose client has not sent a complete head within
/// `timeout` of the server waiting for it: with a 408 if some of the head
/// came, silently if the connection was just idle between requests.
fn watchdog(timeout: Duration, waiting: Rc<Waiting>, connection: Connection) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        loop {
            let now = co.now().await?;
            let nap = match waiting.since.get() {
                None => timeout,
                Some(since) if now >= since + timeout => break,
                Some(since) => since + timeout - now,
            };
            co.sleep(nap).await?;
        }
        if waiting.seen.get() {
            let response = Response::text(408, "no complete request head in time\n");
            let date = httpdate::fmt_http_date(SystemTime::now());
            let mut bytes = response.head(&date, Sent::Length(response.body().len()), true);
            bytes.extend_from_slice(response.body());
            let _ = co.write_all(&connection, bytes).await;
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
            .finish()
    }
}
