//! Logging for the example servers that can neither crash nor block them
//! (issue 14, finding 4): `println!` panics when stdout is a closed pipe,
//! and blocks the whole loop when nobody drains it.
//!
//! Lines go through a bounded channel to a writer thread. The loop only ever
//! does a `try_send`: when the channel is full (the reader is slow or gone)
//! the line is dropped and counted. The writer ignores write errors. Lines
//! about one client (a reset, a timeout) are rate-limited: past 10 a second
//! they are counted, and the next line printed says how many were left out.
//! A line is cut to [`MAX_LINE`] characters, so one huge query logs little.

#![allow(dead_code)] // each server uses a part of it

use std::cell::Cell;
use std::io::Write;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

/// Lines waiting for the writer at most; more are dropped.
const QUEUE: usize = 1024;

/// Per-client lines printed per second at most.
const EVENTS_PER_SECOND: u32 = 10;

/// Characters of one line at most.
pub const MAX_LINE: usize = 200;

/// Which stream a line goes to.
#[derive(Clone, Copy, Debug)]
pub enum Stream {
    Stdout,
    Stderr,
}

enum Message {
    Line(Stream, String),
    Flush(SyncSender<()>),
}

/// The server's log.
#[derive(Debug)]
pub struct Log {
    sender: SyncSender<Message>,
    /// Lines dropped (channel full) or left out (rate limit) since the last
    /// line that said so.
    left_out: Cell<u64>,
    window: Cell<Instant>,
    in_window: Cell<u32>,
}

impl Log {
    /// Starts the writer thread.
    pub fn new() -> Self {
        let (sender, receiver) = sync_channel(QUEUE);
        std::thread::spawn(move || write_lines(receiver));
        Log {
            sender,
            left_out: Cell::new(0),
            window: Cell::new(Instant::now()),
            in_window: Cell::new(0),
        }
    }

    /// A line that always matters (startup, shutdown): never rate-limited.
    pub fn info(&self, stream: Stream, line: impl Into<String>) {
        self.send(stream, line.into());
    }

    /// A line about one client: rate-limited.
    pub fn event(&self, stream: Stream, line: impl Into<String>) {
        let now = Instant::now();
        if now.duration_since(self.window.get()) >= Duration::from_secs(1) {
            self.window.set(now);
            self.in_window.set(0);
        }
        if self.in_window.get() >= EVENTS_PER_SECOND {
            self.left_out.set(self.left_out.get() + 1);
            return;
        }
        self.in_window.set(self.in_window.get() + 1);
        self.send(stream, line.into());
    }

    fn send(&self, stream: Stream, line: String) {
        let mut line = cut(&line, MAX_LINE);
        let left_out = self.left_out.replace(0);
        if left_out > 0 {
            line = format!("({left_out} log lines left out) {line}");
        }
        match self.sender.try_send(Message::Line(stream, line)) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.left_out.set(left_out + 1);
            }
        }
    }

    /// Waits, at most `limit`, for the lines sent so far to be written: at
    /// exit, so the last lines are not lost, and a stuck stdout does not
    /// keep the process alive.
    pub fn flush(&self, limit: Duration) {
        let (done, wait) = sync_channel(1);
        let deadline = Instant::now() + limit;
        let mut message = Message::Flush(done);
        loop {
            match self.sender.try_send(message) {
                Ok(()) => break,
                Err(TrySendError::Full(m)) if Instant::now() < deadline => {
                    message = m;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(_) => return,
            }
        }
        let _ = wait.recv_timeout(deadline.saturating_duration_since(Instant::now()));
    }
}

/// The writer thread: write errors (a closed pipe) are ignored.
fn write_lines(receiver: Receiver<Message>) {
    for message in receiver {
        match message {
            Message::Line(Stream::Stdout, line) => {
                let _ = writeln!(std::io::stdout().lock(), "{line}");
            }
            Message::Line(Stream::Stderr, line) => {
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            }
            Message::Flush(done) => {
                let _ = done.try_send(());
            }
        }
    }
}

/// At most `max` characters of `text`, saying how long it was if cut.
pub fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((at, _)) => format!("{}… ({} bytes)", &text[..at], text.len()),
    }
}
