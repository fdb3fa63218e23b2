//! Splitting a byte stream into lines, however the bytes arrive.
//!
//! Input comes in chunks that cut lines anywhere, so the splitter keeps the
//! unfinished line between chunks. It is pure (no IO) so it can be tested and
//! fuzzed on its own.

use std::io;

use crate::kernel::{Error, ErrorKind};

/// The longest line delivered by default: 1 MiB.
pub const DEFAULT_LINE_LIMIT: usize = 1 << 20;

/// Turns chunks of bytes into lines: `\n` or `\r\n` ends a line (the ending is
/// not part of it), a last line without an ending is still a line, a line that
/// is not UTF-8 or is longer than the limit is an error for that line only.
/// An overlong line is dropped as it arrives, so memory stays bounded by the
/// limit whatever the input.
///
/// A lone `\r` does not end a line, on purpose, here and in
/// `Co::read_line_from` alike: network line protocols end lines with `\r\n`
/// or `\n`, asyncio's `readline` splits on `\n` only, and a `\r` that ends
/// a chunk cannot be told from the first half of a `\r\n` without waiting
/// for the next chunk (or it would make a spurious empty line). The demo,
/// reading what a person types or pastes (old Mac files), splits a lone
/// `\r` itself.
///
/// ```
/// use trampoline::LineSplitter;
///
/// let mut lines = Vec::new();
/// let mut splitter = LineSplitter::new(1024);
/// splitter.push(b"28\r\n3", &mut |line| lines.push(line.unwrap()));
/// splitter.push(b"0\nexit", &mut |line| lines.push(line.unwrap()));
/// splitter.finish(&mut |line| lines.push(line.unwrap()));
/// assert_eq!(lines, ["28", "30", "exit"]);
/// ```
#[derive(Debug)]
pub struct LineSplitter {
    partial: Vec<u8>,
    limit: usize,
    /// Lines started so far, for error messages (1-based).
    line_number: u64,
    /// The current line passed the limit; its bytes are being dropped.
    overlong: bool,
}

impl LineSplitter {
    /// A splitter that refuses lines longer than `limit` bytes.
    ///
    /// ```
    /// let splitter = trampoline::LineSplitter::new(trampoline::DEFAULT_LINE_LIMIT);
    /// assert!(!splitter.has_partial_line());
    /// ```
    pub fn new(limit: usize) -> Self {
        LineSplitter {
            partial: Vec::new(),
            limit,
            line_number: 0,
            overlong: false,
        }
    }

    /// Feeds a chunk; `emit` gets every line it completes, in order.
    ///
    /// ```
    /// let mut n = 0;
    /// let mut splitter = trampoline::LineSplitter::new(4);
    /// splitter.push(b"toolong\nok\n", &mut |line| {
    ///     n += 1;
    ///     assert_eq!(line.is_ok(), n == 2);
    /// });
    /// assert_eq!(n, 2);
    /// ```
    pub fn push(&mut self, mut chunk: &[u8], emit: &mut impl FnMut(Result<String, InputError>)) {
        while let Some(end) = chunk.iter().position(|&b| b == b'\n') {
            self.take(&chunk[..end]);
            emit(self.complete());
            chunk = &chunk[end + 1..];
        }
        self.take(chunk);
    }

    /// Ends the input: an unfinished last line is emitted as a line.
    ///
    /// ```
    /// let mut last = None;
    /// let mut splitter = trampoline::LineSplitter::new(64);
    /// splitter.push(b"no newline", &mut |_| unreachable!());
    /// splitter.finish(&mut |line| last = Some(line.unwrap()));
    /// assert_eq!(last.as_deref(), Some("no newline"));
    /// ```
    pub fn finish(&mut self, emit: &mut impl FnMut(Result<String, InputError>)) {
        if self.has_partial_line() {
            emit(self.complete());
        }
    }

    /// Whether bytes of an unfinished line are held (or being dropped).
    ///
    /// ```
    /// let mut splitter = trampoline::LineSplitter::new(64);
    /// splitter.push(b"2", &mut |_| {});
    /// assert!(splitter.has_partial_line());
    /// ```
    pub fn has_partial_line(&self) -> bool {
        !self.partial.is_empty() || self.overlong
    }

    /// Adds bytes of the current line, dropping them once it is too long.
    fn take(&mut self, bytes: &[u8]) {
        if self.overlong || bytes.is_empty() {
            return;
        }
        // The `\r` of a `\r\n` may still come, so allow one byte of slack.
        if self.partial.len() + bytes.len() > self.limit + 1 {
            self.overlong = true;
            self.partial = Vec::new();
        } else {
            self.partial.extend_from_slice(bytes);
        }
    }

    /// Ends the current line and returns it (or why it cannot be delivered).
    fn complete(&mut self) -> Result<String, InputError> {
        self.line_number += 1;
        let line = self.line_number;
        if std::mem::take(&mut self.overlong) {
            return Err(InputError::TooLong {
                line,
                limit: self.limit,
            });
        }
        let mut bytes = std::mem::take(&mut self.partial);
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        if bytes.len() > self.limit {
            return Err(InputError::TooLong {
                line,
                limit: self.limit,
            });
        }
        String::from_utf8(bytes).map_err(|_| InputError::InvalidUtf8 { line })
    }
}

/// One line of standard input that could not be delivered. Reading goes on
/// with the next line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The line's bytes are not UTF-8.
    #[error("line {line} is not valid UTF-8")]
    InvalidUtf8 {
        /// 1-based line number in the input.
        line: u64,
    },
    /// The line is longer than the reader's limit; its bytes were dropped.
    #[error("line {line} is longer than {limit} bytes")]
    TooLong {
        /// 1-based line number in the input.
        line: u64,
        /// The limit in bytes.
        limit: usize,
    },
    /// Reading failed; input ends here.
    #[error("cannot read standard input")]
    Read(#[source] io::Error),
}

/// A line that cannot be read reaches the coroutine as an IO error
/// (`InvalidData`, or the read's own kind) whose source is the [`InputError`].
impl From<InputError> for Error {
    fn from(e: InputError) -> Self {
        let kind = match &e {
            InputError::Read(read) => read.kind(),
            InputError::InvalidUtf8 { .. } | InputError::TooLong { .. } => {
                io::ErrorKind::InvalidData
            }
        };
        ErrorKind::Io(io::Error::new(kind, e)).into()
    }
}
