//! Standard input as a source of lines: mio readiness where the kernel offers
//! it, plain reads where it does not, and never `O_NONBLOCK`.
//!
//! Three facts shape this file:
//! - epoll refuses regular files and `/dev/null` (`EPERM`): their reads never
//!   block, so they are treated as always readable.
//! - Setting `O_NONBLOCK` on the inherited stdin would change the file
//!   description the user's shell shares with us, and leave it broken after
//!   we exit. So reads stay blocking, and we only read after `poll(2)` with a
//!   zero timeout says a read will not block.
//! - mio registers edge-triggered: one event per arrival of data. So after an
//!   event we keep reading while `poll(2)` says there is more, and remember
//!   (`maybe_readable`) that data may be waiting when nobody asked for it yet.

use std::io;

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};
use rustix::event::{PollFd, PollFlags};
use rustix::fd::AsFd;

use crate::io::lines::InputError;
use crate::io::lines::{DEFAULT_LINE_LIMIT, LineSplitter};
use crate::io::source::Reactor;
use crate::kernel::{Error, InputQueue};

/// The mio token of standard input.
pub(crate) const STDIN: Token = Reactor::loop_token(0);

/// Bytes read per `read(2)`.
const CHUNK: usize = 64 * 1024;

/// Reads per tick at most: an input that never blocks and has no newline
/// (`/dev/zero`, a huge one-line file) costs 256 KiB of reading per tick,
/// and timers, other tasks and signals still get their turn.
const READS_PER_TICK: usize = 4;

/// How standard input can be waited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Readiness {
    /// A pipe, a terminal or a socket: registered with mio.
    Registered,
    /// A regular file or `/dev/null`: a read never blocks.
    AlwaysReadable,
}

/// Standard input, feeding an [`InputQueue`].
#[derive(Debug)]
pub(crate) struct StdinSource {
    readiness: Readiness,
    /// An event came (or we have not checked yet) and the data may not all be
    /// read: check with `poll(2)` before the next read.
    maybe_readable: bool,
    splitter: LineSplitter,
    buffer: Vec<u8>,
    /// The end was read: nothing more will come.
    ended: bool,
}

impl StdinSource {
    /// Registers stdin with mio if the kernel allows it.
    pub(crate) fn open(registry: &Registry) -> Self {
        let readiness = match registry.register(&mut SourceFd(&0), STDIN, Interest::READABLE) {
            Ok(()) => Readiness::Registered,
            // EPERM: a regular file or /dev/null. EBADF: stdin is closed; a
            // read will say so and end the input. Anything else: reads will
            // tell us what is wrong.
            Err(_) => Readiness::AlwaysReadable,
        };
        StdinSource {
            readiness,
            maybe_readable: true,
            splitter: LineSplitter::new(DEFAULT_LINE_LIMIT),
            buffer: vec![0; CHUNK],
            ended: false,
        }
    }

    /// mio says stdin became readable.
    pub(crate) fn on_readable(&mut self) {
        self.maybe_readable = true;
    }

    /// Whether a read now could produce something without blocking.
    pub(crate) fn can_read_now(&self) -> bool {
        self.readiness == Readiness::AlwaysReadable || self.maybe_readable
    }

    /// Whether stdin may have more for a reader: the loop must not sleep.
    pub(crate) fn has_more(&self) -> bool {
        !self.ended && self.can_read_now()
    }

    /// Reads what is available into `queue`, without ever blocking and at
    /// most [`READS_PER_TICK`] reads: a line, the end, or nothing when no
    /// data is waiting (or the budget ran out: [`has_more`](Self::has_more)).
    pub(crate) fn fill(&mut self, queue: &mut InputQueue) {
        for _ in 0..READS_PER_TICK {
            if !queue.is_starved() || !self.can_read_now() {
                return;
            }
            if self.readiness == Readiness::Registered && !self.poll_readable() {
                self.maybe_readable = false;
                return;
            }
            match rustix::io::read(io::stdin().as_fd(), &mut self.buffer[..]) {
                Ok(0) | Err(rustix::io::Errno::BADF) => self.end(queue),
                Ok(n) => self.splitter.push(&self.buffer[..n], &mut |line| {
                    queue.push(line.map_err(Error::from))
                }),
                Err(rustix::io::Errno::INTR) => {}
                Err(rustix::io::Errno::AGAIN) => self.maybe_readable = false,
                Err(e) => {
                    queue.push(Err(InputError::Read(e.into()).into()));
                    self.end(queue);
                }
            }
        }
    }

    fn end(&mut self, queue: &mut InputQueue) {
        self.splitter
            .finish(&mut |line| queue.push(line.map_err(Error::from)));
        queue.end();
        self.ended = true;
    }

    /// Asks `poll(2)`, without waiting, whether a read would not block.
    fn poll_readable(&self) -> bool {
        let stdin = io::stdin();
        let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
        match rustix::event::poll(&mut fds, Some(&rustix::event::Timespec::default())) {
            Ok(0) => false,
            Ok(_) => !fds[0].revents().is_empty(),
            // Let the read find out what is wrong.
            Err(_) => true,
        }
    }
}
