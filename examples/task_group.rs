//! The seed's `gather.py` (article 000) rewritten with a task group, as
//! asyncio 3.11's `TaskGroup` changes how it is written: four fake URL
//! fetches run as children of one group; one of them fails, which cancels
//! the others and the group's body, and the group reports every failure
//! together once all its children have ended. Nothing is left running.
//!
//! ```text
//! cargo run --example task_group               # real time, about 2 s
//! cargo run --example task_group -- --virtual  # virtual clock: instant
//! ```

use std::time::Duration;

use trampoline::{Clock, Coroutine, Error, RunError, Scheduler, TaskGroup};

/// Fetches a fake URL: `secs` seconds, then its body, or an error if it is
/// `broken`. Says so if it is cancelled on the way.
fn get_url(url: &'static str, secs: u64, broken: bool) -> Coroutine<String> {
    Coroutine::new(move |co| async move {
        if let Err(error) = co.sleep(Duration::from_secs(secs)).await {
            println!("{url}: cancelled");
            return Err(error);
        }
        if broken {
            println!("{url}: failed after {secs}s");
            return Err(Error::msg(format!("{url} answered 503")));
        }
        println!("{url}: done after {secs}s");
        Ok(format!("<body of {url}>"))
    })
}

fn fetch_all(group: TaskGroup) -> Coroutine<Vec<String>> {
    group.run(|g| {
        Coroutine::new(move |co| async move {
            let mut pages = Vec::new();
            for (url, secs, broken) in [
                ("URL1", 1, false),
                ("URL2", 3, false),
                ("URL3", 2, true),
                ("URL4", 4, false),
            ] {
                pages.push(g.spawn(&co, get_url(url, secs, broken)).await?);
            }
            println!("all four started; waiting for them");
            let mut bodies = Vec::new();
            for page in pages {
                bodies.push(co.join(page).await?);
            }
            Ok(bodies)
        })
    })
}

fn main() -> Result<(), RunError> {
    let virtual_clock = std::env::args().any(|a| a == "--virtual");
    let clock = if virtual_clock {
        Clock::virtual_at_zero()
    } else {
        Clock::real()
    };
    let mut scheduler = Scheduler::with_clock(clock)?;
    let group = TaskGroup::new();
    let g = group.clone();
    let main = Coroutine::new(move |co| async move {
        let got = co.call(fetch_all(g)).await;
        let now = co.now().await?;
        let tasks_left = co.all_tasks().await?.len() - 1;
        Ok((got, now, tasks_left))
    });
    let (got, now, tasks_left) = scheduler.run_until_complete(main)?;
    match got {
        Ok(bodies) => println!("all fetched: {bodies:?}"),
        Err(error) => {
            println!("the group failed after {:.0}s: {error}", now.as_secs_f64());
            for error in group.errors() {
                println!("  - {error}");
            }
        }
    }
    println!("tasks still running: {tasks_left}");
    Ok(())
}
