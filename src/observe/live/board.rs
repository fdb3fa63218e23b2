//! The board between the two threads: the loop's side pins up its latest
//! snapshot and its events, the web side reads them for each browser; and
//! the way back, the controls a page sends.
//!
//! Every buffer is bounded: one snapshot (a newer one replaces it), the last
//! [`EVENTS`] events, the last [`OUTPUT`] output lines for a browser that
//! comes late. The loop's side never waits for the lock: if the web side
//! holds it, a snapshot is skipped (a newer one comes 33 ms later) and
//! events wait in the loop's own bounded queue until the next try.
//!
//! The web side wakes the loop through the board's [`mio::Waker`]: when a
//! page sent something, and when a browser wants a snapshot ([`Board::ask`],
//! at most once a frame). The loop takes a snapshot only then.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, TryLockError};
use std::time::{Duration, Instant};

use mio::Waker;

/// At most one snapshot a frame: 30 a second.
pub(crate) const FRAME: Duration = Duration::from_millis(33);

/// How many events the board keeps for browsers that read slowly; one that
/// falls further behind is told how many it missed.
pub(crate) const EVENTS: usize = 512;

/// How many output lines a browser that opens the page late is shown.
pub(crate) const OUTPUT: usize = 100;

/// What a page asks the loop for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Control {
    /// A line of input, as if typed.
    Line(String),
    /// Pushes and pops per second; `None`: full speed.
    Pace(Option<f64>),
    /// Hold every push and pop.
    Pause,
    /// End the pause.
    Play,
    /// One held step, while paused.
    Step,
}

impl Control {
    /// Parses `POST /control`'s body: `pace 5`, `pace off`, `pause`, `play`,
    /// `step`.
    pub(crate) fn parse(text: &str) -> Option<Control> {
        let mut words = text.split_whitespace();
        let control = match (words.next()?, words.next()) {
            ("pause", None) => Control::Pause,
            ("play", None) => Control::Play,
            ("step", None) => Control::Step,
            ("pace", Some("off")) => Control::Pace(None),
            ("pace", Some(rate)) => {
                let rate: f64 = rate.parse().ok()?;
                Control::Pace(Some(rate).filter(|r| r.is_finite() && *r > 0.0))
            }
            _ => return None,
        };
        words.next().is_none().then_some(control)
    }
}

/// What both threads share.
#[derive(Debug)]
pub(crate) struct Board {
    inner: Mutex<Pinned>,
    /// When the loop's clock read zero (a real clock), so the web side can
    /// tell the loop time even while the loop is stuck.
    pub(crate) loop_start: Option<Instant>,
    /// Wakes the loop's poller (set once the loop's side is plugged in).
    waker: OnceLock<Waker>,
    /// A browser wants a snapshot; the loop takes one at its next look.
    asked: AtomicBool,
    /// When a snapshot was last asked for (web side only).
    last_ask: Mutex<Option<Instant>>,
}

#[derive(Debug, Default)]
struct Pinned {
    /// The latest snapshot (JSON) and its number.
    snapshot: Option<(u64, String)>,
    /// When the loop last pinned anything: it is alive.
    heard: Option<Instant>,
    /// Events (JSON), numbered from `first_event`.
    events: VecDeque<String>,
    first_event: u64,
    /// The last output events, for a late browser.
    output: VecDeque<String>,
}

/// What a browser has not seen yet.
#[derive(Debug, Default)]
pub(crate) struct News {
    pub(crate) snapshot: Option<String>,
    pub(crate) events: Vec<String>,
    /// Events dropped before this browser read them.
    pub(crate) missed: u64,
    /// Milliseconds since the loop last pinned anything.
    pub(crate) silent_ms: Option<u128>,
}

/// Where a browser is in the board: the last snapshot and the next event
/// it has.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Cursor {
    snapshot: u64,
    event: u64,
}

impl Board {
    pub(crate) fn new(loop_start: Option<Instant>) -> Self {
        Board {
            inner: Mutex::default(),
            loop_start,
            waker: OnceLock::new(),
            asked: AtomicBool::new(false),
            last_ask: Mutex::new(None),
        }
    }

    /// The loop's side: the waker of its poller.
    pub(crate) fn set_waker(&self, waker: Waker) {
        let _ = self.waker.set(waker);
    }

    /// The web side: wakes the loop, to look at what the pages sent.
    pub(crate) fn wake_loop(&self) {
        if let Some(waker) = self.waker.get() {
            // A failed wake-up is only a late one: the next ask wakes it.
            let _ = waker.wake();
        }
    }

