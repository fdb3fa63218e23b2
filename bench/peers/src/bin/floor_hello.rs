//! The floor of `bench/http`: the least a server can do per request on this
//! machine. No parsing, no allocation per request, no router, no Date
//! formatting: it counts the `\r\n\r\n` that end the requests it reads and
//! writes one canned `200 OK ... Hello world!` (the same bytes as ours, with
//! a fixed date) per request. Whatever a real server measures above this is
//! its own cost; what this measures is the kernel's, wrk's and the wake-ups'.
//!
//!     floor_hello PORT            one thread, mio (epoll), edge-triggered: a
//!                                 readable socket is read once (again only
//!                                 after a full buffer), as ours and tokio do
//!     floor_hello PORT --blocking a thread per connection, blocking
//!                                 std::net: read(2), write(2), no epoll at all
//!
//! Prints `Serving on http://127.0.0.1:PORT` first, like the others.

use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\
Content-Length: 12\r\nDate: Mon, 30 Nov 2026 00:00:00 GMT\r\n\r\nHello world!";

const BUFFER: usize = 64 * 1024;

/// Requests ended in `bytes`, given how many bytes of `\r\n\r\n` the previous
/// read ended with (`matched`, updated).
fn requests(bytes: &[u8], matched: &mut usize) -> usize {
    let mut count = 0;
    for &byte in bytes {
        let want = b"\r\n\r\n"[*matched];
        *matched = match (byte == want, byte == b'\r') {
            (true, _) if *matched == 3 => {
                count += 1;
                0
            }
            (true, _) => *matched + 1,
            (false, true) => 1,
            (false, false) => 0,
        };
    }
    count
}

fn blocking(listener: std::net::TcpListener) {
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        stream.set_nodelay(true).unwrap();
        std::thread::spawn(move || {
            let mut buffer = vec![0; BUFFER];
            let mut out = Vec::new();
            let mut matched = 0;
            loop {
                let n = match stream.read(&mut buffer) {
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                out.clear();
                for _ in 0..requests(&buffer[..n], &mut matched) {
                    out.extend_from_slice(RESPONSE);
                }
                if stream.write_all(&out).is_err() {
                    return;
                }
            }
        });
    }
}

struct Conn {
    stream: TcpStream,
    matched: usize,
    /// Written bytes the kernel has not taken yet.
    out: Vec<u8>,
}

fn epoll(listener: std::net::TcpListener) {
    listener.set_nonblocking(true).unwrap();
    let mut listener = TcpListener::from_std(listener);
    let mut poll = Poll::new().unwrap();
    const LISTENER: Token = Token(usize::MAX);
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)
        .unwrap();
    let mut conns = std::collections::HashMap::<usize, Conn>::new();
    let mut next = 0;
    let mut events = Events::with_capacity(1024);
    let mut buffer = vec![0; BUFFER];
    loop {
        match poll.poll(&mut events, None) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue, // strace attaching
            result => result.unwrap(),
        }
        for event in &events {
            if event.token() == LISTENER {
                while let Ok((mut stream, _)) = listener.accept() {
                    stream.set_nodelay(true).unwrap();
                    next += 1;
                    poll.registry()
                        .register(
                            &mut stream,
                            Token(next),
                            Interest::READABLE | Interest::WRITABLE,
                        )
                        .unwrap();
                    conns.insert(
                        next,
                        Conn {
                            stream,
                            matched: 0,
                            out: Vec::new(),
                        },
                    );
                }
                continue;
            }
            let key = event.token().0;
            let Some(conn) = conns.get_mut(&key) else {
                continue;
            };
            let mut alive = true;
            if event.is_readable() {
                loop {
                    match conn.stream.read(&mut buffer) {
                        Ok(0) => alive = false,
                        Ok(n) => {
                            for _ in 0..requests(&buffer[..n], &mut conn.matched) {
                                conn.out.extend_from_slice(RESPONSE);
                            }
                            if n == buffer.len() {
                                continue; // maybe more: edge-triggered
                            }
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                        Err(_) => alive = false,
                    }
                    break;
                }
            }
            while alive && !conn.out.is_empty() {
                match conn.stream.write(&conn.out) {
                    Ok(n) => drop(conn.out.drain(..n)),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => alive = false,
                }
            }
            if !alive {
                let mut conn = conns.remove(&key).unwrap();
                let _ = poll.registry().deregister(&mut conn.stream);
            }
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let is_blocking = args.next().as_deref() == Some("--blocking");
    let listener = std::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .expect("the port is free");
    println!("Serving on http://{}", listener.local_addr().unwrap());
    std::io::stdout().flush().unwrap();
    if is_blocking {
        blocking(listener)
    } else {
        epoll(listener)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_requests_across_reads() {
        let mut matched = 0;
        assert_eq!(
            super::requests(b"GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r", &mut matched),
            1
        );
        assert_eq!(
            super::requests(b"\nGET / HTTP/1.1\r\r\n\r\n", &mut matched),
            2
        );
    }
}
