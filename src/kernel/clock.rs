//! The loop's clock: the real one, or a virtual one for exact, instant tests.
//!
//! The loop measures time as a `Duration` since it started. The real clock
//! reads `Instant::now()`; the virtual clock only moves when the scheduler
//! finds every task waiting and jumps it to the next deadline (trio's
//! `MockClock` with autojump, tokio's `time::pause`), so an hour of sleeps
//! runs in microseconds and every run prints the same transcript.

use std::cell::Cell;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A clock the scheduler reads. Swap it with
/// [`Scheduler::with_clock`](crate::Scheduler::with_clock).
///
/// ```
/// use std::time::Duration;
/// use trampoline::Clock;
///
/// let clock = Clock::virtual_at_zero();
/// assert_eq!(clock.now(), Duration::ZERO);
/// assert_eq!(clock.unix_time(), Duration::ZERO);
/// assert!(clock.is_virtual());
/// assert!(!Clock::real().is_virtual());
/// ```
#[derive(Debug)]
pub enum Clock {
    /// Wall-clock time: `Instant` for deadlines, `SystemTime` for the Unix time.
    Real {
        /// When the loop's time is zero.
        start: Instant,
    },
    /// Time that moves only when the scheduler jumps it. Its Unix time is its
    /// reading, so a virtual run's first hello line reads `0 - Hello world!`.
    Virtual {
        /// The reading.
        now: Cell<Duration>,
    },
}

impl Clock {
    /// The real clock, starting now.
    ///
    /// ```
    /// assert!(trampoline::Clock::real().now() < std::time::Duration::from_secs(1));
    /// ```
    pub fn real() -> Self {
        Clock::Real {
            start: Instant::now(),
        }
    }

    /// A virtual clock reading zero.
    ///
    /// ```
    /// assert!(trampoline::Clock::virtual_at_zero().is_virtual());
    /// ```
    pub fn virtual_at_zero() -> Self {
        Clock::Virtual {
            now: Cell::new(Duration::ZERO),
        }
    }

    /// Whether this clock is virtual.
    ///
    /// ```
    /// assert!(!trampoline::Clock::real().is_virtual());
    /// ```
    pub fn is_virtual(&self) -> bool {
        matches!(self, Clock::Virtual { .. })
    }

    /// Time since the loop's start.
    ///
    /// ```
    /// let clock = trampoline::Clock::virtual_at_zero();
    /// clock.advance_to(std::time::Duration::from_secs(3));
    /// assert_eq!(clock.now().as_secs(), 3);
    /// ```
    pub fn now(&self) -> Duration {
        match self {
            Clock::Real { start } => start.elapsed(),
            Clock::Virtual { now } => now.get(),
        }
    }

    /// Time since the Unix epoch.
    ///
    /// ```
    /// assert!(trampoline::Clock::real().unix_time().as_secs() > 1_700_000_000);
    /// ```
    pub fn unix_time(&self) -> Duration {
        match self {
            Clock::Real { .. } => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or(Duration::ZERO),
            Clock::Virtual { now } => now.get(),
        }
    }

    /// Moves a virtual clock forward to `t` (never backward). The real clock
    /// ignores this: real time moves by itself.
    ///
    /// ```
    /// let clock = trampoline::Clock::virtual_at_zero();
    /// clock.advance_to(std::time::Duration::from_secs(5));
    /// clock.advance_to(std::time::Duration::from_secs(1));
    /// assert_eq!(clock.now().as_secs(), 5);
    /// ```
    pub fn advance_to(&self, t: Duration) {
        if let Clock::Virtual { now } = self {
            now.set(now.get().max(t));
        }
    }
}
