//! A `Semaphore` never lets more than its permits be held at once, wakes
//! waiters as permits come back, and gets a permit back when its holder is
//! cancelled.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, Scheduler, Semaphore, gather};

#[test]
fn the_limit_is_never_exceeded_and_everyone_gets_a_turn() {
    let limit = Semaphore::new(3);
    let (holding, most, served) = (
        Rc::new(Cell::new(0)),
        Rc::new(Cell::new(0)),
        Rc::new(Cell::new(0)),
    );
    let workers = (0..20u64)
        .map(|i| {
            let (limit, holding, most, served) =
                (limit.clone(), holding.clone(), most.clone(), served.clone());
            Coroutine::new(move |co| async move {
                let _permit = co.call(limit.acquire()).await?;
                holding.set(holding.get() + 1);
                most.set(most.get().max(holding.get()));
                co.sleep(Duration::from_millis(10 + i % 4)).await?;
                holding.set(holding.get() - 1);
                served.set(served.get() + 1);
                Ok(())
            })
        })
        .collect();
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    scheduler.run_until_complete(gather(workers)).unwrap();
    assert_eq!((most.get(), served.get(), limit.available()), (3, 20, 3));
}

#[test]
fn a_cancelled_holder_gives_its_permit_back() {
    let limit = Semaphore::new(1);
    let l = limit.clone();
    let main = Coroutine::new(move |co| async move {
        let l2 = l.clone();
        let holder = co
            .spawn(Coroutine::new(move |co| async move {
                let _permit = co.call(l2.acquire()).await?;
                co.sleep(Duration::from_secs(3600)).await
            }))
            .await?;
        let waiter = co.spawn(l.acquire()).await?;
        co.sleep(Duration::from_secs(1)).await?;
        holder.cancel();
        let permit = co.join(waiter).await?;
        Ok((co.now().await?, l.available(), permit))
    });
    let (at, available, permit) = Scheduler::with_clock(Clock::virtual_at_zero())
        .unwrap()
        .run_until_complete(main)
        .unwrap();
    assert_eq!((at, available), (Duration::from_secs(1), 0));
    drop(permit);
    assert_eq!(limit.available(), 1);
}

#[test]
fn a_cancelled_waiter_does_not_take_a_permit() {
    let limit = Semaphore::new(1);
    let l = limit.clone();
    let main = Coroutine::new(move |co| async move {
        let held = co.call(l.acquire()).await?;
        let first = co.spawn(l.acquire()).await?;
        let second = co.spawn(l.acquire()).await?;
        co.sleep(Duration::from_secs(1)).await?;
        first.cancel();
        drop(held);
        let cancelled = co.join(first).await.unwrap_err().is_cancelled();
        let _permit = co.join(second).await?;
        Ok((cancelled, l.available()))
    });
    assert_eq!(
        Scheduler::with_clock(Clock::virtual_at_zero())
            .unwrap()
            .run_until_complete(main)
            .unwrap(),
        (true, 0)
    );
    assert_eq!(limit.available(), 1);
}
