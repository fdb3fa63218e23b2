//! The seed's `asyncio.wait` examples (article 002, "Waiting for Tasks"):
//! all tasks, a `timeout`, `FIRST_COMPLETED` and `FIRST_EXCEPTION` (with and
//! without an exception), printing the done and pending sets as the seed
//! does: `({Task(<sleep>)<result=()>}, {Task(<sleep>)<PENDING>})`. Sets are
//! printed in argument order; `()` stands for Python's `None`.
//!
//! ```text
//! cargo run --example wait            # real time: about 8 seconds
//! cargo run --example wait -- --virtual   # on a virtual clock: instant
//! ```

use std::fmt::Debug;
use std::time::Duration;

use trampoline::{Clock, Coroutine, Error, JoinHandle, ReturnWhen, RunError, Scheduler, wait};

fn make_tea(variety: &'static str) -> Coroutine<String> {
    Coroutine::new(move |_co| async move {
        println!("Now making {variety} tea.");
        Ok(format!("{variety} tea"))
    })
    .named("make_tea")
}

fn sleep(secs: u64) -> Coroutine<()> {
    Coroutine::new(move |co| async move { co.sleep(Duration::from_secs(secs)).await })
        .named("sleep")
}

fn raise_ex_after(secs: u64) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        co.sleep(Duration::from_secs(secs)).await?;
        Err(Error::msg("Raising an exception."))
    })
    .named("raise_ex_after")
}

/// `{a, b}`, or `set()` when empty, as Python prints a set.
fn set<T: Debug + 'static>(tasks: &[JoinHandle<T>]) -> String {
    if tasks.is_empty() {
        return "set()".to_string();
    }
    let items: Vec<String> = tasks.iter().map(ToString::to_string).collect();
    format!("{{{}}}", items.join(", "))
}

/// `loop.run_until_complete(asyncio.wait([...], ...))`, printing the sets.
fn run_wait(
    virtual_clock: bool,
    coroutines: Vec<Coroutine<()>>,
    return_when: ReturnWhen,
    timeout: Option<Duration>,
) -> Result<(), RunError> {
    let clock = if virtual_clock {
        Clock::virtual_at_zero()
    } else {
        Clock::real()
    };
    let mut scheduler = Scheduler::with_clock(clock)?;
    let main = Coroutine::new(move |co| async move {
        let mut tasks = Vec::new();
        for coroutine in coroutines {
            tasks.push(co.spawn(coroutine).await?);
        }
        let (done, pending) = co.call(wait(tasks, return_when, timeout)).await?;
        for task in &done {
            let _ = task.error(); // looked at: not "never retrieved"
        }
        Ok(format!("({}, {})", set(&done), set(&pending)))
    });
    println!("{}", scheduler.run_until_complete(main)?);
    Ok(())
}

fn main() -> Result<(), RunError> {
    let virtual_clock = std::env::args().any(|a| a == "--virtual");
    let clock = if virtual_clock {
        Clock::virtual_at_zero()
    } else {
        Clock::real()
    };

    // All of them.
    let mut scheduler = Scheduler::with_clock(clock)?;
    let main = Coroutine::new(|co| async move {
        let tasks = vec![
            co.spawn(make_tea("chamomile")).await?,
            co.spawn(make_tea("herbal")).await?,
        ];
        let (done, pending) = co.call(wait(tasks, ReturnWhen::AllCompleted, None)).await?;
        Ok(format!("({}, {})", set(&done), set(&pending)))
    });
    println!("{}", scheduler.run_until_complete(main)?);

    let secs = Some(Duration::from_secs(3));
    println!("\nwait([sleep(5), sleep(1)], timeout=3):");
    run_wait(
        virtual_clock,
        vec![sleep(5), sleep(1)],
        ReturnWhen::AllCompleted,
        secs,
    )?;
    println!("\nwait([sleep(3), sleep(2), sleep(1)], return_when=FIRST_COMPLETED):");
    run_wait(
        virtual_clock,
        vec![sleep(3), sleep(2), sleep(1)],
        ReturnWhen::FirstCompleted,
        None,
    )?;
    println!("\nwait([sleep(1), raise_ex_after(2), sleep(3)], return_when=FIRST_EXCEPTION):");
    let with_error = vec![sleep(1), raise_ex_after(2), sleep(3)];
    run_wait(virtual_clock, with_error, ReturnWhen::FirstException, None)?;
    println!("\nwait([sleep(1), sleep(2)], return_when=FIRST_EXCEPTION):");
    run_wait(
        virtual_clock,
        vec![sleep(1), sleep(2)],
        ReturnWhen::FirstException,
        None,
    )
}
