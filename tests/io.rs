//! Input and output: the line splitter (by hand, and as a proptest against
//! the plain whole-input split in `splitting/`), TCP servers and clients
//! (echo, an address in use, a reset connection, an overlong line), a task
//! cancelled while it waits on IO, and blocking work on the executor while
//! the loop ticks.

mod splitting;

#[path = "io/address_in_use.rs"]
mod address_in_use;
#[path = "io/cancel_io.rs"]
mod cancel_io;
#[path = "io/connection_reset.rs"]
mod connection_reset;
#[path = "io/executor_while_ticking.rs"]
mod executor_while_ticking;
#[path = "io/line_reader.rs"]
mod line_reader;
#[path = "io/line_splitter.rs"]
mod line_splitter;
#[path = "io/tcp_echo.rs"]
mod tcp_echo;
#[path = "io/tcp_long_line.rs"]
mod tcp_long_line;
