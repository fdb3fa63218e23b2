//! A [`Request`] as a handler sees it, and a [`Response`] as a handler makes
//! it (or as the client receives it).

use std::fmt;
use std::net::SocketAddr;

use crate::toolkit::Stream;

/// A request, as the server hands it to a handler: method, target, headers,
/// the whole body, and what the route's `{captures}` matched.
///
/// ```
/// use trampoline::http::Request;
/// let request = Request::new("GET", "/search?query=cat+face&x=%F0%9F%98%BA");
/// assert_eq!(request.method(), "GET");
/// assert_eq!(request.path(), "/search");
/// assert_eq!(request.query("query").as_deref(), Some("cat face"));
/// assert_eq!(request.query("x").as_deref(), Some("😺"));
/// assert_eq!(request.query("missing"), None);
/// ```
#[derive(Debug, Clone)]
pub struct Request {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) peer: Option<SocketAddr>,
}

impl Request {
    /// A request with no headers and no body (for tests, or to call a
    /// [`Router`](super::Router) directly).
    ///
    /// ```
    /// let request = trampoline::http::Request::new("PUT", "/stuff/1").with_body("{}");
    /// assert_eq!(request.body(), b"{}");
    /// ```
    pub fn new(method: &str, target: &str) -> Self {
        Request {
            method: method.to_string(),
            target: target.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
            params: Vec::new(),
            peer: None,
        }
    }

    /// The client's address, for a request that came over a connection.
    ///
    /// ```
    /// assert_eq!(trampoline::http::Request::new("GET", "/").peer_addr(), None);
    /// ```
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// The same request with this body.
    ///
    /// ```
    /// let request = trampoline::http::Request::new("POST", "/").with_body(vec![1, 2]);
    /// assert_eq!(request.body(), [1, 2]);
    /// ```
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The method, such as `GET`.
    ///
    /// ```
    /// assert_eq!(trampoline::http::Request::new("GET", "/").method(), "GET");
    /// ```
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request target as sent: path and query string.
    ///
    /// ```
    /// let request = trampoline::http::Request::new("GET", "/a?b=c");
    /// assert_eq!(request.target(), "/a?b=c");
    /// ```
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The path, without the query string (not percent-decoded).
    ///
    /// ```
    /// assert_eq!(trampoline::http::Request::new("GET", "/a/b?c").path(), "/a/b");
    /// ```
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The first value of the query parameter `name`, percent-decoded, `+`
    /// read as a space (an HTML form's encoding); invalid UTF-8 becomes `�`.
    ///
    /// ```
    /// let request = trampoline::http::Request::new("GET", "/?q=digit+nine");
    /// assert_eq!(request.query("q").as_deref(), Some("digit nine"));
    /// ```
    pub fn query(&self, name: &str) -> Option<String> {
        let (_, query) = self.target.split_once('?')?;
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key, true) == name).then(|| decode(value, true))
        })
    }

    /// The value of the header `name` (any case), the first if repeated.
    ///
    /// ```
    /// let request = trampoline::http::Request::new("GET", "/");
    /// assert_eq!(request.header("Host"), None);
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The body: every byte, whether it came with a `Content-Length` or in
    /// chunks.
    ///
    /// ```
    /// assert!(trampoline::http::Request::new("GET", "/").body().is_empty());
    /// ```
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// What the route's `{name}` matched (percent-decoded).
    ///
    /// ```
    /// use trampoline::http::{Request, Response, Router};
    /// use trampoline::{Coroutine, Scheduler};
    /// let router = Router::new().route("GET", "/stuff/{id}", |request| {
    ///     Coroutine::new(move |_co| async move {
    ///         Ok(Response::text(200, request.param("id").unwrap_or("?")))
    ///     })
    /// });
    /// let response = Scheduler::new().unwrap()
    ///     .run_until_complete(router.handle(Request::new("GET", "/stuff/42"))).unwrap();
    /// assert_eq!(response.body(), b"42");
    /// ```
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// What a response carries after its head.
pub(crate) enum Body {
    /// All of it, sent with a `Content-Length`.
    Bytes(Vec<u8>),
    /// Chunks a generator emits, each sent as an HTTP chunk as soon as it is
    /// emitted: the connection's task goes back to the loop between chunks.
    Stream(Stream<Vec<u8>>),
}

