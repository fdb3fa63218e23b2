//! The toolkit built on the kernel's commands, asyncio's names: `gather`,
//! `wait`, `wait_for`, `as_completed`, `Queue`, `Semaphore`, `Event`,
//! `Stream`; a task's handle (its state, done callbacks) and the errors
//! nobody retrieves from it.

mod support;

#[path = "toolkit/as_completed.rs"]
mod as_completed;
#[path = "toolkit/done_callbacks.rs"]
mod done_callbacks;
#[path = "toolkit/event.rs"]
mod event;
#[path = "toolkit/gather.rs"]
mod gather;
#[path = "toolkit/never_retrieved.rs"]
mod never_retrieved;
#[path = "toolkit/queue.rs"]
mod queue;
#[path = "toolkit/reports.rs"]
mod reports;
#[path = "toolkit/semaphore.rs"]
mod semaphore;
#[path = "toolkit/stream.rs"]
mod stream;
#[path = "toolkit/task_state.rs"]
mod task_state;
#[path = "toolkit/wait.rs"]
mod wait;
#[path = "toolkit/wait_for.rs"]
mod wait_for;
