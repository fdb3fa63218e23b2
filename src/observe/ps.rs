//! `ps` for coroutines: a snapshot of every live task (id, root label, state,
//! stack of suspended generators innermost first), taken by a coroutine with
//! [`Co::tasks`](crate::Co::tasks), and the table it prints as.
//!
//! The same idea as curio's monitor `where` and Python 3.14's
//! `asyncio pstree`: because every task's stack is an explicit `Vec` of
//! frames, walking it is reading a vector, with no unwinding tricks.

use std::fmt;

use slab::Slab;

use crate::frame::Label;
use crate::task::{Task, TaskId, TaskState};

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
pub(crate) fn snapshot(tasks: &Slab<Task>) -> Vec<TaskInfo> {
    let mut infos: Vec<TaskInfo> = tasks
        .iter()
        .map(|(_, task)| TaskInfo {
            id: task.id,
            label: task.completion.label,
            state: task.state,
            stack: task.labels().collect(),
        })
        .collect();
    infos.sort_by_key(|info| info.id);
    infos
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

/// As `ps` shows it: `ready`, `running`, `sleeping until 9.000`,
/// `waiting for input`, `joining task 3`.
///
/// ```
/// use trampoline::TaskState;
/// let until = std::time::Duration::from_secs(9);
/// assert_eq!(TaskState::Sleeping { until }.to_string(), "sleeping until 9.000");
/// ```
impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskState::Ready => f.write_str("ready"),
            TaskState::Running => f.write_str("running"),
            TaskState::Sleeping { until } => {
                write!(f, "sleeping until {:.3}", until.as_secs_f64())
            }
            TaskState::WaitingForInput => f.write_str("waiting for input"),
            TaskState::Joining(task) => write!(f, "joining task {task}"),
            TaskState::WaitingForSocket => f.write_str("waiting for a socket"),
            TaskState::WaitingForExecutor => f.write_str("waiting for the thread pool"),
            TaskState::Waiting { until: None } => f.write_str("waiting on a wait list"),
            TaskState::Waiting { until: Some(until) } => {
                write!(f, "waiting on a wait list until {:.3}", until.as_secs_f64())
            }
        }
    }
}