    /// The web side, for a browser: asks the loop for a snapshot, unless
    /// one was asked for less than a frame ago (two browsers share them).
    pub(crate) fn ask(&self) {
        let mut last = self
            .last_ask
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.is_some_and(|t| t.elapsed() < FRAME - Duration::from_millis(3)) {
            return;
        }
        *last = Some(Instant::now());
        if !self.asked.swap(true, Ordering::AcqRel) {
            self.wake_loop();
        }
    }

    /// The loop's side: whether a snapshot was asked for (and no longer).
    pub(crate) fn take_asked(&self) -> bool {
        self.asked.swap(false, Ordering::AcqRel)
    }

    /// The loop's side: pins a snapshot and events, unless the web side holds
    /// the lock right now. `false` then: the caller keeps its events for the
    /// next try.
    pub(crate) fn try_pin(&self, snapshot: Option<String>, events: &mut VecDeque<String>) -> bool {
        let mut pinned = match self.inner.try_lock() {
            Ok(pinned) => pinned,
            Err(TryLockError::WouldBlock) => return false,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        };
        pinned.heard = Some(Instant::now());
        if let Some(snapshot) = snapshot {
            let number = pinned.snapshot.as_ref().map_or(1, |(n, _)| n + 1);
            pinned.snapshot = Some((number, snapshot));
        }
        for event in events.drain(..) {
            if event.contains(r#""kind":"output""#) {
                if pinned.output.len() == OUTPUT {
                    pinned.output.pop_front();
                }
                pinned.output.push_back(event.clone());
            }
            if pinned.events.len() == EVENTS {
                pinned.events.pop_front();
                pinned.first_event += 1;
            }
            pinned.events.push_back(event);
        }
        true
    }

    /// The web side, for a browser that just came: the latest snapshot and
    /// the recent output, and its cursor from there.
    pub(crate) fn welcome(&self) -> (News, Cursor) {
        let pinned = self.lock();
        let news = News {
            snapshot: pinned.snapshot.as_ref().map(|(_, s)| s.clone()),
            events: pinned.output.iter().cloned().collect(),
            missed: 0,
            // The loop is asked for nothing while nobody watches: its silence until this
            // browser came says nothing about the loop.
            silent_ms: None,
        };
        let cursor = Cursor {
            snapshot: pinned.snapshot.as_ref().map_or(0, |(n, _)| *n),
            event: pinned.first_event + pinned.events.len() as u64,
        };
        (news, cursor)
    }

    /// The web side: what is new since `cursor`, which moves on.
    pub(crate) fn news(&self, cursor: &mut Cursor) -> News {
        let pinned = self.lock();
        let mut news = News {
            silent_ms: pinned.heard.map(|t| t.elapsed().as_millis()),
            ..News::default()
        };
        if let Some((number, snapshot)) = &pinned.snapshot
            && *number != cursor.snapshot
        {
            cursor.snapshot = *number;
            news.snapshot = Some(snapshot.clone());
        }
        if cursor.event < pinned.first_event {
            news.missed = pinned.first_event - cursor.event;
            cursor.event = pinned.first_event;
        }
        let skip = (cursor.event - pinned.first_event) as usize;
        news.events = pinned.events.iter().skip(skip).cloned().collect();
        cursor.event += news.events.len() as u64;
        news
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pinned> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `text` as a JSON string, quotes included.
pub(crate) fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Seconds with microseconds, as the JSON's times are.
pub(crate) fn seconds(duration: std::time::Duration) -> String {
    format!("{:.6}", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_parsed_strictly() {
        assert_eq!(Control::parse("pace 5"), Some(Control::Pace(Some(5.0))));
        assert_eq!(Control::parse(" pace off\n"), Some(Control::Pace(None)));
        assert_eq!(Control::parse("pace 0"), Some(Control::Pace(None)));
        assert_eq!(Control::parse("step"), Some(Control::Step));
        for bad in ["", "pace", "pace x", "step 2", "jump"] {
            assert_eq!(Control::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_string("a\"b\\c\n\u{1}é"), r#""a\"b\\c\n\u0001é""#);
    }

    #[test]
    fn a_slow_browser_is_told_what_it_missed() {
        let board = Board::new(None);
        let (_, mut cursor) = board.welcome();
        let mut events: VecDeque<String> = (0..EVENTS + 10).map(|n| n.to_string()).collect();
        assert!(board.try_pin(Some("{}".into()), &mut events));
        let news = board.news(&mut cursor);
        assert_eq!(news.missed, 10);
        assert_eq!(news.events.len(), EVENTS);
        assert_eq!(news.events[0], "10");
        assert_eq!(news.snapshot.as_deref(), Some("{}"));
        let again = board.news(&mut cursor);
        assert!(again.events.is_empty() && again.snapshot.is_none());
    }
}
