//! A connection's input: the bytes read from its socket and not yet handed
//! out, cut into lines in time linear in the bytes, however they arrive.
//!
//! Two offsets make it linear. `consumed` is where the next line starts:
//! taking a line moves it instead of shifting the rest of the buffer (the
//! bytes are moved down once, before the next read). `scanned` is how far the
//! search for `\n` has looked: a line that arrives a byte at a time is
//! searched once, not once per byte (which was quadratic: a 1 MiB line in
//! 100-byte reads looked at 5 GB).
//!
//! A socket's lines are cut here, not by `LineSplitter` (stdin's), because
//! `read_exact_from` and `read_some_from` (an HTTP body) need the bytes that
//! came after a line.

use std::io;

use crate::io::lines::InputError;

/// An emptied buffer keeps up to this much memory for the next lines; a
/// bigger one (after a long line) gives it back.
const KEEP: usize = 64 * 1024;

/// Bytes read from a connection, and the line being cut out of them.
#[derive(Debug)]
pub(crate) struct InputBuffer {
    bytes: Vec<u8>,
    /// `bytes[..consumed]` were handed out already.
    consumed: usize,
    /// `bytes[consumed..scanned]` hold no `\n`.
    scanned: usize,
    /// The current line passed the limit: its bytes are dropped up to `\n`.
    skipping: bool,
    /// Lines handed out so far, for error messages.
    lines: u64,
    /// The longest line handed out.
    pub(crate) limit: usize,
    /// The server-wide cap took this connection's unfinished line away: its
    /// next read fails, with this many bytes dropped.
    pub(crate) evicted: Option<usize>,
}

impl InputBuffer {
    pub(crate) fn new(limit: usize) -> Self {
        InputBuffer {
            bytes: Vec::new(),
            consumed: 0,
            scanned: 0,
            skipping: false,
            lines: 0,
            limit,
            evicted: None,
        }
    }

    /// Bytes waiting to be handed out.
    pub(crate) fn len(&self) -> usize {
        self.bytes.len() - self.consumed
    }

    /// The heap bytes it holds, for the server-wide cap.
    pub(crate) fn footprint(&self) -> usize {
        self.bytes.capacity()
    }

    /// Appends bytes read from the socket; while skipping an overlong line,
    /// only what follows its `\n` is kept.
    pub(crate) fn push(&mut self, mut bytes: &[u8]) {
        if self.skipping {
            match bytes.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    self.skipping = false;
                    bytes = &bytes[end + 1..];
                }
                None => return,
            }
        }
        if self.consumed > 0 {
            // Move the unread rest down once, rather than after every line.
            self.bytes.drain(..self.consumed);
            self.scanned = self.scanned.saturating_sub(self.consumed);
            self.consumed = 0;
        }
        self.bytes.extend_from_slice(bytes);
    }

    /// Takes exactly `n` bytes, if that many are here.
    pub(crate) fn take_exact(&mut self, n: usize) -> Option<Vec<u8>> {
        if self.len() < n {
            return None;
        }
        let taken = self.bytes[self.consumed..self.consumed + n].to_vec();
        self.advance(n);
        Some(taken)
    }

    /// Up to `max` of the bytes waiting (an HTTP body read as it comes);
    /// the whole buffer moves out without a copy when it fits.
    pub(crate) fn take_some(&mut self, max: usize) -> Vec<u8> {
        if self.consumed == 0 && self.bytes.len() <= max {
            self.scanned = 0;
            return std::mem::take(&mut self.bytes);
        }
        let n = self.len().min(max);
        let taken = self.bytes[self.consumed..self.consumed + n].to_vec();
        self.advance(n);
        taken
    }

    /// The next complete line (the rest, at end of input), without its
    /// `\n`/`\r\n`; an overlong or non-UTF-8 line is an error for that line
    /// only. An unfinished line past the limit is dropped as it arrives.
    pub(crate) fn take_line(&mut self, eof: bool) -> Option<Result<String, InputError>> {
        let start = self.scanned.max(self.consumed);
        let end = match self.bytes[start..].iter().position(|&b| b == b'\n') {
            Some(at) => start + at + 1,
            None if eof && self.len() > 0 => self.bytes.len(),
            None if self.len() > self.limit => {
                self.lines += 1;
                self.clear();
                self.skipping = true;
                let (line, limit) = (self.lines, self.limit);
                return Some(Err(InputError::TooLong { line, limit }));
            }
            None => {
                self.scanned = self.bytes.len();
                return None;
            }
        };
        self.lines += 1;
        // `\n`, then one `\r` before it, as `LineSplitter` does.
        let mut line = &self.bytes[self.consumed..end];
        if let [rest @ .., b'\n'] = line {
            line = rest;
        }
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        let result = if line.len() > self.limit {
            Err(InputError::TooLong {
                line: self.lines,
                limit: self.limit,
            })
        } else {
            String::from_utf8(line.to_vec())
                .map_err(|_| InputError::InvalidUtf8 { line: self.lines })
        };
        self.advance(end - self.consumed);
        Some(result)
    }

    /// The error a read gets after the server-wide cap dropped this line.
    pub(crate) fn take_eviction(&mut self, cap: usize) -> Option<io::Error> {
        let dropped = self.evicted.take()?;
        let message = format!(
            "the server's input buffers are full ({} MiB in all): \
             this connection's unfinished line ({dropped} bytes) was dropped",
            cap >> 20
        );
        Some(io::Error::new(io::ErrorKind::OutOfMemory, message))
    }

    /// Drops the unfinished line to free its memory (the server-wide cap):
    /// the rest of the line is skipped, and the next read fails.
    pub(crate) fn evict(&mut self) {
        self.evicted = Some(self.len());
        self.clear();
        self.skipping = true;
    }

    fn advance(&mut self, n: usize) {
        self.consumed += n;
        if self.consumed == self.bytes.len() {
            if self.bytes.capacity() > KEEP {
                self.clear();
            } else {
                self.bytes.clear();
                self.consumed = 0;
                self.scanned = 0;
            }
        }
    }

    /// Empties the buffer and gives its memory back.
    fn clear(&mut self) {
        self.bytes = Vec::new();
        self.consumed = 0;
        self.scanned = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::InputBuffer;

    fn lines(input: &[u8]) -> Vec<String> {
        let mut buffer = InputBuffer::new(1024);
        buffer.push(input);
        std::iter::from_fn(|| buffer.take_line(true))
            .map(Result::unwrap)
            .collect()
    }

    /// `\n` or `\r\n` ends a line; a lone `\r` does not (on purpose: see
    /// `LineSplitter`), and only one `\r` is part of the ending.
    #[test]
    fn lines_end_with_lf_or_crlf_only() {
        assert_eq!(lines(b"a\nb\r\nc"), ["a", "b", "c"]);
        assert_eq!(lines(b"5\r6\r\n"), ["5\r6"]);
        assert_eq!(lines(b"x\r\r\n\r\n"), ["x\r", ""]);
    }
}
