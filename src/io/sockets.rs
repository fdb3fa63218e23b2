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
//!
//! Handles are `Rc` tickets carrying the socket's generation, so a stale one
//! gets "the socket was closed", never another connection's bytes. `close`
//! closes the socket at once and wakes its waiter with `ConnectionAborted`
//! (how `tcp_server` stops its accept loop). Streams get `TCP_NODELAY` (as
//! asyncio does), so a reply in two writes is not held back by Nagle.
//!
//! No client can hold the loop or its memory (issue 14; design.md lists the
//! numbers with the crate's other limits):
//! - An operation makes at most one `read(2)` (16 KiB, into one scratch
//!   buffer) per attempt, and all sockets together at most 256 KiB per round
//!   of the loop. A read that got bytes but no line has not seen
//!   `WouldBlock`, so edge-triggered mio will not say again: the socket goes
//!   on the `backlog`, retried next round, and the loop polls again without
//!   sleeping (`Source::has_backlog`; stdin's is `has_more`), running timers
//!   and other tasks meanwhile. A read that came back short emptied the
//!   kernel's buffer: the socket is not read again until mio reports it, so
//!   a request costs one `read(2)`, not a second one that says `WouldBlock`
//!   (unless mio said the peer closed: bytes and the end of the stream can
//!   come in one event, and the end is read only by the next `read(2)`).
//!   The budget lives here, in the IO layer, not in the kernel.
//! - All sockets' buffered input together stays under 64 MiB (`INPUT_CAP`):
//!   past it the biggest unfinished line is dropped and its reader gets an
//!   error. That is fair to small requests, where stopping reads
//!   (backpressure) could leave every socket stuck on an unfinished line.
//! - A socket whose last handle is dropped (its task ended, however) is
//!   closed at the start of the next tick, before the loop sleeps, so a
//!   session whose task failed closes at once, however quiet the server.
//! - A connection may have an idle timeout: a sweep, due only while one
//!   has (the table's `next_deadline` tells the loop when), fails a read or
//!   a write that waited that long without a byte going its way
//!   (`sockets/settings.rs`). It runs every quarter of the shortest timeout,
//!   at most every second, so a timeout fires within 1.25× its time.

