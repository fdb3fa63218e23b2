//! One heap allocation per coroutine: a block holding its label, genawaiter's
//! airlock and the body's future, behind a one-word pointer
//! (`oneblock/src/lib.rs`). Counted with an
//! instrumented global allocator, so a change that adds an allocation to the
//! hot path (a boxed return value, a clock read that allocates...) fails here.

use stats_alloc::Region;
use trampoline::{Scheduler, fib};

use crate::{GLOBAL, alone};

/// fib(n) makes 2·F(n+1) − 1 coroutines.
fn coroutines(n: u64) -> usize {
    let (mut a, mut b) = (0usize, 1usize);
    for _ in 0..=n {
        (a, b) = (b, a + b);
    }
    2 * a - 1
}

/// The allocations of a run of fib(n), the fewest of three: the counter is
/// global, and the test harness's other threads may allocate meanwhile
/// (noise only ever adds).
fn allocations_for(scheduler: &mut Scheduler, n: u64) -> usize {
    (0..3)
        .map(|_| {
            let region = Region::new(GLOBAL);
            assert_eq!(scheduler.run_until_complete(fib(n)).unwrap() > 0, n > 0);
            region.change().allocations
        })
        .min()
        .unwrap()
}

#[test]
fn a_fib_coroutine_costs_one_allocation() {
    alone(
        module_path!(),
        "a_fib_coroutine_costs_one_allocation",
        || {
            let mut scheduler = Scheduler::new().unwrap();
            // Warm up: the task table, the ready queue and a stack as deep as fib(20)'s.
            allocations_for(&mut scheduler, 20);
            let small = allocations_for(&mut scheduler, 10);
            let large = allocations_for(&mut scheduler, 20);
            let per_coroutine = (large - small) as f64 / (coroutines(20) - coroutines(10)) as f64;
            assert_eq!(
                per_coroutine, 1.0,
                "fib(10): {small} allocations, fib(20): {large}"
            );
            // And the fixed cost of a run (the task, its stack, its completion) is small.
            assert!(small - coroutines(10) <= 8, "fib(10): {small} allocations");
        },
    );
}
