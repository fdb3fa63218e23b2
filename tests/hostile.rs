//! Servers under hostile clients (issue 14): each module is one finding and
//! the behaviour that fixes it. Everything runs on 127.0.0.1 (and 127.0.0.2,
//! loopback too, for a peer that is not 127.0.0.1), every process and socket
//! has a deadline, and request loops are bounded in count and time.

mod hostile {
    pub mod support;

    mod dead_stderr;
    mod failed_session;
    mod graceful_shutdown;
    mod idle_timeout;
    mod memory_cap;
    mod nagle;
    mod trickle;
}
