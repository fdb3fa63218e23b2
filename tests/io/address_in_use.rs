//! Listening on an address another socket already listens on is an error at
//! the `listen` call site, which the coroutine can handle and go on.

use std::io::ErrorKind as IoKind;

use trampoline::{Coroutine, ErrorKind, Scheduler};

#[test]
fn a_second_listener_on_the_same_port_gets_address_in_use() {
    let main = Coroutine::new(|co| async move {
        let first = co.listen("127.0.0.1:0".parse().unwrap()).await?;
        let error = co.listen(first.local_addr()).await.unwrap_err();
        // The loop and the first listener go on.
        let client = co.connect(first.local_addr()).await?;
        let server_side = co.accept(&first).await?;
        co.write_all(&client, "still here\n").await?;
        let line = co.read_line_from(&server_side).await?;
        Ok((error, line))
    });
    let (error, line) = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    assert!(
        matches!(error.kind(), ErrorKind::Io(e) if e.kind() == IoKind::AddrInUse),
        "{error:?}"
    );
    assert_eq!(line.as_deref(), Some("still here"));
}

#[test]
fn connecting_to_a_closed_port_is_refused_at_the_call_site() {
    let main = Coroutine::new(|co| async move {
        let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
        let addr = listener.local_addr();
        co.close_listener(&listener).await?;
        Ok(co.connect(addr).await.unwrap_err())
    });
    let error = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    assert!(
        matches!(error.kind(), ErrorKind::Io(e) if e.kind() == IoKind::ConnectionRefused),
        "{error:?}"
    );
}
