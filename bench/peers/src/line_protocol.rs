//! The `tcp_server` line protocol's replies (`add 3 5` → `8`), shared by
//! bench/tcp's Rust peers (tcp_tokio, tcp_floor) so they do the same work.

/// The reply to one request line, with its `\n`; empty for a blank line.
pub fn reply(line: &str) -> String {
    let mut words = line.split_whitespace();
    match words.next().map(str::to_lowercase).as_deref() {
        Some("add") => {
            let sum: Result<i64, _> = words.map(str::parse::<i64>).sum();
            match sum {
                Ok(sum) => format!("{sum}\n"),
                Err(e) => format!("Error: {e}\n"),
            }
        }
        Some(other) => format!("Invalid command: {other}\n"),
        None => String::new(),
    }
}
