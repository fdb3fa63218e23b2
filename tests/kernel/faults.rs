//! Faults inside the program: a task that panics, an error nobody retrieves,
//! a task that joins itself, sleeps so long their deadline cannot be written.
//! The other tasks go on, every lost error is reported exactly once, and
//! nothing panics at the user.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Once;
use std::time::Duration;

use trampoline::{
    Clock, Coroutine, Error, ErrorKind, JoinHandle, RunError, Scheduler, capture_reports,
};

fn virtual_scheduler() -> Scheduler {
    Scheduler::with_clock(Clock::virtual_at_zero()).expect("a scheduler")
}

/// The panics below are on purpose: keep the default hook's message for any
/// other.
fn quiet_planned_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let planned = info
                .payload()
                .downcast_ref::<&str>()
                .is_some_and(|m| m.starts_with("planned"));
            if !planned {
                default(info);
            }
        }));
    });
}

fn ticker(ticks: Rc<Cell<u32>>) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        for _ in 0..5 {
            co.sleep(Duration::from_secs(1)).await?;
            ticks.set(ticks.get() + 1);
        }
        Ok(())
    })
}

fn panics_after(secs: u64) -> Coroutine<u64> {
    Coroutine::new(move |co| async move {
        co.sleep(Duration::from_secs(secs)).await?;
        if secs < 100 {
            panic!("planned panic");
        }
        Ok(secs)
    })
    .named("panics_after")
}

#[test]
fn a_detached_task_that_panics_is_reported_once_and_the_others_go_on() {
    quiet_planned_panics();
    let ticks = Rc::new(Cell::new(0));
    let main = {
        let ticks = ticks.clone();
        Coroutine::new(move |co| async move {
            let ticker = co.spawn(ticker(ticks)).await?;
            // Detached: nobody will see its failure but the report.
            co.spawn(Coroutine::new(|co| async move {
                co.call(panics_after(2)).await
            }))
            .await?;
            co.join(ticker).await
        })
    };
    let (run, reports) = capture_reports(|| virtual_scheduler().run_until_complete(main));
    run.expect("main is not hurt by the panic");
    assert_eq!(ticks.get(), 5, "the ticker went on");
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(
        reports[0].starts_with("task 3 failed: panicked: planned panic (in panics_after"),
        "{reports:?}"
    );
}

#[test]
fn a_joined_task_that_panics_gives_its_joiner_the_panic_as_an_error() {
    quiet_planned_panics();
    let main = Coroutine::new(|co| async move {
        let task = co.spawn(panics_after(1)).await?;
        Ok(co.join(task).await.unwrap_err())
    });
    let (run, reports) = capture_reports(|| virtual_scheduler().run_until_complete(main));
    let error = run.expect("main catches it");
    assert!(matches!(error.kind(), ErrorKind::Panicked(m) if m == "planned panic"));
    assert!(reports.is_empty(), "joined, so not reported: {reports:?}");
}

fn fails() -> Coroutine<u64> {
    Coroutine::new(|_co| async { Err(Error::msg("nobody looks")) })
}

#[test]
fn an_error_never_retrieved_is_reported_once_when_its_handle_is_dropped() {
    let main = Coroutine::new(|co| async move {
        let task = co.spawn(fails()).await?;
        co.sleep(Duration::from_secs(1)).await?;
        assert!(task.is_finished());
        drop(task);
        co.sleep(Duration::from_secs(1)).await
    });
    let (run, reports) = capture_reports(|| virtual_scheduler().run_until_complete(main));
    run.expect("main returns");
    assert_eq!(
        reports,
        ["task 2: error never retrieved: nobody looks (in fails)"]
    );
}

#[test]
fn an_error_never_retrieved_is_reported_once_when_the_scheduler_is_dropped() {
    // The handle is held by a task that is still asleep when main returns;
    // dropping the scheduler drops that task, its handle, and so reports.
    let holder = Coroutine::new(|co| async move {
        let task: JoinHandle<u64> = co.spawn(fails()).await?;
        co.sleep(Duration::MAX).await?;
        co.join(task).await
    });
    let main = Coroutine::new(|co| async move {
        co.spawn(holder).await?;
        co.sleep(Duration::from_secs(1)).await
    });
    let (run, reports) = capture_reports(|| {
        let mut scheduler = virtual_scheduler();
        let run = scheduler.run_until_complete(main);
        (run, capture_reports(|| drop(scheduler)).1)
    });
    let (run, at_drop) = run;
    run.expect("main returns");
    assert!(reports.is_empty(), "not before the drop: {reports:?}");
    assert_eq!(
        at_drop,
        ["task 3: error never retrieved: nobody looks (in fails)"]
    );
}

