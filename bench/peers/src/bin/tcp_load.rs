//! bench/tcp's load client: every connection driven from ONE thread (mio),
//! so it measures the server and not the client's threads. Each connection
//! waits for its greeting, then loops: one write of `--pipeline` requests
//! (`add I 5\n` each), wait for as many replies, check them, repeat (closed
//! loop). After `--warmup` seconds it measures for `--seconds`: requests,
//! requests/s, the round trip of each write (p50, p99), and, with `--pid`,
//! the server's CPU (utime + stime from `/proc/PID/stat`) per request.
//! Prints one line of `key=value`s.
//!
//! ```sh
//! cargo run --release --bin tcp_load -- 127.0.0.1:8000 --connections 100 --seconds 3
//! ```

use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

struct Conn {
    stream: TcpStream,
    input: Vec<u8>,
    greeted: bool,
    /// Replies still awaited for the current write, and when it was sent.
    awaiting: usize,
    sent_at: Instant,
    next: u64,
}

struct Args {
    addr: SocketAddr,
    connections: usize,
    seconds: f64,
    warmup: f64,
    pipeline: usize,
    pid: Option<u32>,
}

fn parse_args() -> Args {
    let mut args = std::env::args().skip(1);
    let addr = args
        .next()
        .expect("the server's address")
        .parse()
        .expect("an address");
    let mut parsed = Args {
        addr,
        connections: 1,
        seconds: 3.0,
        warmup: 0.5,
        pipeline: 1,
        pid: None,
    };
    while let Some(flag) = args.next() {
        let value = args.next().expect("a value after each flag");
        match flag.as_str() {
            "--connections" => parsed.connections = value.parse().unwrap(),
            "--seconds" => parsed.seconds = value.parse().unwrap(),
            "--warmup" => parsed.warmup = value.parse().unwrap(),
            "--pipeline" => parsed.pipeline = value.parse().unwrap(),
            "--pid" => parsed.pid = Some(value.parse().unwrap()),
            other => panic!("unknown flag {other}"),
        }
    }
    parsed
}

/// The server's CPU time so far (user + system), from `/proc/PID/stat`.
fn cpu(pid: Option<u32>) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid?)).ok()?;
    // The fields after the command name (which may hold spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().ok()? + fields[12].parse::<u64>().ok()?;
    Some(Duration::from_nanos(ticks * 1_000_000_000 / CLOCK_TICKS))
}

/// `sysconf(_SC_CLK_TCK)`, the unit of `/proc/PID/stat`'s times: 100 on
/// every Linux we run on.
const CLOCK_TICKS: u64 = 100;

fn send(conn: &mut Conn, pipeline: usize) -> std::io::Result<()> {
    let mut batch = String::new();
    for _ in 0..pipeline {
        batch.push_str(&format!("add {} 5\n", conn.next));
        conn.next += 1;
    }
    // A few bytes into an empty send buffer: one write takes them all.
    conn.stream.write_all(batch.as_bytes())?;
    conn.awaiting = pipeline;
    conn.sent_at = Instant::now();
    Ok(())
}

fn main() -> std::io::Result<()> {
    let args = parse_args();
    let mut poll = Poll::new()?;
    let mut conns = Vec::with_capacity(args.connections);
    for i in 0..args.connections {
        let std_stream = std::net::TcpStream::connect(args.addr)?;
        std_stream.set_nodelay(true)?;
        std_stream.set_nonblocking(true)?;
        let mut stream = TcpStream::from_std(std_stream);
        poll.registry()
            .register(&mut stream, Token(i), Interest::READABLE)?;
        conns.push(Conn {
            stream,
            input: Vec::new(),
            greeted: false,
            awaiting: 0,
            sent_at: Instant::now(),
            next: 0,
        });
    }
    let mut events = Events::with_capacity(1024);
    let start = Instant::now();
    let measure_from = start + Duration::from_secs_f64(args.warmup);
    let end = measure_from + Duration::from_secs_f64(args.seconds);
    let mut measuring = false;
    let mut cpu_before = None;
    let mut requests = 0u64;
    let mut latencies: Vec<u32> = Vec::new(); // microseconds per write's round trip
    let mut buf = [0u8; 64 * 1024];
    loop {
        let now = Instant::now();
        if !measuring && now >= measure_from {
            measuring = true;
            cpu_before = cpu(args.pid);
        }
        if now >= end {
            break;
        }
        poll.poll(&mut events, Some(end - now))?;
        for event in &events {
            let conn = &mut conns[event.token().0];
            loop {
                match conn.stream.read(&mut buf) {
                    Ok(0) => panic!("the server closed a connection"),
                    Ok(n) => conn.input.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            let mut done = 0;
            while let Some(at) = conn.input[done..].iter().position(|&b| b == b'\n') {
                let line = &conn.input[done..done + at];
                done += at + 1;
                if !conn.greeted {
                    assert_eq!(line, b"Welcome.", "the greeting");
                    conn.greeted = true;
                    continue;
                }
                let expected = conn.next - conn.awaiting as u64 + 5;
                assert_eq!(line, expected.to_string().as_bytes(), "a right answer");
                conn.awaiting -= 1;
                if measuring {
                    requests += 1;
                }
            }
            conn.input.drain(..done);
            if conn.greeted && conn.awaiting == 0 {
                if measuring && conn.next > 0 {
                    latencies.push(conn.sent_at.elapsed().as_micros() as u32);
                }
                send(conn, args.pipeline)?;
            }
        }
    }
    let cpu_after = cpu(args.pid);
    let elapsed = args.seconds;
    latencies.sort_unstable();
    let pick = |p: usize| {
        latencies
            .get((latencies.len().max(1) - 1) * p / 100)
            .copied()
            .unwrap_or(0)
    };
    let cpu_us = match (cpu_before, cpu_after) {
        (Some(b), Some(a)) if requests > 0 => {
            format!("{:.2}", (a - b).as_secs_f64() * 1e6 / requests as f64)
        }
        _ => "nan".to_string(),
    };
    println!(
        "requests={requests} rps={:.0} p50_us={} p99_us={} cpu_us_per_request={cpu_us}",
        requests as f64 / elapsed,
        pick(50),
        pick(99)
    );
    Ok(())
}
