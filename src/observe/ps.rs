//! `ps` for coroutines: a snapshot of every live task (id, root label, state,
//! stack of suspended generators innermost first), taken by a coroutine with
//! [`Co::tasks`](crate::Co::tasks), and the table it prints as.
//!
//! The same idea as curio's monitor `where` and Python 3.14's
//! `asyncio pstree`: because every task's stack is an explicit `Vec` of
//! frames, walking it is reading a vector, with no unwinding tricks.

use crate::kernel::thrown;
use crate::kernel::{Co, Error, Label, Resume, SystemCall, TaskId, TaskState, Trampoline, Value};

/// How many innermost frames a `ps` row shows before `… ← root`.
const FRAMES_SHOWN: usize = 8;

/// One live task, as `ps` shows it.
///
/// ```
/// use trampoline::{Coroutine, Scheduler, TaskState};
///
/// let main = Coroutine::new(|co| async move { co.tasks().await }).named("main");
/// let tasks = Scheduler::new().unwrap().run_until_complete(main).unwrap();
/// assert_eq!(tasks[0].label.to_string(), "main");
/// assert_eq!(tasks[0].state, TaskState::Running);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TaskInfo {
    /// The task's id.
    pub id: TaskId,
    /// Its root frame's label.
    pub label: Label,
    /// What it is doing.
    pub state: TaskState,
    /// Its frames, innermost first (the root last).
    pub stack: Vec<Label>,
}

/// Every live task, by id.
/// The system call behind [`Co::tasks`]: every task's stack is a `Vec` of
/// frames, so a snapshot is a walk over the trampoline's tasks.
#[derive(Debug)]
struct Snapshot;

impl SystemCall for Snapshot {
    /// A snapshot costs a walk over every task and stack, not one resume:
    /// the asking task's turn ends here (it goes to the back of the ready
    /// queue with its answer), so a flood of `ps` lines cannot hold the
    /// loop for a whole turn of 1024 snapshots while timers wait.
    fn apply(self: Box<Self>, trampoline: &mut Trampoline, key: usize) -> Option<Resume> {
        let mut infos: Vec<TaskInfo> = trampoline
            .tasks
            .iter()
            .map(|(_, task)| TaskInfo {
                id: task.id,
                label: task.completion.label,
                state: task.state,
                stack: task.labels().collect(),
            })
            .collect();
        infos.sort_by_key(|info| info.id);
        trampoline.make_ready(key, Resume::Returned(Value::new(infos)));
        None
    }
}

impl Co {
    /// A snapshot of every live task, by id: its root label, its state and
    /// its stack innermost first (this task shows as `running`). What the
    /// demo's `ps` prints with [`ps_table`].
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    ///
    /// fn inner() -> Coroutine<Vec<String>> {
    ///     Coroutine::new(|co| async move {
    ///         let tasks = co.tasks().await?;
    ///         Ok(tasks[0].stack.iter().map(|l| l.to_string()).collect())
    ///     })
    /// }
    /// let outer = Coroutine::new(|co| async move { co.call(inner()).await }).named("outer");
    /// let stack = Scheduler::new().unwrap().run_until_complete(outer).unwrap();
    /// assert_eq!(stack, ["inner", "outer"]);
    /// ```
    pub async fn tasks(&self) -> Result<Vec<TaskInfo>, Error> {
        match self.apply(Snapshot).await {
            Resume::Returned(tasks) => Ok(tasks.take()),
            resume => Err(thrown("tasks", resume)),
        }
    }
}

/// The `ps` table: one row per task, its stack innermost first.
///
/// ```
/// use trampoline::{Clock, Coroutine, Scheduler, ps_table};
///
/// let main = Coroutine::new(|co| async move { Ok(ps_table(&co.tasks().await?)) }).named("main");
/// let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
/// let table = scheduler.run_until_complete(main).unwrap();
/// assert_eq!(table, "TASK  NAME  STATE    STACK (innermost first)\n   1  main  running  main\n");
/// ```
pub fn ps_table(tasks: &[TaskInfo]) -> String {
    let rows: Vec<[String; 4]> = tasks
        .iter()
        .map(|info| {
            [
                info.id.to_string(),
                info.label.to_string(),
                info.state.to_string(),
                stack_line(&info.stack),
            ]
        })
        .collect();
    let name_width = rows
        .iter()
        .map(|r| r[1].chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let state_width = rows
        .iter()
        .map(|r| r[2].chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let mut table = format!(
        "TASK  {:<name_width$}  {:<state_width$}  STACK (innermost first)\n",
        "NAME", "STATE"
    );
    for [id, name, state, stack] in rows {
        let pad = |text: &str, width: usize| {
            format!("{text}{}", " ".repeat(width - text.chars().count()))
        };
        table.push_str(&format!(
            "{id:>4}  {}  {}  {stack}\n",
            pad(&name, name_width),
            pad(&state, state_width)
        ));
    }
    table
}

/// A stack innermost first, the middle of a deep one left out.
fn stack_line(stack: &[Label]) -> String {
    if stack.len() <= FRAMES_SHOWN + 1 {
        return join(stack.iter());
    }
    let root = stack.last().expect("BUG: a deep stack is not empty");
    let left_out = stack.len() - FRAMES_SHOWN - 1;
    format!(
        "{} ← … {left_out} more ← {root}",
        join(stack[..FRAMES_SHOWN].iter())
    )
}

fn join<'a>(labels: impl Iterator<Item = &'a Label>) -> String {
    labels.map(Label::to_string).collect::<Vec<_>>().join(" ← ")
}
