//! `ps` through the library: every live task, its state and its stack of
//! suspended generators, innermost first.

use std::time::Duration;

use trampoline::{Coroutine, Scheduler, Script, TaskState, ps_table};

/// A chain `depth` calls deep whose innermost frame sleeps.
fn dive(depth: u64) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        if depth == 0 {
            co.sleep(Duration::from_secs(60)).await
        } else {
            co.call(dive(depth - 1)).await
        }
    })
    .with_arg(depth)
}

fn reader() -> Coroutine<()> {
    Coroutine::new(|co| async move {
        co.read_line().await?;
        Ok(())
    })
}

#[test]
fn ps_shows_parked_tasks_with_their_whole_stacks() {
    let main = Coroutine::new(|co| async move {
        co.spawn(dive(3)).await?;
        co.spawn(dive(20)).await?;
        let waiting = co.spawn(reader()).await?;
        co.sleep(Duration::from_secs(1)).await?;
        let tasks = co.tasks().await?;
        co.join(waiting).await?;
        Ok(tasks)
    })
    .named("main");
    let script = Script::new().line(5.0, "bye");
    let mut scheduler = Scheduler::scripted(script).unwrap();
    let tasks = scheduler.run_until_complete(main).unwrap();
    assert_eq!(tasks.len(), 4);
    assert_eq!(tasks[0].state, TaskState::Running);
    assert_eq!(
        tasks[1].state,
        TaskState::Sleeping {
            until: Duration::from_secs(60)
        }
    );
    assert_eq!(tasks[2].stack.len(), 21);
    assert_eq!(tasks[2].stack[0].to_string(), "dive(0)");
    assert_eq!(tasks[3].state, TaskState::WaitingForInput);
    insta::assert_snapshot!(ps_table(&tasks));
}
