//! Slow motion (`Scheduler::pace`) and the held-loop notice
//! (`Scheduler::on_held`), on the virtual clock where time allows.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, Scheduler, StepKind, fib};

/// A ticker that notes the loop time of each of its `ticks` wake-ups.
fn ticker(ticks: u32, seen: Rc<RefCell<Vec<f64>>>) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        for _ in 0..ticks {
            co.sleep(Duration::from_secs(1)).await?;
            let now = co.now().await?.as_secs_f64();
            seen.borrow_mut().push(now);
        }
        Ok(())
    })
}

#[test]
fn slow_motion_holds_every_push_and_pop_while_timers_keep_time() {
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    scheduler.pace().set_rate(Some(4.0));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let tick = scheduler.spawn(ticker(5, seen.clone()));
    let main = Coroutine::new(move |co| async move {
        let answer = co.call(fib(4)).await?;
        co.join(tick).await?;
        Ok(answer)
    });
    assert_eq!(scheduler.run_until_complete(main).unwrap(), 3);
    // The ticker woke on the second, every second: its steps move no stack.
    assert_eq!(*seen.borrow(), [1.0, 2.0, 3.0, 4.0, 5.0]);
    // fib(4) is 9 coroutines: 9 pushes and 9 pops below `main`, a quarter of
    // a second apart. The two new tasks wait for a slot before their first
    // step: the ticker takes the one at 0, `main` the one at 0.25 s, whose
    // step pushes fib(4); 17 more moves, the last at 4.5 s.
    let steps = scheduler.pace().take_steps();
    let calls = steps.iter().filter(|s| s.kind == StepKind::Call).count();
    let returns = steps.iter().filter(|s| s.kind == StepKind::Return).count();
    assert_eq!((calls, returns), (9, 9), "{steps:?}");
    assert_eq!(steps[0].label.to_string(), "fib(4)");
    assert_eq!(steps[1].label.to_string(), "fib(3)");
    assert_eq!(steps[1].depth, 3);
    let last_pop = steps
        .iter()
        .rev()
        .find(|s| s.kind == StepKind::Return)
        .unwrap();
    assert_eq!(last_pop.at, Duration::from_millis(4500), "{last_pop:?}");
}

#[test]
fn paused_steps_go_one_by_one() {
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    let pace = scheduler.pace();
    pace.pause();
    // A "step" click every second, from plain code (as the page's are: a
    // task of the program would be paused too).
    let handle = scheduler.handle();
    for second in 1..=20 {
        let pace = pace.clone();
        handle.call_later(Duration::from_secs(second), move || pace.step());
    }
    assert_eq!(scheduler.run_until_complete(fib(3)).unwrap(), 2);
    // The new task waits for a click before its first step (which pushes
    // fib(2)); then fib(3)'s 4 pushes and 4 pops below the root, each held
    // until a click; the root's last step returns: 9 clicks, one a second.
    assert_eq!(scheduler.clock().now(), Duration::from_secs(9));
}

/// Paused, a task started meanwhile shows alone, held, its root frame not
/// yet run; the first click lets it make its first call, and only that.
#[test]
fn paused_a_new_task_waits_before_its_first_call() {
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    let pace = scheduler.pace();
    let worker = scheduler.spawn(fib(5));
    pace.pause();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let handle = scheduler.handle();
    let (look, noted) = (pace.clone(), seen.clone());
    handle.call_later(Duration::from_secs(1), move || {
        noted
            .borrow_mut()
            .push((look.held().len(), look.take_steps().len()));
        look.step();
    });
    let (look, noted) = (pace.clone(), seen.clone());
    handle.call_later(Duration::from_secs(2), move || {
        let steps = look.take_steps();
        let first = steps
            .first()
            .map(|s| (s.kind, s.label.to_string(), s.depth));
        noted.borrow_mut().push((look.held().len(), steps.len()));
        assert_eq!(first, Some((StepKind::Call, "fib(4)".to_string(), 2)));
        look.play();
        look.set_rate(None);
    });
    let main = Coroutine::new(move |co| async move { co.join(worker).await });
    // `main` is new too: held until the first click, with the worker.
    assert_eq!(scheduler.run_until_complete(main).unwrap(), 5);
    // At 1 s: both held, nothing moved; at 2 s, one move (the worker's
    // first step pushed fib(4)), and both held again.
    assert_eq!(*seen.borrow(), [(2, 0), (2, 1)]);
}

