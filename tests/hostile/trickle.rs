//! Finding 1: a client sending a long line in small pieces could hold the
//! loop (it read until the socket was empty) and cost quadratic time (every
//! read rescanned the whole line for `\n`). Now each socket gets one read
//! per readiness event and the search resumes where it stopped: a good
//! client's latency stays low, and the long line is still read whole.

use std::time::{Duration, Instant};

use trampoline::{Connection, Coroutine};

use super::support::{Client, percentile, serve};

/// `add 1 1 1 ...` answers the number of ones: the long line arrived whole.
fn adder(connection: Connection) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        while let Some(line) = co.read_line_from(&connection).await? {
            let sum: u64 = line
                .split_whitespace()
                .skip(1)
                .filter_map(|w| w.parse::<u64>().ok())
                .sum();
            co.write_all(&connection, format!("{sum}\n")).await?;
        }
        Ok(())
    })
}

#[test]
fn a_trickling_client_neither_stalls_a_good_one_nor_loses_its_line() {
    let addr = serve(adder);
    const ONES: usize = 400_000; // an 800 KB line, under the 1 MiB limit
    let trickler = std::thread::spawn(move || {
        let mut client = Client::connect(addr);
        let started = Instant::now();
        let piece = " 1".repeat(50); // 100 bytes a write
        client.send("add");
        for _ in 0..ONES / 50 {
            client.send(&piece);
        }
        let answer = client.ask("");
        (answer, started.elapsed())
    });
    let mut good = Client::connect(addr);
    let mut latencies = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while (!trickler.is_finished() || latencies.len() < 50)
        && latencies.len() < 20_000
        && Instant::now() < deadline
    {
        let asked = Instant::now();
        assert_eq!(good.ask("add 3 5").as_deref(), Some("8"));
        latencies.push(asked.elapsed());
    }
    let (answer, took) = trickler.join().unwrap();
    assert_eq!(
        answer,
        Some(ONES.to_string()),
        "the long line arrives whole"
    );
    assert!(
        took < Duration::from_secs(8),
        "800 KB in 100-byte pieces took {took:?}"
    );
    latencies.sort();
    let (p99, max) = (percentile(&latencies, 99), latencies[latencies.len() - 1]);
    assert!(
        p99 < Duration::from_millis(50) && max < Duration::from_millis(500),
        "a good client waited p99 {p99:?}, max {max:?} ({} requests)",
        latencies.len()
    );
}