#[test]
fn a_task_that_joins_itself_gets_an_error_instead_of_waiting_forever() {
    let main = Coroutine::new(|co| async move {
        let slot: Rc<RefCell<Option<JoinHandle<()>>>> = Rc::default();
        let inner = slot.clone();
        let task = co
            .spawn(Coroutine::new(move |co| async move {
                let me = inner.borrow_mut().take().expect("set before it runs");
                co.join(me).await
            }))
            .await?;
        // The task takes its own handle from the slot and joins it; it fails
        // with the error, and, detached, is reported.
        *slot.borrow_mut() = Some(task);
        co.sleep(Duration::from_secs(1)).await
    });
    let (run, reports) = capture_reports(|| virtual_scheduler().run_until_complete(main));
    run.expect("main returns");
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(
        reports[0].contains("task 2 cannot join itself: it would wait forever"),
        "{reports:?}"
    );
}

#[test]
fn sleep_duration_max_on_the_virtual_clock_does_not_overflow() {
    let main = Coroutine::new(|co| async move {
        co.sleep(Duration::from_secs(5)).await?;
        co.sleep(Duration::MAX).await?; // the deadline saturates
        let at_the_end = co.now().await?;
        co.sleep(Duration::MAX).await?; // already at the end of time
        co.sleep(Duration::from_secs(1)).await?;
        Ok((at_the_end, co.now().await?))
    });
    let (end, after) = virtual_scheduler()
        .run_until_complete(main)
        .expect("no overflow");
    assert_eq!(end, Duration::MAX);
    assert_eq!(after, Duration::MAX);
}

#[test]
fn huge_sleeps_tie_at_the_end_of_time_and_wake_in_order() {
    let order = Rc::new(RefCell::new(Vec::new()));
    let sleeper = |name: &'static str, d: Duration, order: Rc<RefCell<Vec<&'static str>>>| {
        Coroutine::new(move |co| async move {
            co.sleep(d).await?;
            order.borrow_mut().push(name);
            Ok(())
        })
    };
    let main = {
        let order = order.clone();
        Coroutine::new(move |co| async move {
            // 500 years: huge, but before the end of time (sleeps of 584
            // years or more all end there, and tie).
            let huge = Duration::from_secs(500 * 365 * 24 * 3600);
            let a = co.spawn(sleeper("a", Duration::MAX, order.clone())).await?;
            let b = co.spawn(sleeper("b", huge, order.clone())).await?;
            let c = co.spawn(sleeper("c", Duration::MAX, order.clone())).await?;
            co.join(a).await?;
            co.join(b).await?;
            co.join(c).await
        })
    };
    virtual_scheduler()
        .run_until_complete(main)
        .expect("no overflow");
    assert_eq!(*order.borrow(), ["b", "a", "c"]);
}

#[test]
fn sleep_duration_max_on_the_real_clock_waits_quietly_until_a_signal() {
    use rustix::process::{Signal, getpid, kill_process};
    let mut scheduler = Scheduler::new().expect("a scheduler");
    scheduler
        .stop_on_signals(&[signal_hook::consts::SIGUSR1])
        .expect("signals");
    let main = Coroutine::new(|co| async move {
        co.sleep(Duration::MAX).await?;
        Ok(())
    });
    let poke = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(50));
        kill_process(getpid(), Signal::USR1).expect("signal myself");
    });
    let run = scheduler.run_until_complete(main);
    poke.join().expect("poked");
    assert!(
        matches!(run, Err(RunError::Interrupted(signal)) if signal == signal_hook::consts::SIGUSR1),
        "{run:?}"
    );
}

#[test]
fn a_capture_that_panics_gives_the_sink_back() {
    quiet_planned_panics();
    let (_, outer) = capture_reports(|| {
        let inner = std::panic::catch_unwind(|| {
            capture_reports(|| panic!("planned panic inside a capture"))
        });
        assert!(inner.is_err());
        // The outer capture still collects.
        let main = Coroutine::new(|co| async move {
            co.spawn(fails()).await?;
            co.sleep(Duration::ZERO).await
        });
        virtual_scheduler()
            .run_until_complete(main)
            .expect("main returns");
    });
    assert_eq!(outer, ["task 2 failed: nobody looks (in fails)"]);
}
