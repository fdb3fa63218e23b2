//! A `Stream` emits values to its consumer one at a time, running on the
//! consumer's stack: other tasks run meanwhile (the seed's primes and mail
//! checker), its failure ends the stream with that error, and cancelling the
//! consumer cancels the generator where it waits.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use trampoline::{Clock, Coroutine, Error, Scheduler, Stream};

type Log = Rc<RefCell<Vec<String>>>;

fn is_prime(n: u64) -> Coroutine<bool> {
    Coroutine::new(move |co| async move {
        for i in 2..n {
            co.sleep(Duration::ZERO).await?;
            if n.is_multiple_of(i) {
                return Ok(false);
            }
        }
        Ok(n >= 2)
    })
}

fn primes(count: usize) -> Stream<u64> {
    Stream::new(move |y| async move {
        let (mut found, mut n) = (0, 1);
        while found < count {
            n += 1;
            if y.call(is_prime(n)).await? {
                y.emit(n).await?;
                found += 1;
            }
        }
        Ok(())
    })
}

#[test]
fn values_stream_to_the_consumer_while_another_task_runs() {
    let log = Log::default();
    let l = log.clone();
    let main = Coroutine::new(move |co| async move {
        let l2 = l.clone();
        let ticker: trampoline::JoinHandle<()> = co
            .spawn(Coroutine::new(move |co| async move {
                loop {
                    l2.borrow_mut().push("tick".into());
                    co.sleep(Duration::ZERO).await?;
                }
            }))
            .await?;
        let mut stream = primes(5);
        while let Some(p) = co.next(&mut stream).await? {
            l.borrow_mut().push(format!("prime {p}"));
        }
        ticker.cancel();
        Ok(stream.is_finished())
    });
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    assert!(scheduler.run_until_complete(main).unwrap());
    let log = log.borrow();
    let primes: Vec<&String> = log.iter().filter(|l| l.starts_with("prime")).collect();
    assert_eq!(
        primes,
        ["prime 2", "prime 3", "prime 5", "prime 7", "prime 11"]
    );
    let first = log.iter().position(|l| l == "prime 2").unwrap();
    let last = log.iter().position(|l| l == "prime 11").unwrap();
    assert!(
        log[first..last].iter().any(|l| l == "tick"),
        "the ticker ran between primes: {log:?}"
    );
}

#[test]
fn a_failing_generator_ends_the_stream_with_its_error() {
    let main = Coroutine::new(|co| async move {
        let mut stream = Stream::new(|y| async move {
            y.emit(1u8).await?;
            Err(Error::msg("ran dry"))
        });
        let first = co.next(&mut stream).await?;
        let error = co.next(&mut stream).await.unwrap_err();
        let after = co.next(&mut stream).await?;
        Ok((first, error.to_string(), after))
    });
    let got = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    assert_eq!(got, (Some(1), "ran dry".to_string(), None));
}

#[test]
fn cancelling_the_consumer_cancels_the_generator_where_it_waits() {
    let log = Log::default();
    let l = log.clone();
    let main = Coroutine::new(move |co| async move {
        let l2 = l.clone();
        let consumer = co
            .spawn(Coroutine::new(move |co| async move {
                let l3 = l2.clone();
                let mut slow = Stream::new(move |y| async move {
                    y.emit(1u8).await?;
                    let slept = y.sleep(Duration::from_secs(60)).await;
                    l3.borrow_mut().push(format!(
                        "generator saw {:?}",
                        slept.as_ref().map_err(ToString::to_string)
                    ));
                    slept?;
                    y.emit(2).await
                });
                while let Some(v) = co.next(&mut slow).await? {
                    l2.borrow_mut().push(format!("got {v}"));
                }
                Ok(())
            }))
            .await?;
        co.sleep(Duration::from_secs(1)).await?;
        consumer.cancel();
        Ok(co.join(consumer).await.unwrap_err().is_cancelled())
    });
    assert!(
        Scheduler::with_clock(Clock::virtual_at_zero())
            .unwrap()
            .run_until_complete(main)
            .unwrap()
    );
    assert_eq!(
        *log.borrow(),
        ["got 1", r#"generator saw Err("cancelled")"#]
    );
}

#[test]
fn a_stream_dropped_half_way_drops_its_generator() {
    let main = Coroutine::new(|co| async move {
        let mut stream = primes(1000);
        let first = co.next(&mut stream).await?;
        drop(stream);
        Ok(first)
    });
    assert_eq!(
        Scheduler::new().unwrap().run_until_complete(main).unwrap(),
        Some(2)
    );
}

#[test]
fn observers_see_the_generator_pushed_and_popped_like_a_call() {
    use trampoline::{LoopEvent, Observer};
    struct Depth(Rc<RefCell<Vec<usize>>>);
    impl Observer for Depth {
        fn on_event(&mut self, _at: Duration, event: &LoopEvent<'_>) {
            match event {
                LoopEvent::Called { depth, .. } => self.0.borrow_mut().push(*depth),
                LoopEvent::Returned { depth, .. } | LoopEvent::Threw { depth, .. } => {
                    self.0.borrow_mut().push(*depth)
                }
                _ => {}
            }
        }
    }
    let depths = Rc::new(RefCell::new(Vec::new()));
    let mut scheduler = Scheduler::new().unwrap();
    scheduler.observe(Depth(depths.clone()));
    let main = Coroutine::new(|co| async move {
        let mut s = Stream::new(|y| async move {
            y.emit(1u8).await?;
            y.emit(2).await
        });
        while co.next(&mut s).await?.is_some() {}
        Ok(())
    });
    scheduler.run_until_complete(main).unwrap();
    // next: pushed at 2, emitted (popped) from 2, three times; the last time it
    // returns; then the root returns at 1.
    assert_eq!(*depths.borrow(), [2, 2, 2, 2, 2, 2, 1]);
}
