//! A connection's settings (`co.configure`: `TCP_NODELAY`, keep-alive, the
//! line limit, the idle timeout) and the idle sweep that enforces the
//! timeout: the socket table's rarely-run part, kept apart from its hot path.

use std::io::{self, ErrorKind as IoKind};
use std::time::Duration;

use mio::net::TcpStream;

use super::{Io, Sockets};
use crate::io::tcp::{SocketId, SocketOption};
use crate::kernel::{Resume, Trampoline};

/// How often the idle sweep looks, at most: a timeout fires between its
/// time and that plus a quarter of it (capped at this).
const SWEEP_MAX: Duration = Duration::from_secs(1);

/// How often at least: a zero timeout must not make the loop spin.
const SWEEP_MIN: Duration = Duration::from_millis(1);

impl Sockets {
    /// Runs `f` on the stream of a live connection.
    pub(super) fn with_stream<T>(
        &mut self,
        socket: SocketId,
        f: impl FnOnce(&mut TcpStream) -> io::Result<T>,
    ) -> io::Result<T> {
        match self.table.get_mut(socket.key) {
            Some(entry) if entry.generation == socket.generation => match &mut entry.io {
                Io::Stream(stream) => f(stream),
                Io::Listening(_) => Err(io::Error::new(IoKind::InvalidInput, "not a connection")),
            },
            _ => Err(io::Error::new(
                IoKind::NotConnected,
                "the socket was closed",
            )),
        }
    }

    /// Changes one setting of a connection.
    pub(super) fn configure(
        &mut self,
        socket: SocketId,
        option: SocketOption,
        trampoline: &Trampoline,
    ) -> io::Result<()> {
        match option {
            SocketOption::NoDelay(on) => self.with_stream(socket, |s| s.set_nodelay(on)),
            SocketOption::KeepAlive(idle) => self.with_stream(socket, |s| {
                use rustix::net::sockopt;
                sockopt::set_socket_keepalive(&*s, idle.is_some())?;
                if let Some(idle) = idle {
                    sockopt::set_tcp_keepidle(&*s, idle)?;
                }
                Ok(())
            }),
            SocketOption::LineLimit(limit) => self.with_stream(socket, |_| Ok(())).map(|()| {
                self.table[socket.key].input.limit = limit;
            }),
            SocketOption::IdleTimeout(timeout) => {
                self.with_stream(socket, |_| Ok(()))?;
                let entry = &mut self.table[socket.key];
                entry.idle_timeout = timeout;
                entry.last_input = self.now;
                if let Some(timeout) = timeout {
                    let every = sweep_period(timeout);
                    self.sweep_every = Some(self.sweep_every.map_or(every, |e| e.min(every)));
                    let next = trampoline.clock.now() + every;
                    self.sweep_at = Some(self.sweep_at.map_or(next, |at| at.min(next)));
                }
                Ok(())
            }
        }
    }

    /// Fails the reads and writes that waited longer than their
    /// connection's idle timeout without a byte going their way (a peer
    /// that never reads holds a write forever otherwise). Its period
    /// follows the shortest timeout still set, so it slows down again once
    /// the connection with a short one is gone (or raised its timeout), and
    /// it disarms itself when no connection has a timeout any more.
    pub(super) fn sweep(&mut self) {
        let mut every: Option<Duration> = None;
        for (_, socket) in &mut self.table {
            let Some(timeout) = socket.idle_timeout else {
                continue;
            };
            let period = sweep_period(timeout);
            every = Some(every.map_or(period, |e| e.min(period)));
            for read_side in [true, false] {
                let progress = if read_side {
                    socket.last_input
                } else {
                    socket.last_output
                };
                let slot = socket.slot_mut(read_side);
                let idle = slot.as_ref().is_some_and(|waiter| {
                    waiter.parked.is_waiting()
                        && self.now.saturating_sub(progress.max(waiter.since)) >= timeout
                });
                if idle {
                    let waiter = slot.take().expect("BUG: an idle side has a waiter");
                    if !read_side {
                        socket.output.clear(); // a writer's unsent bytes go with it
                    }
                    let what = if read_side {
                        "no input"
                    } else {
                        "no output taken"
                    };
                    let message =
                        format!("{what} for {:.1} s: idle timeout", timeout.as_secs_f64());
                    let error = io::Error::new(IoKind::TimedOut, message);
                    self.woken
                        .push((waiter.parked, Resume::Failed(error.into())));
                }
            }
        }
        self.sweep_every = every;
        self.sweep_at = every.map(|every| self.now + every);
    }
}

