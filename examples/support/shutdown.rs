//! Graceful shutdown for the example servers (issue 14, point 7), written
//! once for `tcp_server` and `charfinder`.
//!
//! A `shutdown` from a 127.0.0.1 client, or the first SIGINT / SIGTERM
//! (Ctrl-C), starts it; a `shutdown` from any other address is refused and
//! logged, and so is the address that asked. Then:
//! 1. the listener closes: the accept loop ends, new clients are refused by
//!    the kernel;
//! 2. every session answers the request it holds, then ends; a session
//!    waiting for a request gets [`QUIET`] for it;
//! 3. an ending session closes without a reset: it sends the end of the
//!    stream, then reads (and drops) what its client still sends until the
//!    client closes too (closing with unread input sends a reset, and a
//!    reset destroys replies the client has not read yet);
//! 4. after the grace period what is left is closed.
//!
//! A second signal during the grace period ends the process at once.

#![allow(dead_code)] // each server uses a part of it

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::rc::Rc;
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};
use trampoline::sync::Event;
use trampoline::{
    Co, Connection, Coroutine, Error, ErrorKind, Listener, RunError, Scheduler, SocketOption,
    wait_for,
};

use crate::log::{Log, Stream};

/// How long a draining server waits for a quiet client's next request.
pub const QUIET: Duration = Duration::from_millis(100);

/// The live sessions of a server, and its shutdown.
#[derive(Debug)]
pub struct Sessions {
    live: RefCell<HashMap<u64, Connection>>,
    next: Cell<u64>,
    /// The listener, to close when the shutdown starts.
    listener: RefCell<Option<Listener>>,
    /// The shutdown started: sessions end after their current request.
    draining: Cell<bool>,
    /// Set when the last session left a draining server.
    all_left: Event,
    /// Set when [`finish`](Self::finish) is done.
    finished: Event,
    grace: Duration,
    log: Rc<Log>,
}

/// A session's place in the table: it leaves when this is dropped, however
/// its task ends.
#[derive(Debug)]
pub struct Member {
    sessions: Rc<Sessions>,
    id: u64,
}

impl Drop for Member {
    fn drop(&mut self) {
        let sessions = &self.sessions;
        sessions.live.borrow_mut().remove(&self.id);
        if sessions.draining.get() && sessions.live.borrow().is_empty() {
            sessions.all_left.set();
        }
    }
}

/// Whether `peer` may shut the server down: only 127.0.0.1 may.
pub fn may_shut_down(peer: SocketAddr) -> bool {
    peer.ip() == IpAddr::V4(Ipv4Addr::LOCALHOST)
}

/// A number of seconds for a flag (`--grace`, `--idle-timeout`): 0, or
/// from a millisecond to a day.
pub fn seconds(text: &str) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|e| format!("{e}"))?;
    if value == 0.0 || (0.001..=86_400.0).contains(&value) {
        Ok(value)
    } else {
        Err("must be 0, or between 0.001 and 86400".to_string())
    }
}

/// Whether a read failed for the idle timeout.
pub fn is_timeout(error: &Error) -> bool {
    matches!(error.kind(), ErrorKind::Io(e) if e.kind() == std::io::ErrorKind::TimedOut)
}

impl Sessions {
    /// No sessions yet; `grace` is how long the shutdown waits for them.
    pub fn new(grace: Duration, log: Rc<Log>) -> Rc<Self> {
        Rc::new(Sessions {
            live: RefCell::default(),
            next: Cell::new(0),
            listener: RefCell::default(),
            draining: Cell::new(false),
            all_left: Event::new(),
            finished: Event::new(),
            grace,
            log,
        })
    }

    /// The server listens on `listener`: the shutdown closes it.
    pub fn listening(&self, listener: &Listener) {
        *self.listener.borrow_mut() = Some(listener.clone());
    }

    /// Sessions served now.
    pub fn count(&self) -> usize {
        self.live.borrow().len()
    }

    /// The shutdown started: the accept loop stops, sessions end after
    /// their current request.
    pub fn is_draining(&self) -> bool {
        self.draining.get()
    }

    /// Puts a session in the table until the returned [`Member`] drops.
    pub fn enter(self: &Rc<Self>, connection: &Connection) -> Member {
        let id = self.next.get();
        self.next.set(id + 1);
        self.live.borrow_mut().insert(id, connection.clone());
        Member {
            sessions: self.clone(),
            id,
        }
    }

