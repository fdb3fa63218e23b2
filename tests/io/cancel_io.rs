//! A task cancelled while it waits on a socket (`accept`) or on the thread
//! pool gets `Cancelled` at once, and the socket or job never resumes it
//! again: the listener can be accepted on afterwards.

use std::time::Duration;

use trampoline::{Coroutine, Scheduler};

#[test]
fn a_task_waiting_in_accept_is_cancelled_and_the_listener_still_works() {
    let main = Coroutine::new(|co| async move {
        let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
        let addr = listener.local_addr();
        let acceptor = co
            .spawn(Coroutine::new(move |co| async move {
                let got = co.accept(&listener).await.map(|_| ());
                Ok((got.unwrap_err().is_cancelled(), listener))
            }))
            .await?;
        co.sleep(Duration::from_millis(20)).await?;
        acceptor.cancel();
        let (cancelled, listener) = co.join(acceptor).await?;
        // The same listener accepts a client afterwards.
        let client = co
            .spawn(Coroutine::new(move |co| async move {
                co.connect(addr).await.map(|_| ())
            }))
            .await?;
        co.accept(&listener).await?;
        co.join(client).await?;
        Ok(cancelled)
    });
    assert!(Scheduler::new().unwrap().run_until_complete(main).unwrap());
}

#[test]
fn a_task_waiting_for_the_pool_is_cancelled_and_its_result_dropped() {
    let main = Coroutine::new(|co| async move {
        let waiter = co
            .spawn(Coroutine::new(|co| async move {
                co.run_in_executor(|| {
                    std::thread::sleep(Duration::from_millis(100));
                    7u64
                })
                .await
            }))
            .await?;
        co.sleep(Duration::from_millis(10)).await?;
        waiter.cancel();
        let cancelled = co.join(waiter).await.unwrap_err().is_cancelled();
        co.sleep(Duration::from_millis(200)).await?; // the job ends meanwhile
        Ok(cancelled)
    });
    assert!(Scheduler::new().unwrap().run_until_complete(main).unwrap());
}
