//! bench/tcp's floor: the `tcp_server` line protocol with nothing but the
//! system calls a request needs. One thread, one mio poll, no tasks, no
//! futures, no buffers but one per connection: per readiness event one
//! `read(2)` (again only if it filled the buffer, or the peer hung up),
//! then one `write(2)` per complete line in it. The same calls ours,
//! tokio's and uvloop's servers make (`epoll_wait` + `recvfrom` + `sendto`
//! a request), so its CPU per request is what any such server pays on this
//! kernel: the floor under bench/tcp's table. (`--batch` writes a read's
//! replies in one `write(2)`: what pipelining could save.) Prints
//! `Serving on ADDR` first.
//!
//! ```sh
//! cargo run --release --bin tcp_floor -- 0      # the port (0: any)
//! ```

use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

#[path = "../line_protocol.rs"]
mod line_protocol;
use line_protocol::reply;

const LISTENER: Token = Token(usize::MAX);

struct Conn {
    stream: TcpStream,
    /// An unfinished line from the last read.
    input: Vec<u8>,
}

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .map_or(Ok(0), |p| p.parse())
        .expect("a port");
    let batch = std::env::args().any(|arg| arg == "--batch");
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(1024);
    let mut listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    println!("Serving on {}", listener.local_addr()?);
    let mut conns: Vec<Option<Conn>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    let mut out: Vec<u8> = Vec::new();
    loop {
        poll.poll(&mut events, None)?;
        for event in &events {
            if event.token() == LISTENER {
                loop {
                    let (mut stream, _) = match listener.accept() {
                        Ok(accepted) => accepted,
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(e) => return Err(e),
                    };
                    stream.set_nodelay(true)?;
                    stream.write_all(b"Welcome.\n")?;
                    let key = free.pop().unwrap_or_else(|| {
                        conns.push(None);
                        conns.len() - 1
                    });
                    poll.registry()
                        .register(&mut stream, Token(key), Interest::READABLE)?;
                    conns[key] = Some(Conn {
                        stream,
                        input: Vec::new(),
                    });
                }
                continue;
            }
            let key = event.token().0;
            let Some(conn) = conns[key].as_mut() else {
                continue;
            };
            let mut open = true;
            loop {
                let n = match conn.stream.read(&mut buf) {
                    Ok(0) => {
                        open = false;
                        break;
                    }
                    Ok(n) => n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(_) => {
                        open = false;
                        break;
                    }
                };
                conn.input.extend_from_slice(&buf[..n]);
                let mut start = 0;
                while let Some(at) = conn.input[start..].iter().position(|&b| b == b'\n') {
                    let line = String::from_utf8_lossy(&conn.input[start..start + at]);
                    out.extend_from_slice(reply(&line).as_bytes());
                    start += at + 1;
                    // Replies are a few bytes: the socket's buffer takes them.
                    if !batch {
                        open &= conn.stream.write_all(&out).is_ok();
                        out.clear();
                    }
                }
                conn.input.drain(..start);
                if !out.is_empty() {
                    open &= conn.stream.write_all(&out).is_ok();
                    out.clear();
                }
                if !open || (n < buf.len() && !event.is_read_closed()) {
                    break;
                }
            }
            if !open {
                conns[key] = None;
                free.push(key);
            }
        }
    }
}
