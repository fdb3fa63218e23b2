//! How IO sources plug into the event loop's poller, so that the loop knows
//! no socket and no token of theirs.
//!
//! A [`Source`] (the socket table, the thread pool) registers what it
//! watches with mio under tokens the [`Reactor`] makes for it, is told when
//! one is ready, and wakes the tasks parked on it. The event loop only polls
//! and calls [`Reactor::ready`] and [`Reactor::wake`]. A source is made the
//! first time a system call needs it, and kept in the kernel's extensions,
//! where its next system calls find it.

use std::cell::RefCell;
use std::fmt;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use mio::event::Event;
use mio::{Registry, Token};

use crate::kernel::Trampoline;

/// Something the poller watches for the tasks parked on it.
pub(crate) trait Source {
    /// mio said the token made with this `sub` number is ready; `event`
    /// says for what (readable, the peer closed, ...).
    fn ready(&mut self, sub: usize, event: &Event);
    /// Wakes the tasks whose operations are done.
    fn wake(&mut self, trampoline: &mut Trampoline);
    /// Whether a task is parked here: the loop must not call that a deadlock.
    fn has_waiters(&self) -> bool;
    /// Whether work was left for the next round (a read budget ran out):
    /// the loop must poll again without sleeping.
    fn has_backlog(&self) -> bool {
        false
    }
    /// When the source next needs its `wake` called though nothing is ready
    /// (a sweep for idle timeouts): the loop sleeps no longer than that.
    fn next_deadline(&self) -> Option<Duration> {
        None
    }
}

/// How many low bits of a token say which source it belongs to; the rest is
/// the source's own number (a socket's slab key).
const SOURCE_BITS: u32 = 4;
const SOURCE_MASK: usize = (1 << SOURCE_BITS) - 1;

/// The poller's registry and the sources registered with it.
pub(crate) struct Reactor {
    registry: Registry,
    sources: RefCell<Vec<Rc<RefCell<dyn Source>>>>,
}

impl Reactor {
    /// The reactor of the poller whose registry this is. The event loop
    /// keeps it in the kernel's extensions, for [`source`] to find.
    pub(crate) fn new(registry: Registry) -> Rc<Self> {
        Rc::new(Reactor {
            registry,
            sources: RefCell::default(),
        })
    }

    /// The token for the source at `index` and its own number `sub`.
    pub(crate) const fn token(index: usize, sub: usize) -> Token {
        Token(sub << SOURCE_BITS | index)
    }

    /// The event loop's own tokens (stdin, signals): the source bits all
    /// ones, a number no source is given.
    pub(crate) const fn loop_token(n: usize) -> Token {
        Self::token(SOURCE_MASK, n)
    }

    /// Tells the source the event's token belongs to that it is ready.
    pub(crate) fn ready(&self, event: &Event) {
        let token = event.token();
        let source = self.sources.borrow().get(token.0 & SOURCE_MASK).cloned();
        if let Some(source) = source {
            source.borrow_mut().ready(token.0 >> SOURCE_BITS, event);
        }
    }

    /// Lets every source finish its round and wake the tasks whose
    /// operations are done.
    pub(crate) fn wake(&self, trampoline: &mut Trampoline) {
        // By index, not over a borrow: a source's wake-ups may run code that
        // makes a new source (no allocation per poll either).
        let count = self.sources.borrow().len();
        for index in 0..count {
            let source = self.sources.borrow()[index].clone();
            source.borrow_mut().wake(trampoline);
        }
    }

    /// The earliest deadline of any source.
    pub(crate) fn next_deadline(&self) -> Option<Duration> {
        self.sources
            .borrow()
            .iter()
            .filter_map(|s| s.borrow().next_deadline())
            .min()
    }

    /// Whether a source left work for the next round.
    pub(crate) fn has_backlog(&self) -> bool {
        self.sources
            .borrow()
            .iter()
            .any(|s| s.borrow().has_backlog())
    }

    /// Whether a task is parked on any source.
    pub(crate) fn has_waiters(&self) -> bool {
        self.sources
            .borrow()
            .iter()
            .any(|s| s.borrow().has_waiters())
    }
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reactor({} sources)", self.sources.borrow().len())
    }
}

/// The source of type `S`, made by `make` (with the registry and its index
/// for tokens) the first time it is needed.
pub(crate) fn source<S: Source + 'static>(
    trampoline: &mut Trampoline,
    make: impl FnOnce(&Registry, usize) -> io::Result<S>,
) -> io::Result<Rc<RefCell<S>>> {
    if let Some(source) = trampoline.extensions.get::<Rc<RefCell<S>>>() {
        return Ok(source.clone());
    }
    let reactor = trampoline
        .extensions
        .get::<Rc<Reactor>>()
        .expect("BUG: the event loop keeps its reactor in the extensions")
        .clone();
    let index = reactor.sources.borrow().len();
    assert!(
        index < SOURCE_MASK,
        "BUG: more IO sources than tokens can tell apart"
    );
    let source = Rc::new(RefCell::new(make(&reactor.registry, index)?));
    reactor.sources.borrow_mut().push(source.clone());
    trampoline.extensions.insert(source.clone());
    Ok(source)
}
