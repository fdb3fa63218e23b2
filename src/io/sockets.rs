//! The socket table behind `net`: every open listener and connection, its
//! buffers, and the task parked on it, woken when mio reports readiness.
//!
//! mio registers edge-triggered and our sockets are non-blocking, so the rule
//! is: an operation tries its system calls until it is done or the kernel says
//! `WouldBlock`; only then does the task park on the socket, and the next
//! readiness event for that socket retries the operation. A socket has one
//! read side slot (accept, read a line, read n bytes) and one write side slot
//! (connect, write all), so two tasks sharing a connection may read and write
//! it at once, but two readers get an error instead of a lost wake-up.

use std::cell::RefCell;
use std::io::{self, ErrorKind as IoKind, Read, Write};
use std::net::SocketAddr;
use std::rc::Rc;

use mio::net::{TcpListener, TcpStream};
use mio::{Interest, Registry};
use slab::Slab;

use crate::io::lines::DEFAULT_LINE_LIMIT;
use crate::io::lines::InputError;
use crate::io::source::{Reactor, Source};
use crate::io::tcp::{Connection, Listener, NetOp, SocketId};
use crate::kernel::{Error, Parked, Resume, TaskState, Trampoline, Value};

/// What a task parked on a socket shows in `ps`.
const WAITING: TaskState = TaskState::WaitingForIo("a socket");

/// Bytes asked of the kernel per `read(2)`.
const CHUNK: usize = 16 * 1024;

/// A task waiting on a socket, and what for.
#[derive(Debug)]
struct Waiter {
    parked: Parked,
    op: NetOp,
}

#[derive(Debug)]
enum Io {
    Listening(TcpListener),
    Stream(TcpStream),
}

#[derive(Debug)]
struct Socket {
    generation: u64,
    io: Io,
    /// Bytes read and not yet handed out.
    input: Vec<u8>,
    /// Bytes accepted by `write_all` and not yet taken by the kernel.
    output: Vec<u8>,
    /// The peer closed its side: no more input will come.
    eof: bool,
    /// The current line passed the limit: drop bytes up to the next `\n`.
    skipping: bool,
    lines: u64,
    reader: Option<Waiter>,
    writer: Option<Waiter>,
}

/// Every open socket, and the handles dropped since the last look.
#[derive(Debug)]
pub(crate) struct Sockets {
    registry: Registry,
    /// This source's number in the reactor, for its sockets' tokens.
    index: usize,
    table: Slab<Socket>,
    next_generation: u64,
    /// Ids of handles dropped without `close`: closed at the next operation.
    dropped: Rc<RefCell<Vec<SocketId>>>,
    /// Tasks to wake that are not the one that issued the command.
    woken: Vec<(Parked, Resume)>,
    /// Where `read(2)` puts what it reads, zeroed once: a fresh
    /// `[0u8; CHUNK]` per read cost a 16 KiB memset each time, two thirds
    /// of an HTTP request's instructions.
    scratch: Box<[u8]>,
}

impl Sockets {
    pub(crate) fn new(registry: &Registry, index: usize) -> io::Result<Self> {
        Ok(Sockets {
            registry: registry.try_clone()?,
            index,
            table: Slab::new(),
            next_generation: 0,
            dropped: Rc::default(),
            woken: Vec::new(),
            scratch: vec![0; CHUNK].into_boxed_slice(),
        })
    }

    /// Carries out `op` for the task at `key`: `Some(answer)` at once, or
    /// `None` when the task is parked until the socket is ready.
    pub(crate) fn start(
        &mut self,
        op: NetOp,
        trampoline: &mut Trampoline,
        key: usize,
    ) -> Option<Resume> {
        self.close_dropped();
        let socket = match op {
            NetOp::Listen(addr) => return Some(answer(self.listen(addr))),
            NetOp::Connect(addr) => return Some(answer(self.connect(addr))),
            NetOp::Close(socket) => return Some(self.close(socket)),
            NetOp::Accept(socket)
            | NetOp::Connected(socket)
            | NetOp::ReadLine(socket)
            | NetOp::ReadExact(socket, _)
            | NetOp::ReadSome(socket, _)
            | NetOp::WriteAll(socket, _) => socket,
        };
        let read_side = op.is_read_side();
        let entry = match self.table.get_mut(socket.key) {
            Some(entry) if entry.generation == socket.generation => entry,
            _ => return Some(closed()),
        };
        match entry.slot(read_side) {
            Some(waiter) if waiter.parked.is_waiting() => return Some(busy(read_side)),
            Some(_) => entry.free(read_side),
            None => {}
        }
        let mut op = op;
        if let NetOp::WriteAll(_, bytes) = &mut op {
            entry.output.append(bytes);
        }
        match self.attempt(socket.key, &op) {
            Ok(Some(resume)) => Some(resume),
            Ok(None) => {
                let parked = trampoline.park_with_ticket(key, WAITING);
                *self.table[socket.key].slot_mut(read_side) = Some(Waiter { parked, op });
                None
            }
            Err(error) => Some(self.failed(socket.key, &op, error)),
        }
    }

