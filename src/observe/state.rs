//! A task's state as people read it, in one place: what `ps` prints, the
//! verb `--trace` shows when a task parks, and why it was woken. The trace,
//! the timeline and `ps` all render it from here, so they cannot disagree.

use std::fmt;

use crate::kernel::TaskState;

impl TaskState {
    /// One word for what the task just did, as `--trace` prints it: `sleep`,
    /// `read`, `join`, `wait`, `io`.
    ///
    /// ```
    /// assert_eq!(trampoline::TaskState::WaitingForInput.verb(), "read");
    /// ```
    pub fn verb(&self) -> &'static str {
        match self {
            TaskState::Sleeping { .. } => "sleep",
            TaskState::WaitingForInput => "read",
            TaskState::Joining(_) => "join",
            TaskState::Waiting { .. } => "wait",
            TaskState::WaitingForIo(_) => "io",
            TaskState::Ready | TaskState::Running => "park",
        }
    }

    /// Why a task parked in this state is woken: `timer`, `a line arrived`,
    /// `task 3 finished`.
    ///
    /// ```
    /// let until = std::time::Duration::from_secs(3);
    /// assert_eq!(trampoline::TaskState::Sleeping { until }.wake_reason(), "timer");
    /// ```
    pub fn wake_reason(&self) -> String {
        match self {
            TaskState::Sleeping { .. } => "timer".to_string(),
            TaskState::WaitingForInput => "a line arrived".to_string(),
            TaskState::Joining(other) => format!("task {other} finished"),
            TaskState::Waiting { .. } => "woken".to_string(),
            TaskState::WaitingForIo(what) => format!("{what} answered"),
            TaskState::Ready | TaskState::Running => "woken".to_string(),
        }
    }
}

/// As `ps` shows it: `ready`, `running`, `sleeping until 9.000`,
/// `waiting for input`, `joining task 3`, `waiting for a socket`.
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
            TaskState::Waiting { until: None } => f.write_str("waiting on a wait list"),
            TaskState::Waiting { until: Some(until) } => {
                write!(f, "waiting on a wait list until {:.3}", until.as_secs_f64())
            }
            TaskState::WaitingForIo(what) => write!(f, "waiting for {what}"),
        }
    }
}
