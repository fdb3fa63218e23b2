//! TCP for coroutines: `listen`, `accept`, `connect`, read a line, read n
//! bytes, write all, `close`, each a command the trampoline interprets, so a
//! server on one thread serves many clients at once: a task per connection,
//! parked on its socket while the kernel has nothing for it.
//!
//! The handles ([`Listener`], [`Connection`]) are tickets, not sockets: the
//! socket itself, its buffers and the task waiting on it live in the loop's
//! socket table (`sockets.rs`). Errors (connection refused or reset, address
//! in use) come back at the call site as an [`Error`] whose kind is
//! [`ErrorKind::Io`](crate::ErrorKind::Io).

use std::cell::RefCell;
use std::fmt;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use crate::io::sockets::Sockets;
use crate::io::source::source;
use crate::kernel::{Co, Error, Resume, SystemCall, Trampoline, thrown};

/// Which socket in the loop's table: a slab key, and a generation so a stale
/// handle never reaches a socket that reused its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SocketId {
    pub(crate) key: usize,
    pub(crate) generation: u64,
}

/// What a coroutine asks of the socket table (inside the `NetOp` system call).
#[derive(Debug)]
pub(crate) enum NetOp {
    /// Bind and listen; answered with a [`Listener`].
    Listen(SocketAddr),
    /// Start connecting; answered at once with a [`Connection`].
    Connect(SocketAddr),
    /// Wait until the connect started by `Connect` is done (or failed).
    Connected(SocketId),
    /// Wait for the next client; answered with a [`Connection`].
    Accept(SocketId),
    /// The next line, or `None` at the end of the stream.
    ReadLine(SocketId),
    /// Exactly this many bytes.
    ReadExact(SocketId, usize),
    /// What has arrived, at least one byte and at most this many; none at
    /// the end of the stream.
    ReadSome(SocketId, usize),
    /// Send all these bytes.
    WriteAll(SocketId, Vec<u8>),
    /// Close the socket now.
    Close(SocketId),
    /// Send the end of the stream; reading goes on.
    ShutdownWrite(SocketId),
    /// Change a setting of the connection.
    Configure(SocketId, SocketOption),
}

/// A setting of one connection, changed by [`Co::configure`].
///
/// ```
/// use std::time::Duration;
/// use trampoline::{Coroutine, Scheduler, SocketOption};
///
/// let main = Coroutine::new(|co| async move {
///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
///     let _client = co.connect(listener.local_addr()).await?;
///     let server_side = co.accept(&listener).await?;
///     co.configure(&server_side, SocketOption::IdleTimeout(Some(Duration::from_millis(50)))).await?;
///     // The client says nothing: the read fails after 50 ms.
///     Ok(co.read_line_from(&server_side).await.unwrap_err().to_string())
/// });
/// let error = Scheduler::new().unwrap().run_until_complete(main).unwrap();
/// assert!(error.contains("idle timeout"), "{error}");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SocketOption {
    /// `TCP_NODELAY`: small writes leave at once instead of waiting for the
    /// peer's ACK of the previous ones (Nagle's algorithm). On by default for
    /// every accepted and connected stream, as asyncio does.
    NoDelay(bool),
    /// `SO_KEEPALIVE`, probing a silent peer after this idle time
    /// (`TCP_KEEPIDLE`); `None` turns it off (the default).
    KeepAlive(Option<Duration>),
    /// A read that waits this long without a byte from the peer, or a write
    /// that waits this long without the peer taking a byte, fails with an
    /// `Err` of kind `TimedOut`; `None` waits forever (the default).
    IdleTimeout(Option<Duration>),
    /// The longest line [`Co::read_line_from`] hands out (default 1 MiB);
    /// a longer one is an `Err` for that line, dropped as it arrives.
    LineLimit(usize),
}

impl NetOp {
    /// Whether the operation waits for readability (else writability).
    pub(crate) fn is_read_side(&self) -> bool {
        match self {
            NetOp::Accept(_) | NetOp::ReadLine(_) | NetOp::ReadExact(..) | NetOp::ReadSome(..) => {
                true
            }
            NetOp::Listen(_)
            | NetOp::Connect(_)
            | NetOp::Connected(_)
            | NetOp::WriteAll(..)
            | NetOp::Close(_)
            | NetOp::ShutdownWrite(_)
            | NetOp::Configure(..) => false,
        }
    }
}

/// The shared part of a handle: when the last clone is dropped without
/// `close`, the socket is queued to be closed by the loop.
struct Ticket {
    id: SocketId,
    addr: SocketAddr,
    dropped: Rc<RefCell<Vec<SocketId>>>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.dropped.borrow_mut().push(self.id);
    }
}

