//! A call returns its value to the caller, several levels deep, whatever the type.

use trampoline::{Coroutine, Scheduler, fib};

fn leaf(n: u64) -> Coroutine<u64> {
    Coroutine::new(move |_co| async move { Ok(n * 10) })
}

fn middle(n: u64) -> Coroutine<String> {
    Coroutine::new(move |co| async move {
        let a = co.call(leaf(n)).await?;
        let b = co.call(leaf(n + 1)).await?;
        Ok(format!("{a}+{b}"))
    })
}

fn top() -> Coroutine<(String, Vec<i32>, bool)> {
    Coroutine::new(|co| async move {
        let text = co.call(middle(1)).await?;
        co.call(Coroutine::new(|_co| async { Ok(()) })).await?;
        let negative: i32 = co.call(Coroutine::new(|_co| async { Ok(-7) })).await?;
        let float: f64 = co.call(Coroutine::new(|_co| async { Ok(0.5) })).await?;
        let yes: bool = co.call(Coroutine::new(|_co| async { Ok(true) })).await?;
        Ok((text, vec![negative, (float * 4.0) as i32], yes))
    })
}

#[test]
fn values_come_back_through_three_levels() {
    let got = Scheduler::new().unwrap().run_until_complete(top()).unwrap();
    assert_eq!(got, ("10+20".to_string(), vec![-7, 2], true));
}

#[test]
fn fib_through_the_trampoline_matches_plain_fib() {
    let mut scheduler = Scheduler::new().unwrap();
    for n in 0..=20 {
        assert_eq!(
            scheduler.run_until_complete(fib(n)).unwrap(),
            crate::support::fib(n),
            "fib({n})"
        );
    }
}

#[test]
fn a_scheduler_runs_one_main_after_another() {
    let mut scheduler = Scheduler::new().unwrap();
    assert_eq!(scheduler.run_until_complete(leaf(1)).unwrap(), 10);
    assert_eq!(scheduler.run_until_complete(leaf(2)).unwrap(), 20);
}
