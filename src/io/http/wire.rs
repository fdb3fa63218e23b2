//! The bytes of a connection to HTTP messages: a buffer filled by
//! `read_some_from`, a head parsed by `httparse` once it is complete, a body
//! read by its `Content-Length`, in chunks, or to the end of the stream.
//! Every step has a limit, so a peer cannot make us hold more than that.

use std::cell::Cell;

use httparse::Status;

use super::{HttpError, MAX_HEAD, MAX_HEADERS};
use crate::io::Connection;
use crate::kernel::{Co, Error};

/// Bytes asked of the socket per read.
const READ_SIZE: usize = 64 * 1024;

/// The longest chunk-size line we wait for (hex digits and extensions).
const MAX_CHUNK_LINE: usize = 1024;

/// Why a message could not be read: the peer's fault (an [`HttpError`], which
/// a server answers with a status) or the socket's (an [`Error`]).
#[derive(Debug)]
pub(crate) enum Failure {
    Http(HttpError),
    Io(Error),
}

impl From<HttpError> for Failure {
    fn from(error: HttpError) -> Self {
        Failure::Http(error)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Io(error)
    }
}

impl From<Failure> for Error {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Http(error) => error.into(),
            Failure::Io(error) => error,
        }
    }
}

/// A parsed head: the request line's method and target, or the status line's
/// code, and the headers, owned.
#[derive(Debug, Default)]
pub(crate) struct Head {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) status: u16,
    /// `1` for HTTP/1.1, `0` for HTTP/1.0.
    pub(crate) version: u8,
    pub(crate) headers: Vec<(String, String)>,
}

/// How the body after a head is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    Empty,
    Length(u64),
    Chunked,
    /// A response with neither length nor chunks ends when the peer closes.
    UntilClose,
}

/// `httparse` for a request or a response: a complete head and its length
/// in bytes, or `None` while it is incomplete.
type Parser = fn(&[u8]) -> Result<Option<(Head, usize)>, HttpError>;

/// One connection's read side, with the bytes read and not yet used.
#[derive(Debug)]
pub(crate) struct Wire {
    pub(crate) connection: Connection,
    buffer: Vec<u8>,
}

impl Wire {
    pub(crate) fn new(connection: Connection) -> Self {
        Wire {
            connection,
            buffer: Vec::new(),
        }
    }

    /// Drops what is buffered, and says how many bytes that was.
    pub(crate) fn discard(&mut self) -> usize {
        std::mem::take(&mut self.buffer).len()
    }

    /// Reads more: `false` at the end of the stream.
    async fn fill(&mut self, co: &Co) -> Result<bool, Error> {
        let bytes = co.read_some_from(&self.connection, READ_SIZE).await?;
        if bytes.is_empty() {
            return Ok(false);
        }
        if self.buffer.is_empty() {
            self.buffer = bytes;
        } else {
            self.buffer.extend_from_slice(&bytes);
        }
        Ok(true)
    }

    /// The next request head; `None` if the peer closed cleanly between
    /// requests. `seen` is set once a byte of this head has arrived (the
    /// server's watchdog tells an idle connection from a slow one by it).
    pub(crate) async fn request_head(
        &mut self,
        co: &Co,
        seen: &Cell<bool>,
    ) -> Result<Option<Head>, Failure> {
        loop {
            if !self.buffer.is_empty() {
                seen.set(true);
                if let Some(head) = self.parse(parse_request)? {
                    return Ok(Some(head));
                }
            }
            if !self.fill(co).await? {
                return match self.buffer.is_empty() {
                    true => Ok(None),
                    false => Err(HttpError::Truncated.into()),
                };
            }
        }
    }

    /// The next response head, skipping `100 Continue`s.
    pub(crate) async fn response_head(&mut self, co: &Co) -> Result<Head, Failure> {
        loop {
            if let Some(head) = self.parse(parse_response)? {
                if head.status / 100 != 1 {
                    return Ok(head);
                }
                continue;
            }
            if !self.fill(co).await? {
                return Err(HttpError::Truncated.into());
            }
        }
    }

    /// Parses the buffer with `parse`; a complete head is taken out of it.
    fn parse(&mut self, parse: Parser) -> Result<Option<Head>, HttpError> {
        match parse(&self.buffer)? {
            Some((_, length)) if length > MAX_HEAD => Err(HttpError::HeadTooLarge),
            Some((head, length)) => {
                self.buffer.drain(..length);
                Ok(Some(head))
            }
            None if self.buffer.len() > MAX_HEAD => Err(HttpError::HeadTooLarge),
            None => Ok(None),
        }
    }

    /// The body `framing` announces, at most `limit` bytes.
    pub(crate) async fn body(
        &mut self,
        co: &Co,
        framing: Framing,
        limit: usize,
    ) -> Result<Vec<u8>, Failure> {
        match framing {
            Framing::Empty => Ok(Vec::new()),
            Framing::Length(length) => {
                let length = usize::try_from(length)
                    .ok()
                    .filter(|&length| length <= limit)
                    .ok_or(HttpError::TooLarge { limit })?;
                self.exactly(co, length).await
            }
            Framing::Chunked => self.chunks(co, limit).await,
            Framing::UntilClose => {
                while self.fill(co).await? {
                    if self.buffer.len() > limit {
                        return Err(HttpError::TooLarge { limit }.into());
                    }
                }
                Ok(std::mem::take(&mut self.buffer))
            }
        }
    }

    /// `length` bytes: what is buffered, then the rest in one read.
    async fn exactly(&mut self, co: &Co, length: usize) -> Result<Vec<u8>, Failure> {
        if self.buffer.len() >= length {
            let rest = self.buffer.split_off(length);
            return Ok(std::mem::replace(&mut self.buffer, rest));
        }
        let mut body = std::mem::take(&mut self.buffer);
        let missing = length - body.len();
        match co.read_exact_from(&self.connection, missing).await {
            Ok(rest) => body.extend_from_slice(&rest),
            Err(_) => return Err(HttpError::Truncated.into()),
        }
        Ok(body)
    }