/// A listening TCP socket, from [`Co::listen`]. Clones share the socket; it
/// is closed by [`Co::close_listener`] or when the last clone is dropped.
///
/// A server is an accept loop that starts a task per client:
///
/// ```
/// use trampoline::{Connection, Coroutine, Scheduler};
///
/// fn greet(connection: Connection) -> Coroutine<()> {
///     Coroutine::new(move |co| async move {
///         co.write_all(&connection, "Welcome.\n").await?;
///         co.close(&connection).await
///     })
/// }
///
/// let main = Coroutine::new(|co| async move {
///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
///     let server = listener.clone();
///     let serve = co
///         .spawn(Coroutine::new(move |co| async move {
///             for _ in 0..3 {
///                 let connection = co.accept(&server).await?;
///                 drop(co.spawn(greet(connection)).await?);
///             }
///             Ok(())
///         }))
///         .await?;
///     let mut greetings = Vec::new();
///     for _ in 0..3 {
///         let client = co.connect(listener.local_addr()).await?;
///         greetings.push(co.read_line_from(&client).await?);
///     }
///     co.join(serve).await?;
///     Ok(greetings)
/// });
/// let greetings = Scheduler::new().unwrap().run_until_complete(main).unwrap();
/// assert!(greetings.iter().all(|g| g.as_deref() == Some("Welcome.")));
/// ```
#[derive(Clone)]
pub struct Listener(Rc<Ticket>);

/// A TCP connection, from [`Co::accept`] or [`Co::connect`]. Clones share the
/// connection; it is closed by [`Co::close`] or when the last clone is dropped.
/// One task may read it while another writes it; two readers at once get an
/// error.
///
/// ```
/// use trampoline::{Coroutine, Scheduler};
///
/// let main = Coroutine::new(|co| async move {
///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
///     let client = co.connect(listener.local_addr()).await?;
///     let server_side = co.accept(&listener).await?;
///     let reader = client.clone();
///     let read = co
///         .spawn(Coroutine::new(move |co| async move { co.read_line_from(&reader).await }))
///         .await?;
///     co.write_all(&server_side, "8\n").await?;
///     co.join(read).await
/// });
/// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap().as_deref(), Some("8"));
/// ```
#[derive(Clone)]
pub struct Connection(Rc<Ticket>);

impl Listener {
    pub(crate) fn new(id: SocketId, addr: SocketAddr, dropped: Rc<RefCell<Vec<SocketId>>>) -> Self {
        Listener(Rc::new(Ticket { id, addr, dropped }))
    }

    /// The address it listens on: with port 0, the port the kernel chose.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
    ///     Ok(listener.local_addr().port())
    /// });
    /// assert_ne!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), 0);
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.0.addr
    }
}

impl Connection {
    pub(crate) fn new(id: SocketId, addr: SocketAddr, dropped: Rc<RefCell<Vec<SocketId>>>) -> Self {
        Connection(Rc::new(Ticket { id, addr, dropped }))
    }

    pub(crate) fn id(&self) -> SocketId {
        self.0.id
    }

    /// The address of the other end.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
    ///     let client = co.connect(listener.local_addr()).await?;
    ///     Ok(client.peer_addr() == listener.local_addr())
    /// });
    /// assert!(Scheduler::new().unwrap().run_until_complete(main).unwrap());
    /// ```
    pub fn peer_addr(&self) -> SocketAddr {
        self.0.addr
    }
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Listener({})", self.0.addr)
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Connection({})", self.0.addr)
    }
}

/// A socket operation is a system call: it carries itself out on the
/// loop's socket table.
impl SystemCall for NetOp {
    fn apply(self: Box<Self>, trampoline: &mut Trampoline, key: usize) -> Option<Resume> {
        let sockets = match source(trampoline, Sockets::new) {
            Ok(sockets) => sockets,
            Err(error) => return Some(Resume::Failed(error.into())),
        };
        let mut sockets = sockets.borrow_mut();
        let answer = sockets.start(*self, trampoline, key);
        // Closing a socket answers the tasks that were waiting on it. Only
        // them: the end of a round's work (the backlog, the sweep, a clock
        // read) is the loop's `wake`, once a round, not once an operation.
        sockets.wake_answered(trampoline);
        answer
    }
}

impl Co {
    /// Yields a socket operation; its failure becomes the `Err`.
    async fn net(&self, op: NetOp) -> Result<Resume, Error> {
        match self.apply(op).await {
            Resume::Failed(error) => Err(error),
            resume => Ok(resume),
        }
    }