    /// Retries what waits on the socket at `key`, now that mio says it is
    /// ready; a waiter whose task has left (an error was thrown into it) is
    /// dropped.
    fn retry(&mut self, key: usize) {
        for read_side in [true, false] {
            let Some(socket) = self.table.get_mut(key) else {
                return;
            };
            let Some(waiter) = socket.slot_mut(read_side).take() else {
                continue;
            };
            if !waiter.parked.is_waiting() {
                socket.free(read_side);
                continue;
            }
            match self.attempt(key, &waiter.op) {
                Ok(Some(resume)) => self.woken.push((waiter.parked, resume)),
                Ok(None) => *self.table[key].slot_mut(read_side) = Some(waiter),
                Err(error) => {
                    let resume = self.failed(key, &waiter.op, error);
                    self.woken.push((waiter.parked, resume));
                }
            }
        }
    }

    /// Tries `op` on the socket at `key`: `Ok(None)` on `WouldBlock`.
    fn attempt(&mut self, key: usize, op: &NetOp) -> io::Result<Option<Resume>> {
        match op {
            NetOp::Accept(_) => self.accept(key),
            NetOp::Connected(_) => self.finish_connect(key),
            NetOp::ReadLine(_) => self.read_line(key),
            NetOp::ReadExact(_, n) => self.read_exact(key, *n),
            NetOp::ReadSome(_, max) => self.read_some(key, *max),
            NetOp::WriteAll(..) => self.flush(key),
            NetOp::Listen(_) | NetOp::Connect(_) | NetOp::Close(_) => {
                unreachable!("BUG: listen, connect and close answer at once")
            }
        }
    }

    /// `op` failed: a failed write drops what was left to send.
    fn failed(&mut self, key: usize, op: &NetOp, error: io::Error) -> Resume {
        if let NetOp::WriteAll(..) = op {
            self.table[key].output.clear();
        }
        Resume::Failed(error.into())
    }

    fn listen(&mut self, addr: SocketAddr) -> io::Result<Listener> {
        let listener = TcpListener::bind(addr)?;
        let local = listener.local_addr()?;
        let id = self.insert(Io::Listening(listener))?;
        Ok(Listener::new(id, local, self.dropped.clone()))
    }

    /// Starts connecting (non-blocking); `Connected` waits for the outcome.
    fn connect(&mut self, peer: SocketAddr) -> io::Result<Connection> {
        self.open_stream(TcpStream::connect(peer)?, peer)
    }

    /// Registers a new stream (connecting or accepted) and makes its handle.
    fn open_stream(&mut self, stream: TcpStream, peer: SocketAddr) -> io::Result<Connection> {
        let id = self.insert(Io::Stream(stream))?;
        Ok(Connection::new(id, peer, self.dropped.clone()))
    }

    fn insert(&mut self, mut io: Io) -> io::Result<SocketId> {
        let entry = self.table.vacant_entry();
        let token = Reactor::token(self.index, entry.key());
        let both = Interest::READABLE | Interest::WRITABLE;
        match &mut io {
            Io::Listening(listener) => {
                self.registry
                    .register(listener, token, Interest::READABLE)?
            }
            Io::Stream(stream) => self.registry.register(stream, token, both)?,
        }
        let generation = self.next_generation;
        self.next_generation += 1;
        let key = entry.key();
        entry.insert(Socket {
            generation,
            io,
            input: Vec::new(),
            output: Vec::new(),
            eof: false,
            skipping: false,
            lines: 0,
            reader: None,
            writer: None,
        });
        Ok(SocketId { key, generation })
    }

