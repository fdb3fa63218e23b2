//! A connection the peer resets arrives as an error at the read's call site,
//! and the server goes on serving.
//!
//! The reset is provoked the portable way: the client closes its socket while
//! data it never read is still in its receive buffer, so its kernel answers
//! with RST instead of FIN.

use std::io::ErrorKind as IoKind;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use trampoline::{Coroutine, ErrorKind, Scheduler};

#[test]
fn a_reset_is_an_error_where_the_server_reads() {
    let (addr_tx, addr_rx) = std::sync::mpsc::channel::<SocketAddr>();
    let client = std::thread::spawn(move || {
        let addr = addr_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        // Wait until the greeting is here, without reading it, then close.
        stream.peek(&mut [0u8; 1]).unwrap();
        drop(stream);
    });
    let main = Coroutine::new(move |co| async move {
        let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
        addr_tx.send(listener.local_addr()).unwrap();
        let connection = co.accept(&listener).await?;
        co.write_all(&connection, "Welcome.\n").await?;
        let read = co.read_line_from(&connection).await;
        // The loop is fine: it can still accept a new client.
        let again = co.connect(listener.local_addr()).await?;
        co.close(&again).await?;
        Ok(read.map_err(|e| format!("{e:?}")).err())
    });
    let error = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    client.join().unwrap();
    let error = error.expect("the read fails");
    assert!(error.contains("ConnectionReset"), "{error}");
}

#[test]
fn the_error_kind_is_connection_reset() {
    let main = Coroutine::new(|co| async move {
        let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
        let addr = listener.local_addr();
        let client = std::thread::spawn(move || {
            let stream = TcpStream::connect(addr).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            stream.peek(&mut [0u8; 1]).unwrap();
        });
        let connection = co.accept(&listener).await?;
        co.write_all(&connection, "unread\n").await?;
        let error = co.read_line_from(&connection).await.unwrap_err();
        Ok((error, client))
    });
    let (error, client) = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    client.join().unwrap();
    assert!(
        matches!(error.kind(), ErrorKind::Io(e) if e.kind() == IoKind::ConnectionReset),
        "{error:?}"
    );
}
