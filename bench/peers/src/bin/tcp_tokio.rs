//! bench/tcp's tokio peer: the `tcp_server` line protocol (`Welcome.`, then
//! `add 3 5` → `8`) on a tokio current-thread runtime, a task per client,
//! `TCP_NODELAY` on like ours. Prints `Serving on ADDR` first.
//!
//! ```sh
//! cargo run --release --bin tcp_tokio -- 0      # the port (0: any)
//! ```

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[path = "../line_protocol.rs"]
mod line_protocol;
use line_protocol::reply;

async fn session(stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"Welcome.\n").await?;
    while let Some(line) = lines.next_line().await? {
        let answer = reply(&line);
        if !answer.is_empty() {
            write.write_all(answer.as_bytes()).await?;
        }
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .map_or(Ok(0), |p| p.parse())
        .expect("a port");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        println!("Serving on {}", listener.local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            tokio::task::spawn(async move {
                let _ = session(stream).await;
            });
        }
    })
}