/// How often the sweep runs for a connection with this timeout.
fn sweep_period(timeout: Duration) -> Duration {
    (timeout / 4).clamp(SWEEP_MIN, SWEEP_MAX)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{Io, Sockets};
    use crate::io::tcp::{SocketId, SocketOption};
    use crate::kernel::{Clock, Trampoline};

    /// A connected stream in the table (its peer kept alive by the caller).
    fn stream(sockets: &mut Sockets, peer: &std::net::TcpListener) -> SocketId {
        let stream = mio::net::TcpStream::connect(peer.local_addr().unwrap()).unwrap();
        sockets.insert(Io::Stream(stream)).unwrap()
    }

    fn timeout(sockets: &mut Sockets, socket: SocketId, ms: Option<u64>, t: &Trampoline) {
        let option = SocketOption::IdleTimeout(ms.map(Duration::from_millis));
        sockets.configure(socket, option, t).unwrap();
    }

    /// `TCP_NODELAY` is on for every stream the table opens; `configure`
    /// turns it off, and keep-alive on with its idle time, then off.
    #[test]
    fn no_delay_and_keep_alive_are_set_on_the_socket_itself() {
        use rustix::net::sockopt;
        let poll = mio::Poll::new().unwrap();
        let mut sockets = Sockets::new(poll.registry(), 0).unwrap();
        let trampoline = Trampoline::new(Clock::virtual_at_zero());
        let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = peer.local_addr().unwrap();
        let stream = mio::net::TcpStream::connect(addr).unwrap();
        let id = sockets.open_stream(stream, addr).unwrap().id();
        let get = |sockets: &mut Sockets, f: fn(&mio::net::TcpStream) -> (bool, bool, u64)| {
            sockets.with_stream(id, |s| Ok(f(s))).unwrap()
        };
        let read = |s: &mio::net::TcpStream| {
            let keepidle = sockopt::tcp_keepidle(s).unwrap().as_secs();
            (
                s.nodelay().unwrap(),
                sockopt::socket_keepalive(s).unwrap(),
                keepidle,
            )
        };
        assert!(matches!(get(&mut sockets, read), (true, false, _)));
        let configure = |sockets: &mut Sockets, option| {
            sockets.configure(id, option, &trampoline).unwrap();
        };
        configure(&mut sockets, SocketOption::NoDelay(false));
        let idle = Some(Duration::from_secs(42));
        configure(&mut sockets, SocketOption::KeepAlive(idle));
        assert_eq!(get(&mut sockets, read), (false, true, 42));
        configure(&mut sockets, SocketOption::KeepAlive(None));
        assert!(!get(&mut sockets, read).1);
    }

    #[test]
    fn the_sweep_slows_down_again_once_the_short_timeout_is_gone() {
        let poll = mio::Poll::new().unwrap();
        let mut sockets = Sockets::new(poll.registry(), 0).unwrap();
        let trampoline = Trampoline::new(Clock::virtual_at_zero());
        let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let (long, short) = (stream(&mut sockets, &peer), stream(&mut sockets, &peer));
        let ms = Duration::from_millis;

        timeout(&mut sockets, long, Some(60_000), &trampoline);
        assert_eq!(sockets.sweep_every, Some(ms(1000)));
        timeout(&mut sockets, short, Some(100), &trampoline);
        assert_eq!(sockets.sweep_every, Some(ms(25)));
        assert_eq!(sockets.sweep_at, Some(ms(25)));

        // The short timeout raised: the next sweep goes back to a second.
        sockets.now = ms(25);
        sockets.sweep();
        assert_eq!(sockets.sweep_every, Some(ms(25)));
        timeout(&mut sockets, short, Some(2_000), &trampoline);
        sockets.now = ms(50);
        sockets.sweep();
        assert_eq!(sockets.sweep_every, Some(ms(500)));
        assert_eq!(sockets.sweep_at, Some(ms(550)));

        // Short again, then that connection closes.
        timeout(&mut sockets, short, Some(4), &trampoline);
        assert_eq!(sockets.sweep_every, Some(ms(1)));
        sockets.close(short);
        sockets.now = ms(551);
        sockets.sweep();
        assert_eq!(sockets.sweep_every, Some(ms(1000)));
        assert_eq!(sockets.sweep_at, Some(ms(1551)));

        // No timeout left: no sweep at all.
        timeout(&mut sockets, long, None, &trampoline);
        sockets.sweep();
        assert_eq!((sockets.sweep_every, sockets.sweep_at), (None, None));
    }
}