/// A response: status, headers and a body that is either whole or a
/// [`Stream`] of chunks.
///
/// ```
/// use trampoline::http::Response;
/// let response = Response::json(201, r#"{"_id": "1"}"#).with_header("Location", "/stuff/1");
/// assert_eq!(response.status(), 201);
/// assert_eq!(response.header("content-type"), Some("application/json"));
/// assert_eq!(response.header("Location"), Some("/stuff/1"));
/// assert_eq!(response.body_text(), r#"{"_id": "1"}"#);
/// ```
pub struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Body,
}

impl Response {
    /// A response with no headers and an empty body.
    ///
    /// ```
    /// assert_eq!(trampoline::http::Response::new(204).status(), 204);
    /// ```
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
        }
    }

    /// A body of any type.
    ///
    /// ```
    /// let r = trampoline::http::Response::bytes(200, "image/gif", vec![0x47, 0x49, 0x46]);
    /// assert_eq!(r.body(), b"GIF");
    /// ```
    pub fn bytes(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Response::new(status)
            .with_header("Content-Type", content_type)
            .with_body(body)
    }

    /// A UTF-8 plain text body.
    ///
    /// ```
    /// let r = trampoline::http::Response::text(404, "no such thing");
    /// assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
    /// ```
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Response::bytes(status, "text/plain; charset=utf-8", body.into())
    }

    /// A UTF-8 HTML body.
    ///
    /// ```
    /// let r = trampoline::http::Response::html(200, "<p>hi</p>");
    /// assert_eq!(r.header("Content-Type"), Some("text/html; charset=utf-8"));
    /// ```
    pub fn html(status: u16, body: impl Into<String>) -> Self {
        Response::bytes(status, "text/html; charset=utf-8", body.into())
    }

    /// A JSON body, already serialized.
    ///
    /// ```
    /// let r = trampoline::http::Response::json(200, "{}");
    /// assert_eq!(r.header("Content-Type"), Some("application/json"));
    /// ```
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Response::bytes(status, "application/json", body.into())
    }

    /// A body sent in chunks (`Transfer-Encoding: chunked`) as `chunks`
    /// emits them, so a big answer never sits whole in memory and other
    /// connections are served between its chunks.
    ///
    /// ```
    /// use trampoline::http::Response;
    /// use trampoline::Stream;
    /// let rows = Stream::new(|y| async move {
    ///     for n in 0..3 {
    ///         y.emit(format!("row {n}\n").into_bytes()).await?;
    ///     }
    ///     Ok(())
    /// });
    /// let response = Response::streamed(200, "text/plain", rows);
    /// assert!(response.body().is_empty()); // not collected: it is sent as it comes
    /// ```
    pub fn streamed(status: u16, content_type: &str, chunks: Stream<Vec<u8>>) -> Self {
        let mut response = Response::new(status).with_header("Content-Type", content_type);
        response.body = Body::Stream(chunks);
        response
    }

    /// The same response with this header added.
    ///
    /// ```
    /// let r = trampoline::http::Response::new(301).with_header("Location", "/");
    /// assert_eq!(r.header("location"), Some("/"));
    /// ```
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The same response with this whole body.
    ///
    /// ```
    /// let r = trampoline::http::Response::new(200).with_body("ok");
    /// assert_eq!(r.body(), b"ok");
    /// ```
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Body::Bytes(body.into());
        self
    }

    /// The status code.
    ///
    /// ```
    /// assert_eq!(trampoline::http::Response::new(418).status(), 418);
    /// ```
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The standard reason phrase of the status: `OK`, `Not Found`.
    ///
    /// ```
    /// assert_eq!(trampoline::http::Response::new(404).reason(), "Not Found");
    /// ```
    pub fn reason(&self) -> &'static str {
        reason(self.status)
    }

    /// The value of the header `name` (any case), the first if repeated.
    ///
    /// ```
    /// assert_eq!(trampoline::http::Response::new(200).header("Server"), None);
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Every header, in order.
    ///
    /// ```
    /// let r = trampoline::http::Response::text(200, "");
    /// assert_eq!(r.headers().len(), 1);
    /// ```
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The whole body; empty for a [`streamed`](Self::streamed) response,
    /// whose chunks are not kept. A response from the [`Client`](super::Client)
    /// always has its whole body here, chunked or not.
    ///
    /// ```
    /// assert_eq!(trampoline::http::Response::text(200, "hi").body(), b"hi");
    /// ```
    pub fn body(&self) -> &[u8] {
        match &self.body {
            Body::Bytes(bytes) => bytes,
            Body::Stream(_) => &[],
        }
    }

    /// The body as text (invalid UTF-8 becomes `�`).
    ///
    /// ```
    /// assert_eq!(trampoline::http::Response::text(200, "hi").body_text(), "hi");
    /// ```
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(self.body()).into_owned()
    }

    /// The status line and headers, as sent, with how the body follows.
    /// Built with plain copies, not `write!`: the formatting machinery was
    /// an eighth of a `GET /`'s instructions (callgrind, `http_hello`).
    pub(crate) fn head(&self, date: &str, framing: Sent, close: bool) -> Vec<u8> {
        let mut head = Vec::with_capacity(160);
        head.extend_from_slice(b"HTTP/1.1 ");
        decimal(&mut head, u64::from(self.status));
        head.push(b' ');
        head.extend_from_slice(reason(self.status).as_bytes());
        head.extend_from_slice(b"\r\n");
        for (name, value) in &self.headers {
            head.extend_from_slice(name.as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(value.as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        match framing {
            Sent::Length(length) => {
                head.extend_from_slice(b"Content-Length: ");
                decimal(&mut head, length as u64);
                head.extend_from_slice(b"\r\n");
            }
            Sent::Chunked => head.extend_from_slice(b"Transfer-Encoding: chunked\r\n"),
            Sent::ToTheEnd => {}
        }
        if close {
            head.extend_from_slice(b"Connection: close\r\n");
        }
        head.extend_from_slice(b"Server: trampoline\r\nDate: ");
        head.extend_from_slice(date.as_bytes());
        head.extend_from_slice(b"\r\n\r\n");
        head
    }
}

/// Appends `n` in decimal.
fn decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

/// How a response's body follows its head.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Sent {
    Length(usize),
    Chunked,
    /// Up to the end of the stream (HTTP/1.0 knows no chunks).
    ToTheEnd,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = match &self.body {
            Body::Bytes(bytes) => format!("{} bytes", bytes.len()),
            Body::Stream(_) => "streamed".to_string(),
        };
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &body)
            .finish()
    }
}

