//! A coroutine whose body closure panics while the coroutine is being made
//! (before its generator exists) leaks nothing: the heap block made for the
//! generator's state is freed on the way out (`oneblock/src/lib.rs`). Counted
//! with an instrumented global allocator.

use std::panic::{AssertUnwindSafe, catch_unwind};

use stats_alloc::Region;
use trampoline::{Coroutine, Scheduler};

use crate::{GLOBAL, alone};

fn broken() -> Coroutine<u64> {
    Coroutine::new(|_co| {
        let body_would_be = async { Ok(1) };
        if std::hint::black_box(true) {
            panic!("no body today");
        }
        body_would_be
    })
}

fn try_to_make_one() -> bool {
    catch_unwind(AssertUnwindSafe(broken)).is_err()
}

#[test]
fn a_body_closure_that_panics_leaks_nothing_and_the_loop_still_runs() {
    alone(
        module_path!(),
        "a_body_closure_that_panics_leaks_nothing_and_the_loop_still_runs",
        || {
            std::panic::set_hook(Box::new(|_| {}));
            // Once first, so the panic machinery's own lazy allocations are made.
            assert!(try_to_make_one());
            let region = Region::new(GLOBAL);
            for _ in 0..100 {
                assert!(try_to_make_one());
            }
            let change = region.change();
            assert_eq!(
                change.bytes_allocated, change.bytes_deallocated,
                "{change:?}: a panicking body closure leaked"
            );
            let fine = Coroutine::new(|_co| async { Ok(7u64) });
            assert_eq!(
                Scheduler::new().unwrap().run_until_complete(fine).unwrap(),
                7
            );
        },
    );
}