use std::cell::RefCell;
use std::io::{self, ErrorKind as IoKind, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::rc::Rc;
use std::time::Duration;

use mio::net::{TcpListener, TcpStream};
use mio::{Interest, Registry};
use slab::Slab;

use crate::io::buffer::InputBuffer;
use crate::io::lines::DEFAULT_LINE_LIMIT;
use crate::io::source::{Reactor, Source};
use crate::io::tcp::{Connection, Listener, NetOp, SocketId};
use crate::kernel::{Error, Parked, Resume, TaskState, Trampoline, Value};

mod settings;

/// What a task parked on a socket shows in `ps`.
const WAITING: TaskState = TaskState::WaitingForIo("a socket");

/// Bytes asked of the kernel per `read(2)`: the most one readiness event of
/// one socket costs before the loop moves on.
const CHUNK: usize = 16 * 1024;

/// Bytes all sockets together read per round of the loop (a poll and the
/// retries after it); the sockets still readable wait for the next round.
const ROUND_BYTES: usize = 256 * 1024;

/// The most input buffered by all sockets together (their buffers' heap
/// size): 1,000 clients each holding an unfinished 1 MiB line cost this, not
/// a gigabyte.
pub(crate) const INPUT_CAP: usize = 64 << 20;

/// A task waiting on a socket, and what for.
#[derive(Debug)]
struct Waiter {
    parked: Parked,
    op: NetOp,
    /// When it parked, for the idle timeout.
    since: Duration,
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
    input: InputBuffer,
    /// Bytes accepted by `write_all` and not yet taken by the kernel.
    output: Vec<u8>,
    /// The peer closed its side: no more input will come.
    eof: bool,
    /// The last `read(2)` came back short (or would block) and no readiness
    /// event came since: the kernel's buffer is empty, so a read would only
    /// say `WouldBlock`. Edge-triggered mio reports the next byte that comes.
    drained: bool,
    /// mio reported that the peer closed its side (or an error): a short
    /// read does not drain the socket then, as the end of the stream (or
    /// the error) is still to be read and no event will say so again.
    hung_up: bool,
    /// A read waiting this long with no byte from the peer fails.
    idle_timeout: Option<Duration>,
    /// When a byte last came.
    last_input: Duration,
    /// When the peer last took a byte of ours.
    last_output: Duration,
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
    /// Sockets to retry next round: a read got bytes but not `WouldBlock`.
    backlog: Vec<usize>,
    /// What is left of this round's read budget.
    bytes_left: usize,
    /// The heap size of every socket's input buffer, for [`INPUT_CAP`].
    buffered: usize,
    /// The loop's time at the start of this round: read once a round, not
    /// once an operation (a clock read was 2% of a request's time).
    now: Duration,
    /// Where `read(2)` puts bytes, made once: a fresh zeroed array per read
    /// cost a 16 KiB `memset` per request.
    scratch: Box<[u8; CHUNK]>,
    /// How often the idle sweep runs, once a connection has a timeout.
    sweep_every: Option<Duration>,
    /// When the next sweep is due: the loop sleeps no longer than that.
    sweep_at: Option<Duration>,
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
            backlog: Vec::new(),
            bytes_left: ROUND_BYTES,
            buffered: 0,
            now: Duration::ZERO,
            scratch: Box::new([0; CHUNK]),
            sweep_every: None,
            sweep_at: None,
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
            NetOp::ShutdownWrite(socket) => {
                return Some(answer(
                    self.with_stream(socket, |s| s.shutdown(Shutdown::Write)),
                ));
            }
            NetOp::Configure(socket, option) => {
                return Some(answer(self.configure(socket, option, trampoline)));
            }
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
                let since = self.now;
                *self.table[socket.key].slot_mut(read_side) = Some(Waiter { parked, op, since });
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
            NetOp::Listen(_)
            | NetOp::Connect(_)
            | NetOp::Close(_)
            | NetOp::ShutdownWrite(_)
            | NetOp::Configure(..) => {
                unreachable!("BUG: listen, connect, close and configure answer at once")
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
    /// `TCP_NODELAY` is on, as asyncio sets it on every stream: a reply
    /// written in two writes (an answer, then a prompt) would otherwise wait
    /// ~40 ms for the peer's delayed ACK (Nagle's algorithm).
    fn open_stream(&mut self, stream: TcpStream, peer: SocketAddr) -> io::Result<Connection> {
        stream.set_nodelay(true)?;
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
            input: InputBuffer::new(DEFAULT_LINE_LIMIT),
            output: Vec::new(),
            eof: false,
            drained: false,
            hung_up: false,
            idle_timeout: None,
            last_input: self.now,
            last_output: self.now,
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

    /// The next line: from the buffer, or after at most one `read(2)`.
    fn read_line(&mut self, key: usize) -> io::Result<Option<Resume>> {
        self.read_with(key, |socket| match socket.input.take_line(socket.eof) {
            Some(Ok(line)) => Some(Ok(Resume::Line(Some(Box::new(line))))),
            Some(Err(error)) => Some(Ok(Resume::Failed(error.into()))),
            None if socket.eof => Some(Ok(Resume::Line(None))),
            None => None,
        })
    }

    /// Exactly `n` bytes: from the buffer, or after at most one `read(2)`.
    fn read_exact(&mut self, key: usize, n: usize) -> io::Result<Option<Resume>> {
        self.read_with(key, |socket| match socket.input.take_exact(n) {
            Some(bytes) => Some(Ok(Resume::Returned(Value::new(bytes)))),
            None if socket.eof => {
                let short = n - socket.input.len();
                let message = format!("the peer closed the connection {short} bytes short");
                Some(Err(io::Error::new(IoKind::UnexpectedEof, message)))
            }
            None => None,
        })
    }

    /// What is buffered, up to `max` bytes, else one `read(2)` first (the
    /// HTTP layer's read: it parses whatever has come). An empty `Vec` at
    /// the end of the stream.
    fn read_some(&mut self, key: usize, max: usize) -> io::Result<Option<Resume>> {
        self.read_with(key, |socket| {
            (socket.input.len() > 0 || socket.eof)
                .then(|| Ok(Resume::Returned(Value::new(socket.input.take_some(max)))))
        })
    }

    /// The readers' one loop: `take` answers from the buffer (or at the end
    /// of the stream) when it can; else at most one `read(2)` per attempt,
    /// and a socket that read without seeing `WouldBlock` waits on the
    /// backlog for the next round (edge-triggered: no new event would come).
    fn read_with(
        &mut self,
        key: usize,
        mut take: impl FnMut(&mut Socket) -> Option<io::Result<Resume>>,
    ) -> io::Result<Option<Resume>> {
        let mut has_read = false;
        loop {
            let socket = &mut self.table[key];
            if let Some(error) = socket.input.take_eviction(INPUT_CAP) {
                return Err(error);
            }
            let before = socket.input.footprint();
            let answer = take(socket);
            self.buffered = self.buffered + self.table[key].input.footprint() - before;
            if let Some(answer) = answer {
                return answer.map(Some);
            }
            if has_read {
                if !self.table[key].drained {
                    self.backlog.push(key);
                }
                return Ok(None);
            }
            if !self.fill(key)? {
                return Ok(None);
            }
            has_read = true;
        }
    }

    /// One `read(2)` into the socket's input: `Ok(false)` when it would
    /// block, or when this round's budget is spent (the socket then waits on
    /// the backlog for the next round). After a short read no call is made
    /// until mio reports the socket again (tokio and libuv do the same): a
    /// request then costs one `read(2)` and one `write(2)`, not a second
    /// read that says `WouldBlock`.
    fn fill(&mut self, key: usize) -> io::Result<bool> {
        if self.table[key].drained {
            return Ok(false);
        }
        if self.bytes_left == 0 {
            self.backlog.push(key);
            return Ok(false);
        }
        let chunk = &mut self.scratch[..];
        let socket = &mut self.table[key];
        let Io::Stream(stream) = &mut socket.io else {
            return Err(io::Error::new(
                IoKind::InvalidInput,
                "cannot read from a listening socket",
            ));
        };
        let n = loop {
            match stream.read(chunk) {
                Ok(n) => break n,
                Err(e) if e.kind() == IoKind::Interrupted => {}
                Err(e) if e.kind() == IoKind::WouldBlock => {
                    socket.drained = true;
                    return Ok(false);
                }
                Err(e) => return Err(e),
            }
        };
        socket.drained = n < chunk.len() && !socket.hung_up;
        if n == 0 {
            socket.eof = true;
            return Ok(true);
        }
        self.bytes_left = self.bytes_left.saturating_sub(n);
        socket.last_input = self.now;
        let before = socket.input.footprint();
        socket.input.push(&chunk[..n]);
        self.buffered = self.buffered + socket.input.footprint() - before;
        if self.buffered > INPUT_CAP {
            self.evict_biggest();
        }
        Ok(true)
    }

    /// Over the cap: drops the biggest unfinished line (a scan, but only
    /// when a client is hostile) and has its reader told.
    fn evict_biggest(&mut self) {
        while self.buffered > INPUT_CAP {
            let Some((key, socket)) = self
                .table
                .iter_mut()
                .max_by_key(|(_, socket)| socket.input.footprint())
            else {
                return;
            };
            let before = socket.input.footprint();
            if before == 0 {
                return; // nothing left to drop: the count is off, not the memory
            }
            socket.input.evict();
            self.buffered -= before - socket.input.footprint();
            self.backlog.push(key);
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
                Ok(n) => {
                    socket.output.drain(..n);
                    socket.last_output = self.now;
                }
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
        self.buffered -= socket.input.footprint();
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

    /// Wakes the tasks whose operations were answered (a closed socket's
    /// waiters, say), and nothing else.
    pub(crate) fn wake_answered(&mut self, trampoline: &mut Trampoline) {
        for (parked, resume) in self.woken.drain(..) {
            trampoline.wake_parked(parked, resume);
        }
    }

    /// Closes the sockets whose every handle was dropped without `close`.
    fn close_dropped(&mut self) {
        if self.dropped.borrow().is_empty() {
            return; // every operation looks: keep the usual case cheap
        }
        let dropped = std::mem::take(&mut *self.dropped.borrow_mut());
        for socket in dropped {
            self.close(socket);
        }
    }
}

impl Source for Sockets {
    /// A socket is read again only if the event says it has something to
    /// read (a write-only event costs no `read(2)`).
    fn ready(&mut self, sub: usize, event: &mio::event::Event) {
        self.close_dropped();
        if let Some(socket) = self.table.get_mut(sub) {
            let hung_up = event.is_read_closed() || event.is_error();
            socket.hung_up |= hung_up;
            if hung_up || event.is_readable() {
                socket.drained = false;
            }
        }
        self.retry(sub);
    }

    /// The end of a round: close what was dropped, retry the backlog with
    /// a fresh budget, run the idle sweep if due, wake who is done.
    fn wake(&mut self, trampoline: &mut Trampoline) {
        self.close_dropped();
        self.now = trampoline.clock.now();
        self.bytes_left = ROUND_BYTES;
        let mut backlog = std::mem::take(&mut self.backlog);
        backlog.sort_unstable();
        backlog.dedup();
        for key in backlog {
            self.retry(key);
        }
        if self.sweep_at.is_some_and(|at| at <= self.now) {
            self.sweep();
        }
        self.wake_answered(trampoline);
    }

    fn has_backlog(&self) -> bool {
        !self.backlog.is_empty()
    }

    fn next_deadline(&self) -> Option<Duration> {
        self.sweep_at
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
