//! Model-based property tests: random programs of tasks — nested calls,
//! sleeps with tied durations, `Sleep(0)`, errors thrown at random depths and
//! caught or not, panics, spawns and joins, computations longer than a turn —
//! run on the real [`Scheduler`] under the virtual clock and in a small
//! reference model (`reference/sim.rs`), and the two must agree on everything
//! observable: every step and the clock reading it ran at (so the order of
//! wake-ups: deadline, then FIFO, and where a 1024-resume turn ends), every
//! caught error, every task's result or error, and every failure report. On
//! top of that, every error a program makes must end in exactly one place:
//! caught, returned by the main task, or reported once.

mod reference;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Once;
use std::time::Duration;

use proptest::prelude::*;
use trampoline::{
    Clock, Coroutine, Error, JoinHandle, LoopEvent, Observer, RunError, Scheduler, capture_reports,
};

use reference::program::{Body, Op, program};
use reference::{Entry, Observed, ReportKind};

/// What the coroutines of one run write down.
#[derive(Default)]
struct Env {
    /// The loop's clock in milliseconds, as the last event said: reading it
    /// costs no resume, so the model can count resumes (a task's turn is
    /// 1024 of them) without counting clock readings.
    now: Cell<u64>,
    log: RefCell<Vec<Entry>>,
    caught: RefCell<Vec<(u32, String)>>,
    results: RefCell<Vec<(u32, Result<u64, String>)>>,
}

fn millis(now: Duration) -> u64 {
    u64::try_from(now.as_millis()).expect("virtual runs are short")
}

/// A call or join came back: add its value, catch its error, or pass it on.
fn settle(env: &Env, node: u32, catch: bool, got: Result<u64, Error>) -> Result<u64, Error> {
    match got {
        Ok(value) => Ok(value),
        Err(error) if catch => {
            env.caught.borrow_mut().push((node, error.to_string()));
            Ok(0)
        }
        Err(error) => Err(error),
    }
}

/// A chain of calls `depth` deep; returns `depth`.
fn chain(depth: u64) -> Coroutine<u64> {
    Coroutine::new(move |co| async move {
        if depth == 0 {
            return Ok(0);
        }
        Ok(co.call(chain(depth - 1)).await? + 1)
    })
}

/// The body of a program, as a coroutine.
fn run_body(body: Body, env: Rc<Env>) -> Coroutine<u64> {
    Coroutine::new(move |co| async move {
        let mut acc = u64::from(body.id);
        let mut handles: Vec<Option<JoinHandle<u64>>> = Vec::new();
        for node in &body.nodes {
            env.log
                .borrow_mut()
                .push(Entry::Start(node.id, env.now.get()));
            match &node.op {
                Op::Sleep(ms) => co.sleep(Duration::from_millis(*ms)).await?,
                Op::Compute(depth) => acc = acc.wrapping_add(co.call(chain(*depth)).await?),
                Op::Call { body, catch } => {
                    let got = co.call(run_body(body.clone(), env.clone())).await;
                    acc = acc.wrapping_add(settle(&env, node.id, *catch, got)?);
                }
                Op::Fail => return Err(Error::msg(format!("boom {}", node.id))),
                Op::Panic => panic!("model panic {}", node.id),
                Op::Spawn(body) => {
                    let handle = co.spawn(run_task(body.clone(), env.clone())).await?;
                    handles.push(Some(handle));
                }
                Op::Cancel { pick } => {
                    let live = reference::live(handles.iter().map(Option::is_some));
                    if let Some(slot) = reference::pick(&live, *pick) {
                        handles[slot]
                            .as_ref()
                            .expect("picked a live handle")
                            .cancel();
                    }
                }
                Op::Join { pick, catch } => {
                    let live = reference::live(handles.iter().map(Option::is_some));
                    if let Some(slot) = reference::pick(&live, *pick) {
                        let handle = handles[slot].take().expect("picked a live handle");
                        let got = co.join(handle).await;
                        acc = acc.wrapping_add(settle(&env, node.id, *catch, got)?);
                    }
                }
            }
            env.log
                .borrow_mut()
                .push(Entry::End(node.id, env.now.get()));
        }
        Ok(acc)
    })
}

