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
                    let every = (timeout / 4).clamp(SWEEP_MIN, SWEEP_MAX);
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
    /// that never reads holds a write forever otherwise); disarms itself
    /// when no connection has a timeout any more.
    pub(super) fn sweep(&mut self) {
        let mut any = false;
        for (_, socket) in &mut self.table {
            let Some(timeout) = socket.idle_timeout else {
                continue;
            };
            any = true;
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
        self.sweep_every = self.sweep_every.filter(|_| any);
        self.sweep_at = self.sweep_every.map(|every| self.now + every);
    }
}
