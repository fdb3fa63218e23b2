//! The running task, seen from inside: [`Co::current_task`] and
//! [`Co::all_tasks`] (asyncio's `current_task()` and `all_tasks()`), as
//! [`TaskRef`]s: a handle to a task whose value type is not known here, so
//! it can be cancelled and looked at, not joined. Two system calls: the
//! trampoline knows which task is running, and the tasks it holds.

use std::marker::PhantomData;
use std::rc::Rc;

use crate::kernel::{Co, Completion, Error, JoinHandle, Label, Resume, SystemCall, TaskId};
use crate::kernel::{Trampoline, Value, thrown};

/// A task whose value type is unknown here (the running task, or one of
/// [`Co::all_tasks`]): it can be cancelled and looked at, not joined.
/// Dropping it never reports anything.
///
/// ```
/// use trampoline::{Coroutine, Scheduler};
/// let main = Coroutine::new(|co| async move {
///     let me = co.current_task().await?;
///     Ok((me.id().get(), me.label().to_string(), me.is_finished()))
/// }).named("main");
/// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), (1, "main".to_string(), false));
/// ```
#[derive(Debug)]
pub struct TaskRef {
    handle: JoinHandle<Opaque>,
}

/// The value type of a task seen through a [`TaskRef`]: never read.
enum Opaque {}

impl TaskRef {
    /// The task's id.
    ///
    /// ```
    /// let main = trampoline::Coroutine::new(|co| async move { Ok(co.current_task().await?.id().get()) });
    /// assert_eq!(trampoline::Scheduler::new().unwrap().run_until_complete(main).unwrap(), 1);
    /// ```
    pub fn id(&self) -> TaskId {
        self.handle.id()
    }

    /// The task's root label (asyncio's `get_name`).
    ///
    /// ```
    /// let main = trampoline::Coroutine::new(|co| async move { Ok(co.current_task().await?.label()) }).named("m");
    /// assert_eq!(trampoline::Scheduler::new().unwrap().run_until_complete(main).unwrap().to_string(), "m");
    /// ```
    pub fn label(&self) -> Label {
        self.handle.completion.label
    }

    /// Whether the task has finished.
    ///
    /// ```
    /// let main = trampoline::Coroutine::new(|co| async move { Ok(co.current_task().await?.is_finished()) });
    /// assert!(!trampoline::Scheduler::new().unwrap().run_until_complete(main).unwrap());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// Whether the task finished cancelled.
    ///
    /// ```
    /// let main = trampoline::Coroutine::new(|co| async move { Ok(co.current_task().await?.is_cancelled()) });
    /// assert!(!trampoline::Scheduler::new().unwrap().run_until_complete(main).unwrap());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.handle.is_cancelled()
    }

    /// Cancels the task, as [`JoinHandle::cancel`]: the running task that
    /// cancels itself is cancelled at its next suspension point.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     co.current_task().await?.cancel();
    ///     Ok(co.sleep(std::time::Duration::ZERO).await.unwrap_err().is_cancelled())
    /// });
    /// assert!(Scheduler::new().unwrap().run_until_complete(main).unwrap());
    /// ```
    pub fn cancel(&self) -> bool {
        self.handle.cancel()
    }

    /// How many cancels were asked of the task and not taken back
    /// (asyncio's `cancelling()`).
    ///
    /// ```
    /// let main = trampoline::Coroutine::new(|co| async move { Ok(co.current_task().await?.cancelling()) });
    /// assert_eq!(trampoline::Scheduler::new().unwrap().run_until_complete(main).unwrap(), 0);
    /// ```
    pub fn cancelling(&self) -> u32 {
        self.handle.completion.cancels.get()
    }

    /// Takes back `n` cancels this scope asked for (asyncio's `uncancel`),
    /// and the cancel still waiting to be delivered, if any: a scope that
    /// cancelled its own task and ended before the cancel arrived.
    pub(crate) fn uncancel(&self, n: u32) {
        let cancels = &self.handle.completion.cancels;
        cancels.set(cancels.get().saturating_sub(n));
        if let Some(error) = self.handle.completion.take_throw()
            && !error.is_cancelled()
        {
            self.handle.completion.set_throw(error);
        }
    }
}

/// `current_task`: the running task's completion, as a `TaskRef`.
#[derive(Debug)]
struct Current;

impl SystemCall for Current {
    fn apply(self: Box<Self>, trampoline: &mut Trampoline, key: usize) -> Option<Resume> {
        let completion = trampoline.tasks[key].completion.clone();
        Some(Resume::Returned(Value::new(task_ref(
            completion, trampoline,
        ))))
    }
}

/// `all_tasks`: every live task, by id.
#[derive(Debug)]
struct All;

impl SystemCall for All {
    fn apply(self: Box<Self>, trampoline: &mut Trampoline, _key: usize) -> Option<Resume> {
        let mut tasks: Vec<TaskRef> = trampoline
            .tasks
            .iter()
            .map(|(_, task)| task_ref(task.completion.clone(), trampoline))
            .collect();
        tasks.sort_by_key(TaskRef::id);
        Some(Resume::Returned(Value::new(tasks)))
    }
}

fn task_ref(completion: Rc<Completion>, trampoline: &Trampoline) -> TaskRef {
    TaskRef {
        handle: JoinHandle {
            completion,
            returns: PhantomData,
            mailbox: trampoline.mailbox.clone(),
            owner: false,
        },
    }
}

impl Co {
    /// The task running this coroutine (asyncio's `current_task()`).
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     let child = co.spawn(Coroutine::new(|co| async move { Ok(co.current_task().await?.id()) })).await?;
    ///     let id = child.id();
    ///     Ok(co.join(child).await? == id)
    /// });
    /// assert!(Scheduler::new().unwrap().run_until_complete(main).unwrap());
    /// ```
    pub async fn current_task(&self) -> Result<TaskRef, Error> {
        match self.apply(Current).await {
            Resume::Returned(task) => Ok(task.take()),
            resume => Err(thrown("current_task", resume)),
        }
    }

    /// Every task not yet finished, by id, this one included (asyncio's
    /// `all_tasks()`).
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    /// let main = Coroutine::new(|co| async move {
    ///     let _child = co.spawn(Coroutine::new(|_co| async { Ok(()) })).await?;
    ///     Ok(co.all_tasks().await?.iter().map(|t| t.id().get()).collect::<Vec<_>>())
    /// });
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), [1, 2]);
    /// ```
    pub async fn all_tasks(&self) -> Result<Vec<TaskRef>, Error> {
        match self.apply(All).await {
            Resume::Returned(tasks) => Ok(tasks.take()),
            resume => Err(thrown("all_tasks", resume)),
        }
    }
}