    /// A chunked body: size lines in hex, each chunk and its CRLF, up to the
    /// zero-size chunk and its (ignored) trailers.
    async fn chunks(&mut self, co: &Co, limit: usize) -> Result<Vec<u8>, Failure> {
        let mut body = Vec::new();
        loop {
            let (line, size) = match httparse::parse_chunk_size(&self.buffer) {
                Ok(Status::Complete(parsed)) => parsed,
                Ok(Status::Partial) if self.buffer.len() > MAX_CHUNK_LINE => {
                    return Err(HttpError::Malformed("a chunk-size line is too long".into()).into());
                }
                Ok(Status::Partial) => {
                    self.more(co).await?;
                    continue;
                }
                Err(_) => return Err(HttpError::Malformed("a bad chunk size".into()).into()),
            };
            self.buffer.drain(..line);
            if size == 0 {
                self.trailers(co).await?;
                return Ok(body);
            }
            let size = usize::try_from(size)
                .ok()
                .filter(|&size| body.len().saturating_add(size) <= limit)
                .ok_or(HttpError::TooLarge { limit })?;
            let chunk = self.exactly(co, size + 2).await?;
            if !chunk.ends_with(b"\r\n") {
                return Err(HttpError::Malformed("a chunk without its CRLF".into()).into());
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }

    /// Skips trailer lines up to the empty line that ends a chunked body.
    async fn trailers(&mut self, co: &Co) -> Result<(), Failure> {
        loop {
            match self.buffer.windows(2).position(|pair| pair == b"\r\n") {
                Some(0) => {
                    self.buffer.drain(..2);
                    return Ok(());
                }
                Some(end) => drop(self.buffer.drain(..end + 2)),
                None if self.buffer.len() > MAX_HEAD => return Err(HttpError::HeadTooLarge.into()),
                None => self.more(co).await?,
            }
        }
    }

    /// Reads more, or fails: the message was cut short.
    async fn more(&mut self, co: &Co) -> Result<(), Failure> {
        match self.fill(co).await? {
            true => Ok(()),
            false => Err(HttpError::Truncated.into()),
        }
    }
}

fn parse_request(bytes: &[u8]) -> Result<Option<(Head, usize)>, HttpError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(bytes).map_err(refused)? {
        Status::Partial => Ok(None),
        Status::Complete(length) => Ok(Some((
            Head {
                method: request.method.unwrap_or_default().to_string(),
                target: request.path.unwrap_or_default().to_string(),
                version: request.version.unwrap_or(1),
                headers: owned(request.headers),
                ..Head::default()
            },
            length,
        ))),
    }
}

fn parse_response(bytes: &[u8]) -> Result<Option<(Head, usize)>, HttpError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(bytes).map_err(refused)? {
        Status::Partial => Ok(None),
        Status::Complete(length) => Ok(Some((
            Head {
                status: response.code.unwrap_or_default(),
                version: response.version.unwrap_or(1),
                headers: owned(response.headers),
                ..Head::default()
            },
            length,
        ))),
    }
}

/// `httparse`'s verdict as ours: too many headers is a head too large.
fn refused(error: httparse::Error) -> HttpError {
    match error {
        httparse::Error::TooManyHeaders => HttpError::HeadTooLarge,
        error => HttpError::Malformed(error.to_string()),
    }
}

fn owned(headers: &[httparse::Header<'_>]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|h| {
            (
                h.name.to_string(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect()
}

impl Head {
    /// Whether the connection stays open after this message: HTTP/1.1 unless
    /// `Connection: close`, HTTP/1.0 only with `Connection: keep-alive`.
    pub(crate) fn keep_alive(&self) -> bool {
        let connection = super::message::find_header(&self.headers, "connection");
        let has = |token: &str| {
            connection.is_some_and(|value| {
                value
                    .split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case(token))
            })
        };
        if self.version == 1 {
            !has("close")
        } else {
            has("keep-alive")
        }
    }

    /// How the body is framed. Both a length and chunks, several different
    /// lengths, or an unknown transfer coding are refused: they are how
    /// request smuggling starts.
    pub(crate) fn framing(&self, is_request: bool) -> Result<Framing, HttpError> {
        let mut lengths = self
            .headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .map(|(_, value)| value.trim());
        let length = lengths.next();
        if let Some(length) = length
            && lengths.any(|other| other != length)
        {
            return Err(HttpError::Malformed(
                "conflicting Content-Length headers".into(),
            ));
        }
        let coding = super::message::find_header(&self.headers, "transfer-encoding");
        match (coding, length) {
            (Some(_), Some(_)) => Err(HttpError::Malformed(
                "both Content-Length and Transfer-Encoding".into(),
            )),
            (Some(coding), None) if coding.trim().eq_ignore_ascii_case("chunked") => {
                Ok(Framing::Chunked)
            }
            (Some(coding), None) => Err(HttpError::Malformed(format!(
                "unsupported Transfer-Encoding {coding:?}"
            ))),
            (None, Some(length)) => match length.parse::<u64>() {
                Ok(0) => Ok(Framing::Empty),
                Ok(length) => Ok(Framing::Length(length)),
                Err(_) => Err(HttpError::Malformed(format!(
                    "bad Content-Length {length:?}"
                ))),
            },
            (None, None) if is_request => Ok(Framing::Empty),
            (None, None) if matches!(self.status, 204 | 304) => Ok(Framing::Empty),
            (None, None) => Ok(Framing::UntilClose),
        }
    }
}
