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
    // A 900 KB line (under the 1 MiB limit) at about 1 MB/s, 100 bytes a
    // write: each read finds a little more of the line. Before, every read
    // rescanned the whole line and the loop read on while bytes kept coming:
    // a good client waited up to 762 ms.
    const ONES: usize = 450_000;
    const PIECE: usize = 50; // ones a write: 100 bytes
    let trickler = std::thread::spawn(move || {
        let mut client = Client::connect(addr);
        let started = Instant::now();
        let piece = " 1".repeat(PIECE);
        client.send("add");
        for i in 0..ONES / PIECE {
            client.send(&piece);
            let due = started + Duration::from_micros(100 * (i as u64 + 1));
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        let answer = client.ask("");
        (answer, started.elapsed())
    });
    let mut good = Client::connect(addr);
    let mut latencies = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    while !trickler.is_finished() && latencies.len() < 100_000 && Instant::now() < deadline {
        let asked = Instant::now();
        assert_eq!(good.ask("add 3 5").as_deref(), Some("8"));
        latencies.push(asked.elapsed());
        std::thread::sleep(Duration::from_micros(200));
    }
    let (answer, took) = trickler.join().unwrap();
    assert_eq!(
        answer,
        Some(ONES.to_string()),
        "the long line arrives whole"
    );
    assert!(
        took < Duration::from_secs(10),
        "900 KB in 100-byte pieces took {took:?}"
    );
    assert!(latencies.len() >= 100, "only {} requests", latencies.len());
    latencies.sort();
    let (p99, max) = (percentile(&latencies, 99), latencies[latencies.len() - 1]);
    assert!(
        p99 < Duration::from_millis(20) && max < Duration::from_millis(150),
        "a good client waited p99 {p99:?}, max {max:?} ({} requests)",
        latencies.len()
    );
}
