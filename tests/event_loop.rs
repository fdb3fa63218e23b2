//! The event loop around the kernel, the seed's `EventLoop`: callbacks soon,
//! later and on the next tick, in their order; `stop`; a deadlock reported;
//! a callback that panics.

#[path = "event_loop/call_later.rs"]
mod call_later;
#[path = "event_loop/call_soon.rs"]
mod call_soon;
#[path = "event_loop/callback_panic.rs"]
mod callback_panic;
#[path = "event_loop/next_tick.rs"]
mod next_tick;
#[path = "event_loop/stop.rs"]
mod stop;