#[test]
fn full_speed_again_lets_the_held_tasks_go() {
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    let pace = scheduler.pace();
    pace.set_rate(Some(1.0));
    let main = Coroutine::new(move |co| async move {
        let racer = co.spawn(fib(10)).await?;
        co.sleep(Duration::from_secs(3)).await?;
        pace.set_rate(None);
        co.join(racer).await
    });
    assert_eq!(scheduler.run_until_complete(main).unwrap(), 55);
    assert!(scheduler.clock().now() < Duration::from_secs(4));
}

#[test]
fn a_step_that_holds_the_loop_is_named_once() {
    let mut scheduler = Scheduler::new().unwrap();
    let heard = Rc::new(RefCell::new(Vec::new()));
    let noted = heard.clone();
    scheduler.on_held(Duration::from_millis(100), move |held| {
        noted.borrow_mut().push((held.took, held.frame.to_string()));
    });
    let main = Coroutine::new(|co| async move {
        co.sleep(Duration::from_millis(5)).await?;
        std::thread::sleep(Duration::from_millis(150)); // the Node.js mistake
        co.sleep(Duration::from_millis(5)).await?;
        std::thread::sleep(Duration::from_millis(20)); // short: not a notice
        co.sleep(Duration::from_millis(5)).await
    })
    .named("blocker");
    scheduler.run_until_complete(main).unwrap();
    let heard = heard.borrow();
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert!(heard[0].0 >= Duration::from_millis(150));
    assert_eq!(heard[0].1, "blocker");
}

/// Three tasks wake in the same tick; the middle one blocks. The notice
/// names it, not the tick's last task, and times its turn alone.
#[test]
fn the_turn_that_held_the_loop_is_named_not_the_ticks_last() {
    let mut scheduler = Scheduler::new().unwrap();
    let heard = Rc::new(RefCell::new(Vec::new()));
    let noted = heard.clone();
    scheduler.on_held(Duration::from_millis(100), move |held| {
        noted
            .borrow_mut()
            .push((held.task.get(), held.frame.to_string(), held.took));
    });
    let sleeper = |name: &'static str, blocks: Duration| {
        Coroutine::new(move |co| async move {
            co.sleep(Duration::from_millis(20)).await?;
            std::thread::sleep(blocks);
            co.sleep(Duration::from_millis(1)).await
        })
        .named(name)
    };
    let first = scheduler.spawn(sleeper("quick", Duration::from_millis(80)));
    let middle = scheduler.spawn(sleeper("blocker", Duration::from_millis(150)));
    let last = scheduler.spawn(sleeper("quick too", Duration::from_millis(80)));
    let ids = (first.id().get(), middle.id().get(), last.id().get());
    let main = Coroutine::new(move |co| async move {
        co.join(first).await?;
        co.join(middle).await?;
        co.join(last).await
    });
    scheduler.run_until_complete(main).unwrap();
    let heard = heard.borrow();
    assert_eq!(heard.len(), 1, "{heard:?}");
    let (task, frame, took) = &heard[0];
    assert_eq!((*task, frame.as_str()), (ids.1, "blocker"), "{heard:?}");
    // Its own turn, not the tick's three (310 ms and more).
    assert!(
        *took >= Duration::from_millis(150) && *took < Duration::from_millis(300),
        "{took:?}"
    );
}

#[test]
fn a_virtual_clock_never_hears_of_a_held_loop() {
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    let heard = Rc::new(RefCell::new(0));
    let noted = heard.clone();
    scheduler.on_held(Duration::from_millis(1), move |_| *noted.borrow_mut() += 1);
    let main = Coroutine::new(|co| async move {
        std::thread::sleep(Duration::from_millis(20));
        co.sleep(Duration::from_secs(100)).await
    });
    scheduler.run_until_complete(main).unwrap();
    assert_eq!(*heard.borrow(), 0);
}