/// A spawned task: runs its body and writes down how it ended.
fn run_task(body: Body, env: Rc<Env>) -> Coroutine<u64> {
    Coroutine::new(move |co| async move {
        let id = body.id;
        let got = co.call(run_body(body, env.clone())).await;
        let seen = got.as_ref().map(|v| *v).map_err(ToString::to_string);
        env.results.borrow_mut().push((id, seen));
        got
    })
}

/// Writes down every task's end, in order, from the event stream, and keeps
/// the clock reading of the last event for the coroutines.
struct Finishes(Rc<RefCell<Vec<Finish>>>, Rc<Env>);

/// A task's id and its error, if it failed.
type Finish = (u64, Option<String>);

impl Observer for Finishes {
    fn on_event(&mut self, at: Duration, event: &LoopEvent<'_>) {
        self.1.now.set(millis(at));
        if let LoopEvent::Finished { task, error, .. } = event {
            let error = error.map(ToString::to_string);
            self.0.borrow_mut().push((task.get(), error));
        }
    }
}

/// `task 3 failed: boom 7 (in ...)` or `task 3: error never retrieved: ...`.
fn parse_report(line: &str) -> (u64, ReportKind, String) {
    let rest = line.strip_prefix("task ").expect("a report names its task");
    let digits = rest.find(|c: char| !c.is_ascii_digit()).expect("an id");
    let id = rest[..digits].parse().expect("a task id");
    let (kind, message) = match &rest[digits..] {
        r if r.starts_with(" failed: ") => (ReportKind::Failed, &r[" failed: ".len()..]),
        r if r.starts_with(": error never retrieved: ") => (
            ReportKind::NeverRetrieved,
            &r[": error never retrieved: ".len()..],
        ),
        r => panic!("an unknown report: {r}"),
    };
    let message = message.split(" (in ").next().expect("split yields once");
    (id, kind, message.to_string())
}

/// Runs the program on the real scheduler.
fn run_real(root: &Body) -> Observed {
    let env = Rc::new(Env::default());
    let finishes = Rc::new(RefCell::new(Vec::new()));
    let main = {
        let (root, env) = (root.clone(), env.clone());
        Coroutine::new(move |co| async move {
            let got = co.call(run_body(root, env)).await;
            co.sleep(reference::LONG_SLEEP).await?;
            got
        })
    };
    let (run, reports) = capture_reports(|| {
        let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).expect("scheduler");
        scheduler.observe(Finishes(finishes.clone(), env.clone()));
        scheduler.run_until_complete(main)
    });
    let root = match run {
        Ok(value) => Ok(value),
        Err(RunError::Failed(error)) => Err(error.to_string()),
        Err(other) => panic!("the loop itself failed: {other}"),
    };
    let mut reports: Vec<_> = reports.iter().map(|line| parse_report(line)).collect();
    reports.sort();
    let env = Rc::try_unwrap(env).unwrap_or_else(|_| panic!("every coroutine is gone"));
    Observed {
        root,
        log: env.log.into_inner(),
        caught: env.caught.into_inner(),
        results: env.results.into_inner(),
        finished: finishes.take(),
        reports,
    }
}

/// The panics of the programs are expected: keep the default hook's message
/// for any other.
fn quiet_model_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let text = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied());
            if !text.is_some_and(|t| t.starts_with("model panic")) {
                default(info);
            }
        }));
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn the_scheduler_agrees_with_the_model(root in program()) {
        quiet_model_panics();
        let real = run_real(&root);
        let (expected, superseded) = reference::sim::run_counting(&root);
        prop_assert_eq!(&real, &expected);
        reference::assert_every_error_ends_once(&root, &real, &superseded);
    }
}

