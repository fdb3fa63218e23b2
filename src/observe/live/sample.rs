//! A snapshot of the loop, taken by the live view's source when a browser
//! asks for one: every task with its state and stack, the timers in deadline
//! order, the ready queue in order, the tasks held by slow motion and those
//! waiting for a line. Like `ps`, it is a walk over the trampoline's tasks,
//! at most 30 times a second; nothing is recorded between two walks.

use std::fmt::Write as _;
use std::time::Duration;

use super::board::{json_string, seconds};
use crate::event_loop::Pace;
use crate::kernel::{Label, TaskId, TaskState, Trampoline};

/// The most tasks a snapshot lists (a server with thousands of connections
/// is summed up as "n more").
pub(crate) const TASKS_SHOWN: usize = 200;

/// The most frames shown of one stack: the innermost ones, then the root.
pub(crate) const FRAMES_SHOWN: usize = 40;

/// A snapshot in JSON, what follows `{"kind":"snapshot","at":..,` (what the
/// live source compares with the last one it sent).
pub(crate) fn snapshot(trampoline: &Trampoline, pace: &Pace) -> String {
    let held = pace.held();
    let mut tasks: Vec<_> = trampoline.tasks.iter().map(|(_, task)| task).collect();
    tasks.sort_by_key(|task| task.id);
    let mut json = format!(r#""pace":{},"tasks":["#, pace_json(pace));
    for (n, task) in tasks.iter().take(TASKS_SHOWN).enumerate() {
        let state = if held.contains(&task.id) {
            "held".to_string()
        } else {
            task.state.to_string()
        };
        let labels: Vec<Label> = task.labels().collect();
        let _ = write!(
            json,
            r#"{}{{"id":{},"name":{},"state":{},"kind":"{}","depth":{},"stack":{}}}"#,
            if n == 0 { "" } else { "," },
            task.id,
            json_string(&task.completion.label.to_string()),
            json_string(&state),
            kind(task.state, held.contains(&task.id)),
            labels.len(),
            stack_json(&labels)
        );
    }
    let mut timers: Vec<(Duration, TaskId)> = tasks
        .iter()
        .filter_map(|task| match task.state {
            TaskState::Sleeping { until } | TaskState::Waiting { until: Some(until) } => {
                Some((until, task.id))
            }
            _ => None,
        })
        .collect();
    timers.sort();
    let ready =
        (trampoline.ready.iter()).filter_map(|(k, _)| trampoline.tasks.get(*k).map(|task| task.id));
    let input = tasks
        .iter()
        .filter(|task| task.state == TaskState::WaitingForInput)
        .map(|task| task.id);
    let _ = write!(
        json,
        r#"],"more":{},"timers":[{}],"ready":{},"held":{},"input":{}}}"#,
        tasks.len().saturating_sub(TASKS_SHOWN),
        timers
            .iter()
            .map(|(at, id)| format!(r#"{{"task":{id},"at":{}}}"#, seconds(*at)))
            .collect::<Vec<_>>()
            .join(","),
        ids(ready),
        ids(held.iter().copied()),
        ids(input)
    );
    json
}

/// `{"rate":5,"paused":false}`; the rate is `null` at full speed.
pub(crate) fn pace_json(pace: &Pace) -> String {
    let rate = pace.rate().map_or("null".to_string(), |r| format!("{r}"));
    format!(r#"{{"rate":{rate},"paused":{}}}"#, pace.is_paused())
}

/// One word for the page's colours.
fn kind(state: TaskState, held: bool) -> &'static str {
    match state {
        _ if held => "held",
        TaskState::Ready => "ready",
        TaskState::Running => "running",
        TaskState::Sleeping { .. } => "sleeping",
        TaskState::WaitingForInput => "input",
        TaskState::Joining(_) => "joining",
        TaskState::Waiting { .. } => "waiting",
        TaskState::WaitingForIo(_) => "io",
    }
}

/// A stack innermost first, the middle of a very deep one left out
/// (`"… 9960 more"`).
fn stack_json(labels: &[Label]) -> String {
    let mut shown: Vec<String> = Vec::new();
    if labels.len() <= FRAMES_SHOWN + 1 {
        shown.extend(labels.iter().map(|l| json_string(&l.to_string())));
    } else {
        shown.extend(
            labels[..FRAMES_SHOWN]
                .iter()
                .map(|l| json_string(&l.to_string())),
        );
        let left_out = labels.len() - FRAMES_SHOWN - 1;
        shown.push(json_string(&format!("… {left_out} more")));
        let root = labels.last().expect("BUG: a deep stack is not empty");
        shown.push(json_string(&root.to_string()));
    }
    format!("[{}]", shown.join(","))
}

fn ids(ids: impl Iterator<Item = TaskId>) -> String {
    let ids: Vec<String> = ids.map(|id| id.to_string()).collect();
    format!("[{}]", ids.join(","))
}