pub(crate) fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

/// The reason phrase of the statuses this crate's servers send.
fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// Percent-decoding of a URL component; in a query string `+` is a space
/// too (`application/x-www-form-urlencoded`, what an HTML form sends).
pub(crate) fn decode(text: &str, plus_is_space: bool) -> String {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        rest = tail;
        match byte {
            b'+' if plus_is_space => bytes.push(b' '),
            b'%' => match rest
                .get(..2)
                .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok())
            {
                Some(decoded) => {
                    bytes.push(decoded);
                    rest = &rest[2..];
                }
                None => bytes.push(b'%'),
            },
            other => bytes.push(other),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{Response, Sent, decode};

    #[test]
    fn a_head_is_written_as_sent() {
        let response = Response::text(404, "no").with_header("X-Id", "7");
        let head = response.head("D", Sent::Length(1_234_567_890), true);
        assert_eq!(
            String::from_utf8(head).unwrap(),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nX-Id: 7\r\n\
             Content-Length: 1234567890\r\nConnection: close\r\nServer: trampoline\r\nDate: D\r\n\r\n"
        );
        let zero = Response::new(204).head("D", Sent::Length(0), false);
        assert!(
            String::from_utf8(zero)
                .unwrap()
                .contains("\r\nContent-Length: 0\r\n")
        );
    }

    fn form_decode(text: &str) -> String {
        decode(text, true)
    }

    #[test]
    fn form_decoding() {
        assert_eq!(decode("a+b%20c", false), "a+b c");
        assert_eq!(form_decode("cat+face"), "cat face");
        assert_eq!(form_decode("a%20b%2Bc"), "a b+c");
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz"), "%zz");
        assert_eq!(form_decode("%E2%82%AC"), "€");
    }
}