    /// Listens for TCP connections on `addr` (port 0: any free port, see
    /// [`Listener::local_addr`]). An address in use is an `Err` here.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     let first = co.listen("127.0.0.1:0".parse().unwrap()).await?;
    ///     let second = co.listen(first.local_addr()).await;
    ///     Ok(second.unwrap_err().to_string())
    /// });
    /// let message = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    /// assert!(message.contains("in use"), "{message}");
    /// ```
    pub async fn listen(&self, addr: SocketAddr) -> Result<Listener, Error> {
        match self.net(NetOp::Listen(addr)).await? {
            Resume::Returned(value) => Ok(value.take()),
            resume => Err(thrown("listen", resume)),
        }
    }

    /// Waits for the next client of `listener`. Other tasks run meanwhile.
    /// If the listener is closed while this waits, this is an `Err`.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
    ///     let client = co.connect(listener.local_addr()).await?;
    ///     let server_side = co.accept(&listener).await?;
    ///     co.write_all(&server_side, b"Welcome.\n").await?;
    ///     co.read_line_from(&client).await
    /// });
    /// let line = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    /// assert_eq!(line.as_deref(), Some("Welcome."));
    /// ```
    pub async fn accept(&self, listener: &Listener) -> Result<Connection, Error> {
        match self.net(NetOp::Accept(listener.0.id)).await? {
            Resume::Returned(value) => Ok(value.take()),
            resume => Err(thrown("accept", resume)),
        }
    }

    /// Connects to `addr` and waits until the connection is made. A refused
    /// connection is an `Err` here.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
    ///     let addr = listener.local_addr();
    ///     co.close_listener(&listener).await?;
    ///     Ok(co.connect(addr).await.is_err())
    /// });
    /// assert!(Scheduler::new().unwrap().run_until_complete(main).unwrap());
    /// ```
    pub async fn connect(&self, addr: SocketAddr) -> Result<Connection, Error> {
        let connection: Connection = match self.net(NetOp::Connect(addr)).await? {
            Resume::Returned(value) => value.take(),
            resume => return Err(thrown("connect", resume)),
        };
        self.net(NetOp::Connected(connection.id())).await?;
        Ok(connection)
    }