    /// A client asked for `shutdown`: `Ok(true)` if it started (logged with
    /// who asked), `Ok(false)` if refused (a client not on 127.0.0.1; logged
    /// too).
    pub async fn asked_by(&self, co: &Co, peer: SocketAddr) -> Result<bool, Error> {
        if !may_shut_down(peer) {
            let refused = format!("shutdown refused to {peer}");
            self.log.event(Stream::Stderr, refused);
            return Ok(false);
        }
        let asked = format!("shutdown asked by {peer}");
        self.log.info(Stream::Stderr, asked);
        self.drain(co).await?;
        Ok(true)
    }

    /// Starts the shutdown (once): closes the listener, which wakes the
    /// accept loop with an error, and gives the sessions waiting for a
    /// request [`QUIET`] for it.
    pub async fn drain(&self, co: &Co) -> Result<(), Error> {
        if self.draining.replace(true) {
            return Ok(());
        }
        if self.live.borrow().is_empty() {
            self.all_left.set();
        }
        let listener = self.listener.borrow_mut().take();
        if let Some(listener) = listener {
            co.close_listener(&listener).await?;
        }
        let sessions: Vec<Connection> = self.live.borrow().values().cloned().collect();
        for session in sessions {
            let _ = co
                .configure(&session, SocketOption::IdleTimeout(Some(QUIET)))
                .await;
        }
        Ok(())
    }

    /// Closes a session's socket: cleanly if the server is draining (see
    /// the module's point 3; at most the grace period).
    pub async fn close(&self, co: &Co, connection: &Connection) {
        if self.draining.get() && co.shutdown_write(connection).await.is_ok() {
            let grace = SocketOption::IdleTimeout(Some(self.grace));
            let _ = co.configure(connection, grace).await;
            while let Ok(bytes) = co.read_some_from(connection, 64 * 1024).await {
                if bytes.is_empty() {
                    break;
                }
            }
        }
        let _ = co.close(connection).await;
    }

    /// After the accept loop ended: waits for the sessions to end, at most
    /// the grace period, then closes the rest. Returns how many it closed.
    pub async fn finish(&self, co: &Co) -> Result<usize, Error> {
        if !self.live.borrow().is_empty() {
            // A timeout here is the end of the grace period, not a failure.
            let _ = co.call(wait_for(self.all_left.wait(), self.grace)).await;
        }
        let left: Vec<Connection> = self.live.borrow().values().cloned().collect();
        for connection in &left {
            let _ = co.close(connection).await;
        }
        let closed = left.len();
        let line = format!("shut down ({closed} sessions closed at the end of the grace period)");
        self.log.info(Stream::Stderr, line);
        self.finished.set();
        Ok(closed)
    }
}

/// Runs `server` (which ends with [`Sessions::finish`]) until it ends. The
/// first SIGINT or SIGTERM starts the same graceful shutdown as `shutdown`,
/// and the run goes on until it is finished: `Ok(Some(signal))`. A second
/// signal ends the run at once (`Err(Interrupted)`).
pub fn run(
    scheduler: &mut Scheduler,
    server: Coroutine<()>,
    sessions: &Rc<Sessions>,
) -> Result<Option<i32>, RunError> {
    scheduler.stop_on_signals(&[SIGINT, SIGTERM])?;
    match scheduler.run_until_complete(server) {
        Err(RunError::Interrupted(signal)) => {
            let sessions = sessions.clone();
            let shutdown = Coroutine::new(move |co| async move {
                let line = format!("signal {signal}: shutting down");
                sessions.log.info(Stream::Stderr, line);
                sessions.drain(&co).await?;
                // The server task, still in the scheduler, does the rest.
                co.call(sessions.finished.wait()).await
            });
            scheduler.run_until_complete(shutdown)?;
            Ok(Some(signal))
        }
        outcome => outcome.map(|()| None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_127_0_0_1_may_shut_the_server_down() {
        let at = |ip: [u8; 4]| SocketAddr::from((ip, 40_000));
        assert!(may_shut_down(at([127, 0, 0, 1])));
        assert!(!may_shut_down(at([127, 0, 0, 2])));
        assert!(!may_shut_down(at([192, 168, 1, 7])));
        assert!(!may_shut_down("[::1]:40000".parse().unwrap()));
    }

    #[test]
    fn durations_are_0_or_from_a_millisecond_to_a_day() {
        assert!(seconds("0").is_ok() && seconds("0.3").is_ok());
        for bad in ["1e-300", "-1", "nan", "inf", "1e9"] {
            assert!(seconds(bad).is_err(), "{bad}");
        }
    }
}