#[test]
fn a_hand_written_program_agrees_with_the_model() {
    use reference::program::numbered;
    // Two children sleep 2 ms and 1 ms, a third fails at once; the root
    // joins the first and catches, sleeps 0, and leaves the others unjoined.
    let child = |ops| Op::Spawn(Body::raw(ops));
    let root = numbered(vec![
        child(vec![Op::Sleep(2), Op::Fail]),
        child(vec![Op::Sleep(1)]),
        child(vec![Op::Fail]),
        Op::Sleep(0),
        Op::Join {
            pick: 0,
            catch: true,
        },
        Op::Call {
            body: Body::raw(vec![Op::Sleep(1), Op::Fail]),
            catch: false,
        },
    ]);
    quiet_model_panics();
    let real = run_real(&root);
    let (expected, superseded) = reference::sim::run_counting(&root);
    assert_eq!(real, expected);
    reference::assert_every_error_ends_once(&root, &real, &superseded);
    assert_eq!(real.caught.len(), 1, "{real:?}");
    assert!(real.root.is_err(), "{real:?}");
}

/// The generator must keep making the interesting cases: a check that the
/// property above is not passing on trivial programs.
#[test]
fn the_generated_programs_cover_the_interesting_cases() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut reports, mut caught, mut panics, mut ties, mut deep, mut long) = (0, 0, 0, 0, 0, 0);
    let mut cancelled = 0;
    let samples = 500;
    for _ in 0..samples {
        let root = program()
            .new_tree(&mut runner)
            .expect("a program")
            .current();
        let run = reference::sim::run(&root);
        reports += usize::from(!run.reports.is_empty());
        caught += usize::from(!run.caught.is_empty());
        panics += usize::from(
            run.finished
                .iter()
                .any(|(_, e)| e.as_deref().is_some_and(|e| e.starts_with("panicked"))),
        );
        cancelled += usize::from(
            run.finished
                .iter()
                .any(|(_, e)| e.as_deref() == Some("cancelled")),
        );
        let ends: Vec<u64> = run
            .log
            .iter()
            .filter_map(|e| match e {
                Entry::End(_, t) if *t > 0 => Some(*t),
                _ => None,
            })
            .collect();
        ties += usize::from(ends.windows(2).any(|w| w[0] == w[1]));
        let mut long_ids = Vec::new();
        root.visit(&mut |node| {
            if matches!(node.op, Op::Compute(d) if d >= 512) {
                long_ids.push(node.id);
            }
        });
        long += usize::from(
            run.log
                .iter()
                .any(|e| matches!(e, Entry::Start(id, _) if long_ids.contains(id))),
        );
        let mut depth = 0;
        root.visit(&mut |node| {
            if let Op::Call { body, .. } = &node.op {
                body.visit(&mut |inner| {
                    if matches!(inner.op, Op::Call { .. }) {
                        depth += 1;
                    }
                });
            }
        });
        deep += usize::from(depth > 0);
    }
    let share = |n: usize| n * 100 / samples;
    let seen = [reports, caught, panics, ties, deep, long, cancelled].map(share);
    println!(
        "% of programs with reports, caught errors, panics, tied wake-ups, nested calls, \
         a computation over half a turn, a task ended by a cancel: {seen:?}"
    );
    assert!(seen.iter().all(|&percent| percent >= 5), "{seen:?}");
}

#[test]
fn a_cancel_caught_by_a_caller_lets_the_task_go_on_as_the_model_says() {
    use reference::program::numbered;
    // A child sleeps 3 ms inside a call that catches; the root cancels it at
    // 1 ms: the call gets the cancel, catches it, and the child goes on.
    let child = |ops| Op::Spawn(Body::raw(ops));
    let root = numbered(vec![
        child(vec![
            Op::Call {
                body: Body::raw(vec![Op::Sleep(3), Op::Sleep(2)]),
                catch: true,
            },
            Op::Sleep(2),
        ]),
        Op::Sleep(1),
        Op::Cancel { pick: 0 },
        child(vec![Op::Sleep(2)]),
    ]);
    quiet_model_panics();
    let real = run_real(&root);
    let (expected, superseded) = reference::sim::run_counting(&root);
    assert_eq!(real, expected);
    reference::assert_every_error_ends_once(&root, &real, &superseded);
    assert_eq!(real.caught, [(4, "cancelled".to_string())]);
}