    /// The next line from the connection, without its `\n` or `\r\n`;
    /// `Ok(None)` when the peer has closed its side. A line that is not UTF-8
    /// or longer than 1 MiB is an `Err` for that line only. A lone `\r`
    /// does not end a line (as in asyncio; why: [`LineSplitter`](crate::LineSplitter)).
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
    ///     let client = co.connect(listener.local_addr()).await?;
    ///     let server_side = co.accept(&listener).await?;
    ///     co.write_all(&client, b"add 3 5\r\nlast").await?;
    ///     co.close(&client).await?;
    ///     let mut lines = Vec::new();
    ///     while let Some(line) = co.read_line_from(&server_side).await? {
    ///         lines.push(line);
    ///     }
    ///     Ok(lines)
    /// });
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), ["add 3 5", "last"]);
    /// ```
    pub async fn read_line_from(&self, connection: &Connection) -> Result<Option<String>, Error> {
        match self.net(NetOp::ReadLine(connection.id())).await? {
            Resume::Line(line) => Ok(line.map(|line| *line)),
            resume => Err(thrown("read_line_from", resume)),
        }
    }

    /// Exactly `n` bytes from the connection (an HTTP body of known length);
    /// an `Err` if the peer closes first.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
    ///     let client = co.connect(listener.local_addr()).await?;
    ///     let server_side = co.accept(&listener).await?;
    ///     co.write_all(&client, b"{\"ip\": \"127.0.0.1\"}").await?;
    ///     co.read_exact_from(&server_side, 5).await
    /// });
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), b"{\"ip\"");
    /// ```
    pub async fn read_exact_from(
        &self,
        connection: &Connection,
        n: usize,
    ) -> Result<Vec<u8>, Error> {
        match self.net(NetOp::ReadExact(connection.id(), n)).await? {
            Resume::Returned(value) => Ok(value.take()),
            resume => Err(thrown("read_exact_from", resume)),
        }
    }

    /// What has arrived on the connection, at least one byte and at most
    /// `max` (parking until something comes); empty when the peer has closed
    /// its side. For parsers that keep their own buffer, like HTTP's.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
    ///     let client = co.connect(listener.local_addr()).await?;
    ///     let server_side = co.accept(&listener).await?;
    ///     co.write_all(&client, b"GET / HTTP/1.1\r\n").await?;
    ///     co.close(&client).await?;
    ///     let first = co.read_some_from(&server_side, 3).await?;
    ///     let mut rest = Vec::new();
    ///     loop {
    ///         let bytes = co.read_some_from(&server_side, 1024).await?;
    ///         if bytes.is_empty() {
    ///             break;
    ///         }
    ///         rest.extend(bytes);
    ///     }
    ///     Ok((first, rest))
    /// });
    /// let (first, rest) = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    /// assert_eq!((&first[..], &rest[..]), (&b"GET"[..], &b" / HTTP/1.1\r\n"[..]));
    /// ```
    pub async fn read_some_from(
        &self,
        connection: &Connection,
        max: usize,
    ) -> Result<Vec<u8>, Error> {
        match self.net(NetOp::ReadSome(connection.id(), max)).await? {
            Resume::Returned(value) => Ok(value.take()),
            resume => Err(thrown("read_some_from", resume)),
        }
    }

    /// Sends all of `bytes`, parking while the kernel's send buffer is full.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
    ///     let client = co.connect(listener.local_addr()).await?;
    ///     co.write_all(&client, b"8\n").await?;
    ///     let server_side = co.accept(&listener).await?;
    ///     co.read_line_from(&server_side).await
    /// });
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap().as_deref(), Some("8"));
    /// ```
    pub async fn write_all(
        &self,
        connection: &Connection,
        bytes: impl Into<Vec<u8>>,
    ) -> Result<(), Error> {
        let op = NetOp::WriteAll(connection.id(), bytes.into());
        self.net(op).await.map(drop)
    }

    /// Closes the connection now (for every clone of the handle): the peer
    /// reads the end of the stream. A task parked on it gets an `Err`.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
    ///     let client = co.connect(listener.local_addr()).await?;
    ///     let server_side = co.accept(&listener).await?;
    ///     co.close(&server_side).await?;
    ///     co.read_line_from(&client).await
    /// });
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), None);
    /// ```
    pub async fn close(&self, connection: &Connection) -> Result<(), Error> {
        self.net(NetOp::Close(connection.id())).await.map(drop)
    }

    /// Sends the end of the stream (a half close, `shutdown(SHUT_WR)`): the
    /// peer reads its end of input after everything written so far, and
    /// this side can still read what the peer sends. A server closing
    /// gracefully does this first, so that requests still in flight are
    /// read rather than answered by a reset.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
    ///     let client = co.connect(listener.local_addr()).await?;
    ///     let server_side = co.accept(&listener).await?;
    ///     co.write_all(&server_side, "bye\n").await?;
    ///     co.shutdown_write(&server_side).await?;
    ///     co.write_all(&client, "last words\n").await?;
    ///     let heard = co.read_line_from(&server_side).await?;
    ///     Ok((co.read_line_from(&client).await?, co.read_line_from(&client).await?, heard))
    /// });
    /// let (bye, end, heard) = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    /// assert_eq!((bye.as_deref(), end, heard.as_deref()), (Some("bye"), None, Some("last words")));
    /// ```
    pub async fn shutdown_write(&self, connection: &Connection) -> Result<(), Error> {
        self.net(NetOp::ShutdownWrite(connection.id()))
            .await
            .map(drop)
    }

    /// Changes a setting of the connection (see [`SocketOption`]).
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler, SocketOption};
    /// let main = Coroutine::new(|co| async move {
    ///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
    ///     let client = co.connect(listener.local_addr()).await?;
    ///     co.configure(&client, SocketOption::NoDelay(false)).await?;
    ///     co.configure(&client, SocketOption::KeepAlive(Some(std::time::Duration::from_secs(60)))).await
    /// });
    /// Scheduler::new().unwrap().run_until_complete(main).unwrap();
    /// ```
    pub async fn configure(
        &self,
        connection: &Connection,
        option: SocketOption,
    ) -> Result<(), Error> {
        self.net(NetOp::Configure(connection.id(), option))
            .await
            .map(drop)
    }

    /// Stops listening (for every clone of the handle); a task parked in
    /// [`accept`](Self::accept) on it gets an `Err`, which is how a server's
    /// accept loop is told to end.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
    ///     co.close_listener(&listener).await?;
    ///     Ok(co.accept(&listener).await.is_err())
    /// });
    /// assert!(Scheduler::new().unwrap().run_until_complete(main).unwrap());
    /// ```
    pub async fn close_listener(&self, listener: &Listener) -> Result<(), Error> {
        self.net(NetOp::Close(listener.0.id)).await.map(drop)
    }
}
