//! The client: one request per connection (`Connection: close`), the answer
//! read with the same limits the server keeps, and a timeout on the whole
//! exchange. A hostile server gets an `Err`, never our memory.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use super::message::Body;
use super::wire::{Framing, Wire};
use super::{HttpError, Response};
use crate::kernel::{Coroutine, Error};
use crate::toolkit::wait_for;

/// The largest response body a [`Client`] takes unless told otherwise.
pub const DEFAULT_MAX_RESPONSE: usize = 64 * 1024 * 1024;

/// How long a [`Client`] waits for a whole exchange unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// An HTTP/1.1 client for `http://IP:PORT/path` URLs.
///
/// ```
/// use trampoline::http::{Client, Response, Router, Server};
/// use trampoline::{Coroutine, Scheduler};
///
/// let router = Router::new().route("POST", "/count", |request| {
///     Coroutine::new(move |_co| async move {
///         Ok(Response::json(200, format!("{{\"bytes\": {}}}", request.body().len())))
///     })
/// });
/// let main = Coroutine::new(|co| async move {
///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
///     let base = format!("http://{}", listener.local_addr());
///     co.spawn(Server::new(router).serve(listener)).await?;
///     let client = Client::new();
///     let counted = co.call(client.post(&format!("{base}/count"), "text/plain", "four")).await?;
///     let missing = co.call(client.get(&format!("{base}/nowhere"))).await?;
///     Ok((counted.body_text(), missing.status()))
/// });
/// let (counted, missing) = Scheduler::new().unwrap().run_until_complete(main).unwrap();
/// assert_eq!((counted.as_str(), missing), (r#"{"bytes": 4}"#, 404));
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    timeout: Duration,
    max_body: usize,
}

impl Default for Client {
    fn default() -> Self {
        Client::new()
    }
}

impl Client {
    /// A client with the default limits ([`DEFAULT_TIMEOUT`],
    /// [`DEFAULT_MAX_RESPONSE`]).
    ///
    /// ```
    /// let client = trampoline::http::Client::new();
    /// # let _ = client;
    /// ```
    pub fn new() -> Self {
        Client {
            timeout: DEFAULT_TIMEOUT,
            max_body: DEFAULT_MAX_RESPONSE,
        }
    }

    /// The same client with another time limit for a whole exchange, from
    /// connecting to the last byte of the body; past it the request fails
    /// with [`ErrorKind::TimedOut`](crate::ErrorKind::TimedOut).
    ///
    /// ```
    /// let client = trampoline::http::Client::new().timeout(std::time::Duration::from_secs(5));
    /// # let _ = client;
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The same client with another limit on response bodies; a longer one
    /// (announced or not) is an `Err`, read no further than the limit.
    ///
    /// ```
    /// let client = trampoline::http::Client::new().max_body(1024);
    /// # let _ = client;
    /// ```
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// `GET url`.
    ///
    /// ```
    /// use trampoline::http::Client;
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     Ok(co.call(Client::new().get("ftp://example.com/")).await.unwrap_err().to_string())
    /// });
    /// let message = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    /// assert!(message.contains("not a URL"), "{message}");
    /// ```
    pub fn get(&self, url: &str) -> Coroutine<Response> {
        self.request("GET", url, &[], Vec::new())
    }

    /// `PUT url` with a body of type `content_type`.
    ///
    /// ```
    /// let put = trampoline::http::Client::new().put("http://127.0.0.1:1/x", "application/json", "{}");
    /// # let _ = put;
    /// ```
    pub fn put(
        &self,
        url: &str,
        content_type: &str,
        body: impl Into<Vec<u8>>,
    ) -> Coroutine<Response> {
        self.request("PUT", url, &[("Content-Type", content_type)], body.into())
    }

    /// `POST url` with a body of type `content_type`.
    ///
    /// ```
    /// let post = trampoline::http::Client::new().post("http://127.0.0.1:1/x", "text/plain", "hi");
    /// # let _ = post;
    /// ```
    pub fn post(
        &self,
        url: &str,
        content_type: &str,
        body: impl Into<Vec<u8>>,
    ) -> Coroutine<Response> {
        self.request("POST", url, &[("Content-Type", content_type)], body.into())
    }

    /// Any request: `method url` with these headers and this body (sent with
    /// its `Content-Length`). The answer's status, headers and whole body.
    ///
    /// ```
    /// use trampoline::http::Client;
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
    ///     let url = format!("http://{}/", listener.local_addr());
    ///     co.close_listener(&listener).await?;
    ///     let answer = Client::new().request("DELETE", &url, &[("X-Why", "test")], Vec::new());
    ///     Ok(co.call(answer).await.is_err()) // nobody listens: connection refused
    /// });
    /// assert!(Scheduler::new().unwrap().run_until_complete(main).unwrap());
    /// ```
    pub fn request(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Coroutine<Response> {
        let target = parse_url(url);
        let mut head = String::new();
        if let Ok((addr, path)) = &target {
            head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
            for (name, value) in headers {
                head += &format!("{name}: {value}\r\n");
            }
            if !body.is_empty() || method == "PUT" || method == "POST" {
                head += &format!("Content-Length: {}\r\n", body.len());
            }
            head += "\r\n";
        }
        let max_body = self.max_body;
        let head_only = method == "HEAD";
        let exchange = Coroutine::new(move |co| async move {
            let (addr, _) = target?;
            let connection = co.connect(addr).await?;
            let mut request = head.into_bytes();
            request.extend_from_slice(&body);
            co.write_all(&connection, request).await?;
            let mut wire = Wire::new(connection);
            let head = wire.response_head(&co).await?;
            let framing = match head_only {
                true => Framing::Empty, // the length is what a GET would get
                false => head.framing(false)?,
            };
            let body = wire.body(&co, framing, max_body).await?;
            let _ = co.close(&wire.connection).await;
            Ok(Response {
                status: head.status,
                headers: head.headers,
                body: Body::Bytes(body),
            })
        })
        .named("http_request");
        wait_for(exchange, self.timeout)
    }
}

/// `http://IP:PORT/path` (or `localhost`) to an address and a target.
fn parse_url(url: &str) -> Result<(SocketAddr, String), Error> {
    let bad = || Error::from(HttpError::BadUrl(url.to_string()));
    let rest = url.strip_prefix("http://").ok_or_else(bad)?;
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    let addr = match authority.parse::<SocketAddr>() {
        Ok(addr) => addr,
        Err(_) => {
            let (host, port) = authority.rsplit_once(':').unwrap_or((authority, "80"));
            let ip = match host {
                "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
                host => host.parse().map_err(|_| bad())?,
            };
            SocketAddr::new(ip, port.parse().map_err(|_| bad())?)
        }
    };
    Ok((addr, path.to_string()))
}

#[cfg(test)]
mod tests {
    use super::parse_url;

    #[test]
    fn urls() {
        let (addr, path) = parse_url("http://127.0.0.1:8080/stuff/1?x=y").unwrap();
        assert_eq!(
            (addr.to_string().as_str(), path.as_str()),
            ("127.0.0.1:8080", "/stuff/1?x=y")
        );
        let (addr, path) = parse_url("http://localhost").unwrap();
        assert_eq!(
            (addr.to_string().as_str(), path.as_str()),
            ("127.0.0.1:80", "/")
        );
        assert!(parse_url("https://127.0.0.1/").is_err());
        assert!(parse_url("http://example.com/").is_err());
    }
}
