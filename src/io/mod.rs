//! IO on the trampoline: standard input, the line splitter, scripted input,
//! TCP sockets and the thread pool. Each is a source the event loop polls
//! (`source.rs`) and a set of `co` methods that are system calls: the kernel
//! never names a socket. `http/` is built on the TCP calls alone, as a user
//! of the crate would build it.

pub(crate) mod buffer;
pub mod http;
pub(crate) mod lines;
pub(crate) mod pool;
pub(crate) mod script;
pub(crate) mod sockets;
pub(crate) mod source;
pub(crate) mod stdin;
pub(crate) mod tcp;

pub use lines::{DEFAULT_LINE_LIMIT, InputError, LineSplitter};
pub use script::{Script, ScriptError};
pub use tcp::{Connection, Listener, SocketOption};
