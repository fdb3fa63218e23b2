//! An error is thrown into the caller at its `call` point: caught with `match`,
//! or passed on with `?`, recording the frames it went through.

use trampoline::{Coroutine, Error, ErrorKind, RunError, Scheduler};

fn a() -> Coroutine<u64> {
    Coroutine::new(|_co| async { Err(Error::msg("Something went wrong in A!")) })
}

fn b() -> Coroutine<u64> {
    Coroutine::new(|co| async move {
        let a = co.call(a()).await?;
        Ok(a + 1)
    })
}

#[test]
fn c_catches_what_a_raised_through_b() {
    let c = Coroutine::new(|co| async move {
        match co.call(b()).await {
            Ok(b) => Ok(format!("{b}")),
            Err(e) => Ok(format!("C got exception: {e}")),
        }
    });
    let got = Scheduler::new().unwrap().run_until_complete(c).unwrap();
    assert_eq!(got, "C got exception: Something went wrong in A!");
}

#[test]
fn the_error_remembers_the_frames_it_was_thrown_through() {
    let c = Coroutine::new(|co| async move {
        let e = co.call(b()).await.unwrap_err();
        Ok(e.trace_line())
    });
    let got = Scheduler::new().unwrap().run_until_complete(c).unwrap();
    assert_eq!(got, "a ← b");
}

#[test]
fn an_uncaught_error_fails_the_main_coroutine_with_its_trace() {
    fn compute(n: u64) -> Coroutine<u64> {
        Coroutine::new(move |co| async move { co.call(b()).await }).with_arg(n)
    }
    let err = Scheduler::new()
        .unwrap()
        .run_until_complete(compute(5))
        .unwrap_err();
    let RunError::Failed(e) = err else {
        panic!("expected Failed, got {err:?}")
    };
    assert!(matches!(e.kind(), ErrorKind::Message(m) if m == "Something went wrong in A!"));
    assert_eq!(e.trace_line(), "a ← b ← compute(5)");
}

#[test]
fn a_caught_error_leaves_the_caller_running() {
    let c = Coroutine::new(|co| async move {
        let mut caught = 0;
        for _ in 0..3 {
            if co.call(a()).await.is_err() {
                caught += 1;
            }
        }
        Ok(caught + co.call(Coroutine::new(|_co| async { Ok(10) })).await?)
    });
    assert_eq!(Scheduler::new().unwrap().run_until_complete(c).unwrap(), 13);
}

#[test]
fn a_joined_task_hands_its_error_to_the_joiner() {
    let main = Coroutine::new(|co| async move {
        let task = co.spawn(b()).await?;
        Ok(co.join(task).await.unwrap_err().to_string())
    });
    let got = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    assert_eq!(got, "Something went wrong in A!");
}

#[test]
fn a_task_joining_itself_gets_an_error_instead_of_waiting_forever() {
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::Duration;
    // The task gets its own handle through a shared cell, and says what join gave it.
    let slot: Rc<RefCell<Option<trampoline::JoinHandle<()>>>> = Rc::default();
    let said: Rc<RefCell<String>> = Rc::default();
    let (inner, inner_said) = (slot.clone(), said.clone());
    let main = Coroutine::new(move |co| async move {
        let selfish = Coroutine::new(move |co| async move {
            co.sleep(Duration::ZERO).await?;
            let me = inner.borrow_mut().take().expect("the handle was stored");
            *inner_said.borrow_mut() = co.join(me).await.unwrap_err().to_string();
            Ok(())
        });
        let handle = co.spawn(selfish).await?;
        *slot.borrow_mut() = Some(handle);
        co.sleep(Duration::from_secs(1)).await
    });
    let mut scheduler = Scheduler::with_clock(trampoline::Clock::virtual_at_zero()).unwrap();
    scheduler.run_until_complete(main).unwrap();
    assert_eq!(
        *said.borrow(),
        "task 2 cannot join itself: it would wait forever"
    );
}
