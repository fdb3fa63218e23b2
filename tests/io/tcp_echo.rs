//! A TCP echo server on one thread serves several clients at once: a task
//! per connection, each parked on its socket while its client is quiet.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use trampoline::{Connection, Coroutine, Listener, Scheduler};

fn echo(connection: Connection) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        while let Some(line) = co.read_line_from(&connection).await? {
            co.write_all(&connection, format!("{line}\n")).await?;
        }
        co.close(&connection).await
    })
}

/// Accepts `clients` connections, a task each, and waits for them all.
fn serve(listener: Listener, clients: usize) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let mut handlers = Vec::new();
        for _ in 0..clients {
            let connection = co.accept(&listener).await?;
            handlers.push(co.spawn(echo(connection)).await?);
        }
        for handler in handlers {
            co.join(handler).await?;
        }
        Ok(())
    })
}

fn client(addr: SocketAddr, name: usize) -> Coroutine<Vec<String>> {
    Coroutine::new(move |co| async move {
        let connection = co.connect(addr).await?;
        let mut echoed = Vec::new();
        for n in 0..3 {
            co.write_all(&connection, format!("client {name} line {n}\n"))
                .await?;
            // Let the other clients go between two lines.
            co.sleep(Duration::ZERO).await?;
            echoed.push(co.read_line_from(&connection).await?.unwrap_or_default());
        }
        co.close(&connection).await?;
        Ok(echoed)
    })
}

#[test]
fn lines_come_back_to_each_of_several_clients_on_the_loop() {
    let main = Coroutine::new(|co| async move {
        let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
        let addr = listener.local_addr();
        let server = co.spawn(serve(listener, 5)).await?;
        let mut clients = Vec::new();
        for name in 0..5 {
            clients.push(co.spawn(client(addr, name)).await?);
        }
        let mut all = Vec::new();
        for client in clients {
            all.push(co.join(client).await?);
        }
        co.join(server).await?;
        Ok(all)
    });
    let all = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    for (name, echoed) in all.iter().enumerate() {
        let expected: Vec<String> = (0..3).map(|n| format!("client {name} line {n}")).collect();
        assert_eq!(echoed, &expected);
    }
}

#[test]
fn a_quiet_client_does_not_hold_up_the_others() {
    // Real OS-thread clients: the first connects and says nothing; the second
    // must still get its echo while the first is connected.
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let server = std::thread::spawn(move || {
        let main = Coroutine::new(move |co| async move {
            let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
            addr_tx.send(listener.local_addr()).unwrap();
            co.call(serve(listener, 2)).await
        });
        Scheduler::new().unwrap().run_until_complete(main).unwrap();
    });
    let addr: SocketAddr = addr_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    let quiet = TcpStream::connect(addr).unwrap();
    let mut talker = TcpStream::connect(addr).unwrap();
    talker
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    talker.write_all(b"hello\r\nworld\n").unwrap();
    let mut reader = BufReader::new(talker.try_clone().unwrap());
    let mut lines = Vec::new();
    for _ in 0..2 {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        lines.push(line);
    }
    assert_eq!(lines, ["hello\n", "world\n"]);
    drop((quiet, talker, reader));
    server.join().unwrap();
}
