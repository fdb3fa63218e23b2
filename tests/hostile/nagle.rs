//! Finding 2: a reply written in two writes (the charfinder's answer, then
//! its prompt) waited ~40 ms for the peer's delayed ACK, because Nagle's
//! algorithm held the second write. `TCP_NODELAY` is now on by default.

use std::io::Read;
use std::time::{Duration, Instant};

use trampoline::{Connection, Coroutine};

use super::support::{Client, percentile, serve};

/// Answers, then prompts: two writes per request.
fn two_writes(connection: Connection) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        while let Some(line) = co.read_line_from(&connection).await? {
            co.write_all(&connection, format!("{}\n", line.len()))
                .await?;
            co.write_all(&connection, "?> ").await?;
        }
        Ok(())
    })
}

#[test]
fn a_reply_in_two_writes_is_not_held_by_nagle() {
    let addr = serve(two_writes);
    let mut client = Client::connect(addr);
    let mut latencies = Vec::new();
    for _ in 0..40 {
        let asked = Instant::now();
        assert_eq!(client.ask("chess black").as_deref(), Some("11"));
        let mut prompt = [0; 3];
        client.reader.read_exact(&mut prompt).unwrap();
        assert_eq!(&prompt, b"?> ");
        latencies.push(asked.elapsed());
    }
    latencies.sort();
    let p50 = percentile(&latencies, 50);
    // Nagle's delay is ~40 ms a request; without it, well under a millisecond.
    assert!(
        p50 < Duration::from_millis(15),
        "p50 {p50:?}: {latencies:?}"
    );
}
