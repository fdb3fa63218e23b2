//! The toolkit held to asyncio's own test suite: CPython's
//! `Lib/test/test_asyncio` cases for what we support, ported one module per
//! CPython file and keeping each test's name and the meaning of its
//! assertions, on the virtual clock (no real sleeps). A case that does not
//! apply is left as a one-line comment saying why. `fixes` holds one test
//! per bug the ports found (issue 11), named after what asyncio does.

#[path = "asyncio/common.rs"]
mod common;
#[path = "asyncio/fixes.rs"]
mod fixes;
#[path = "asyncio/test_futures.rs"]
mod test_futures;
#[path = "asyncio/test_locks.rs"]
mod test_locks;
#[path = "asyncio/test_queues.rs"]
mod test_queues;
#[path = "asyncio/test_taskgroups.rs"]
mod test_taskgroups;
#[path = "asyncio/test_tasks.rs"]
mod test_tasks;
#[path = "asyncio/test_timeouts.rs"]
mod test_timeouts;
#[path = "asyncio/test_waitfor.rs"]
mod test_waitfor;