    fn accept(&mut self, key: usize) -> io::Result<Option<Resume>> {
        let Io::Listening(listener) = &self.table[key].io else {
            return Err(io::Error::new(
                IoKind::InvalidInput,
                "accept needs a listening socket",
            ));
        };
        match listener.accept() {
            Ok((stream, peer)) => {
                let connection = self.open_stream(stream, peer)?;
                Ok(Some(Resume::Returned(Value::new(connection))))
            }
            Err(e) if e.kind() == IoKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A connect in progress is done when the socket is writable and has a
    /// peer; a refused one reports its error through `take_error`.
    fn finish_connect(&mut self, key: usize) -> io::Result<Option<Resume>> {
        let stream = self.stream(key)?;
        if let Some(error) = stream.take_error()? {
            return Err(error);
        }
        match stream.peer_addr() {
            Ok(_) => Ok(Some(Resume::Woke)),
            Err(e) if e.kind() == IoKind::NotConnected || e.kind() == IoKind::WouldBlock => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    fn read_line(&mut self, key: usize) -> io::Result<Option<Resume>> {
        loop {
            let socket = &mut self.table[key];
            if let Some(line) = socket.take_line() {
                return Ok(Some(match line {
                    Ok(line) => Resume::Line(Some(Box::new(line))),
                    Err(error) => Resume::Failed(error.into()),
                }));
            }
            if socket.eof {
                return Ok(Some(Resume::Line(None)));
            }
            if !self.fill(key)? {
                return Ok(None);
            }
        }
    }

    fn read_exact(&mut self, key: usize, n: usize) -> io::Result<Option<Resume>> {
        loop {
            let socket = &mut self.table[key];
            if socket.input.len() >= n {
                let bytes: Vec<u8> = socket.input.drain(..n).collect();
                return Ok(Some(Resume::Returned(Value::new(bytes))));
            }
            if socket.eof {
                let message = format!(
                    "the peer closed the connection {} bytes short",
                    n - socket.input.len()
                );
                return Err(io::Error::new(IoKind::UnexpectedEof, message));
            }
            if !self.fill(key)? {
                return Ok(None);
            }
        }
    }

    /// What is buffered, up to `max` bytes; else one `read(2)` first. The
    /// whole buffer moves out without a copy when it fits.
    fn read_some(&mut self, key: usize, max: usize) -> io::Result<Option<Resume>> {
        loop {
            let socket = &mut self.table[key];
            if !socket.input.is_empty() || socket.eof {
                let bytes = if socket.input.len() <= max {
                    std::mem::take(&mut socket.input)
                } else {
                    socket.input.drain(..max).collect()
                };
                return Ok(Some(Resume::Returned(Value::new(bytes))));
            }
            if !self.fill(key)? {
                return Ok(None);
            }
        }
    }

    /// One `read(2)` into the socket's input: `Ok(false)` when it would block.
    fn fill(&mut self, key: usize) -> io::Result<bool> {
        let chunk = &mut self.scratch;
        let socket = &mut self.table[key];
        let Io::Stream(stream) = &mut socket.io else {
            return Err(io::Error::new(
                IoKind::InvalidInput,
                "cannot read from a listening socket",
            ));
        };
        loop {
            return match stream.read(chunk) {
                Ok(0) => {
                    socket.eof = true;
                    Ok(true)
                }
                Ok(n) => {
                    socket.take_bytes(&chunk[..n]);
                    Ok(true)
                }
                Err(e) if e.kind() == IoKind::Interrupted => continue,
                Err(e) if e.kind() == IoKind::WouldBlock => Ok(false),
                Err(e) => Err(e),
            };
        }
    }

    /// Writes the socket's output until it is empty (`Woke`) or would block.
    fn flush(&mut self, key: usize) -> io::Result<Option<Resume>> {
        let socket = &mut self.table[key];
        let Io::Stream(stream) = &mut socket.io else {
            return Err(io::Error::new(
                IoKind::InvalidInput,
                "cannot write to a listening socket",
            ));
        };
        while !socket.output.is_empty() {
            match stream.write(&socket.output) {
                Ok(0) => return Err(IoKind::WriteZero.into()),
                Ok(n) => drop(socket.output.drain(..n)),
                Err(e) if e.kind() == IoKind::Interrupted => {}
                Err(e) if e.kind() == IoKind::WouldBlock => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        Ok(Some(Resume::Woke))
    }

    fn stream(&mut self, key: usize) -> io::Result<&mut TcpStream> {
        match &mut self.table[key].io {
            Io::Stream(stream) => Ok(stream),
            Io::Listening(_) => Err(io::Error::new(IoKind::InvalidInput, "not a connection")),
        }
    }

    /// Closes the socket now; a task parked on it gets a `ConnectionAborted`
    /// error (so closing a listener ends the accept loop waiting on it).
    fn close(&mut self, socket: SocketId) -> Resume {
        match self.table.get(socket.key) {
            Some(entry) if entry.generation == socket.generation => {
                self.remove(socket.key);
                Resume::Woke
            }
            _ => closed(),
        }
    }

    fn remove(&mut self, key: usize) {
        let mut socket = self.table.remove(key);
        // Deregistering can only fail if the descriptor is already gone;
        // dropping the socket closes it either way.
        let _ = match &mut socket.io {
            Io::Listening(listener) => self.registry.deregister(listener),
            Io::Stream(stream) => self.registry.deregister(stream),
        };
        for waiter in [socket.reader, socket.writer].into_iter().flatten() {
            self.woken.push((waiter.parked, closed()));
        }
    }

    /// Closes the sockets whose every handle was dropped without `close`.
    fn close_dropped(&mut self) {
        let dropped = std::mem::take(&mut *self.dropped.borrow_mut());
        for socket in dropped {
            self.close(socket);
        }
    }
}

impl Source for Sockets {
    fn ready(&mut self, sub: usize) {
        self.close_dropped();
        self.retry(sub);
    }

    fn wake(&mut self, trampoline: &mut Trampoline) {
        self.close_dropped();
        for (parked, resume) in std::mem::take(&mut self.woken) {
            trampoline.wake_parked(parked, resume);
        }
    }

    /// A scan of the table, only when the loop is about to sleep: cheap for
    /// the hundreds of connections of the examples (a count kept up to date
    /// by every slot change would make it O(1)).
    fn has_waiters(&self) -> bool {
        self.table.iter().any(|(_, s)| {
            [&s.reader, &s.writer]
                .into_iter()
                .flatten()
                .any(|w| w.parked.is_waiting())
        })
    }
}

impl Socket {
    fn slot(&self, read_side: bool) -> Option<&Waiter> {
        if read_side {
            self.reader.as_ref()
        } else {
            self.writer.as_ref()
        }
    }

    fn slot_mut(&mut self, read_side: bool) -> &mut Option<Waiter> {
        if read_side {
            &mut self.reader
        } else {
            &mut self.writer
        }
    }

    /// Empties a side whose waiter left: a writer's unsent bytes go with it.
    fn free(&mut self, read_side: bool) {
        *self.slot_mut(read_side) = None;
        if !read_side {
            self.output.clear();
        }
    }

    fn take_bytes(&mut self, mut bytes: &[u8]) {
        if self.skipping {
            match bytes.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    self.skipping = false;
                    bytes = &bytes[end + 1..];
                }
                None => return,
            }
        }
        self.input.extend_from_slice(bytes);
    }

    /// The next complete line of input (the last one at end of input), if
    /// any; an overlong or non-UTF-8 line is an error for that line only.
    fn take_line(&mut self) -> Option<Result<String, InputError>> {
        let end = match self.input.iter().position(|&b| b == b'\n') {
            Some(end) => end + 1,
            None if self.eof && !self.input.is_empty() => self.input.len(),
            None if self.input.len() > DEFAULT_LINE_LIMIT => {
                self.lines += 1;
                self.input.clear();
                self.skipping = true;
                let (line, limit) = (self.lines, DEFAULT_LINE_LIMIT);
                return Some(Err(InputError::TooLong { line, limit }));
            }
            None => return None,
        };
        self.lines += 1;
        let mut bytes: Vec<u8> = self.input.drain(..end).collect();
        while matches!(bytes.last(), Some(b'\n' | b'\r')) {
            bytes.pop();
        }
        if bytes.len() > DEFAULT_LINE_LIMIT {
            return Some(Err(InputError::TooLong {
                line: self.lines,
                limit: DEFAULT_LINE_LIMIT,
            }));
        }
        let line = self.lines;
        Some(String::from_utf8(bytes).map_err(|_| InputError::InvalidUtf8 { line }))
    }
}

fn answer<T: 'static>(result: io::Result<T>) -> Resume {
    match result {
        Ok(value) => Resume::Returned(Value::new(value)),
        Err(error) => Resume::Failed(error.into()),
    }
}

fn closed() -> Resume {
    let error = io::Error::new(IoKind::ConnectionAborted, "the socket was closed");
    Resume::Failed(Error::from(error))
}

fn busy(read_side: bool) -> Resume {
    let what = if read_side {
        "reading from"
    } else {
        "writing to"
    };
    Resume::Failed(Error::msg(format!(
        "another task is already {what} this socket"
    )))
}
