//! The seed's `hello_eventloop.py` (article 000): a hand-written event loop,
//! no coroutines and no library. Each turn waits at most 100 ms for stdin to
//! be readable (with `mio::Poll`, the seed's `selector.select(0.1)`), handles
//! the input, then prints `Hello world!` if 3 seconds have passed. One thread,
//! so fib blocks the hello lines, as in Node.js; compare `hello_threads`.
//!
//! ```text
//! cargo run --release --example hello_eventloop
//! ```
//!
//! Type a number (try 40) and Enter; the program ends at the end of input.

use std::io::{BufRead, BufReader, Read};
use std::os::fd::{AsFd, AsRawFd};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use rustix::event::{PollFd, PollFlags, poll};

const STDIN: Token = Token(0);
const LARGEST: u64 = 50;

fn fib(n: u64) -> u64 {
    if n > 1 { fib(n - 1) + fib(n - 2) } else { n }
}

fn process_input(line: &str) {
    match line.trim().parse::<u64>() {
        Ok(n) if n <= LARGEST => {
            let start = Instant::now();
            let result = fib(n);
            println!(
                "Executing fib took {:.2} seconds.",
                start.elapsed().as_secs_f64()
            );
            println!("fib({n}) = {result}");
        }
        _ => eprintln!(
            "error: {:?} is not a number from 0 to {LARGEST}",
            line.trim()
        ),
    }
}

fn print_hello() {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    println!("{secs} - Hello world!");
}

/// Whether a read of stdin would not block right now (`poll(2)`, zero timeout).
fn readable_now() -> bool {
    let stdin = std::io::stdin();
    let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
    poll(&mut fds, Some(&rustix::event::Timespec::default())).is_ok_and(|n| n > 0)
}

fn main() -> std::io::Result<()> {
    let mut poller = Poll::new()?;
    let mut events = Events::with_capacity(4);
    let stdin = std::io::stdin();
    let raw = stdin.as_fd().as_raw_fd();
    // epoll refuses regular files and /dev/null (EPERM): their reads never
    // block, so such a stdin is simply "always readable".
    let always_readable = poller
        .registry()
        .register(&mut SourceFd(&raw), STDIN, Interest::READABLE)
        .is_err();
    let mut reader = BufReader::new(stdin.lock());
    let mut last_hello: Option<Instant> = None;
    loop {
        // The seed checks its timer after the input; checking first prints
        // the first hello before any input, even input that is already there.
        if last_hello.is_none_or(|t| t.elapsed() > Duration::from_secs(3)) {
            last_hello = Some(Instant::now());
            print_hello();
        }
        poller.poll(&mut events, Some(Duration::from_millis(100)))?;
        let mut readable = always_readable || events.iter().any(|e| e.token() == STDIN);
        // mio is edge-triggered: one event per arrival of data, so drain
        // every line that is already there before polling again.
        while readable {
            let mut line = String::new();
            if reader.by_ref().read_line(&mut line)? == 0 {
                return Ok(()); // end of input
            }
            process_input(&line);
            readable = !reader.buffer().is_empty() || readable_now();
        }
    }
}
