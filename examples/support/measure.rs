//! What the scale and timing examples share: memory figures from
//! `/proc/self/status` (Linux; elsewhere they read as unknown), the count
//! argument, printing that survives a closed stdout (`| head -1`), and the
//! fib coroutine the timing examples compute.

#![allow(dead_code)] // each example uses only part of it

/// One `Vm...:  1234 kB` line of `/proc/self/status`, in bytes.
fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    let kb: u64 = line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// The resident set size now.
pub fn rss() -> Option<u64> {
    status_bytes("VmRSS:")
}

/// The peak resident set size so far.
pub fn peak_rss() -> Option<u64> {
    status_bytes("VmHWM:")
}

/// The first command-line argument as a count, or `default`.
pub fn count_arg(default: u64) -> u64 {
    match std::env::args().nth(1) {
        None => default,
        Some(text) => text.replace('_', "").parse().unwrap_or_else(|_| {
            eprintln!("error: {text:?} is not a whole number");
            std::process::exit(2);
        }),
    }
}

/// Prints `text` and a newline; a closed stdout is not an error here.
pub fn say(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

/// Prints what each of `n` things cost, from the peak RSS over the RSS
/// `before` they were made: `176 bytes per level (peak RSS ...)`.
pub fn say_bytes_per(unit: &str, peak: u64, before: u64, n: u64) {
    say(&format!(
        "{} bytes per {unit} (peak RSS {:.1} MiB over a start of {:.1} MiB)",
        peak.saturating_sub(before) / n.max(1),
        peak as f64 / 1048576.0,
        before as f64 / 1048576.0
    ));
}
