//! A line longer than the limit (1 MiB) read from a socket is an error for
//! that line only: its bytes are dropped as they arrive, and the next line
//! reads fine.

use trampoline::{Coroutine, DEFAULT_LINE_LIMIT, Scheduler};

#[test]
fn an_overlong_line_is_an_error_and_the_next_line_is_read() {
    let main = Coroutine::new(|co| async move {
        let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
        let client = co.connect(listener.local_addr()).await?;
        let server_side = co.accept(&listener).await?;
        let writer = client.clone();
        let sending = co
            .spawn(Coroutine::new(move |co| async move {
                let mut long = vec![b'x'; 3 * DEFAULT_LINE_LIMIT];
                long.push(b'\n');
                co.write_all(&writer, long).await?;
                co.write_all(&writer, "add 3 5\n").await
            }))
            .await?;
        let first = co.read_line_from(&server_side).await;
        let second = co.read_line_from(&server_side).await?;
        co.join(sending).await?;
        Ok((first.map_err(|e| format!("{:?}", e.kind())), second))
    });
    let (first, second) = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    let error = first.unwrap_err();
    assert!(error.contains("TooLong"), "{error}");
    assert_eq!(second.as_deref(), Some("add 3 5"));
}
