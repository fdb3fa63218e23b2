//! The client against our server, and against hostile servers: a huge
//! announced length, endless headers, silence. Each is an `Err`, quickly,
//! without the memory the server asks for.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use super::{serve, test_router};
use trampoline::http::{Client, Response, Server};
use trampoline::{Coroutine, ErrorKind, Scheduler};

/// `GET url`; an error comes back as its text.
fn fetch(client: Client, url: String) -> Result<Response, String> {
    let main = Coroutine::new(move |co| async move {
        Ok(co.call(client.get(&url)).await.map_err(|e| e.to_string()))
    });
    Scheduler::new().unwrap().run_until_complete(main).unwrap()
}

/// A one-shot server on a thread that answers the first connection with
/// `answer` (after reading the request head), then keeps it open a while.
fn hostile(answer: impl FnOnce(&mut std::net::TcpStream) + Send + 'static) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut head = [0; 4096];
        let _ = stream.read(&mut head);
        answer(&mut stream);
        std::thread::sleep(Duration::from_secs(5));
    });
    addr
}

#[test]
fn it_reads_whole_and_chunked_bodies() {
    let addr = serve(|| Server::new(test_router()));
    let hello = fetch(Client::new(), format!("http://{addr}/")).unwrap();
    assert_eq!(
        (hello.status(), hello.body_text().as_str()),
        (200, "Hello world!")
    );
    assert_eq!(hello.header("content-length"), Some("12"));
    let counted = fetch(Client::new(), format!("http://{addr}/count/1000")).unwrap();
    assert_eq!(counted.body_text().lines().count(), 1000);
    assert!(counted.body_text().ends_with("line 1000\n"));
}

#[test]
fn an_announced_length_over_the_limit_is_refused_at_once() {
    let addr = hostile(|stream| {
        let _ =
            stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\nxx");
    });
    let started = Instant::now();
    let error = fetch(Client::new().max_body(1 << 20), format!("http://{addr}/")).unwrap_err();
    assert!(error.contains("over the limit of 1048576 bytes"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_body_that_goes_on_past_the_limit_is_cut_off() {
    let addr = hostile(|stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\n\r\n");
        let block = [b'z'; 64 * 1024];
        for _ in 0..100 {
            if stream.write_all(&block).is_err() {
                break;
            }
        }
    });
    let error = fetch(Client::new().max_body(100_000), format!("http://{addr}/")).unwrap_err();
    assert!(error.contains("over the limit of 100000 bytes"), "{error}");
}

#[test]
fn endless_headers_are_refused() {
    let addr = hostile(|stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\n");
        for i in 0.. {
            if stream
                .write_all(format!("X-{i}: {}\r\n", "h".repeat(50)).as_bytes())
                .is_err()
            {
                break;
            }
        }
    });
    let error = fetch(Client::new(), format!("http://{addr}/")).unwrap_err();
    assert!(error.contains("head is over the limit"), "{error}");
}

#[test]
fn a_silent_server_times_out() {
    let addr = hostile(|_stream| {});
    let started = Instant::now();
    let client = Client::new().timeout(Duration::from_millis(300));
    let main = Coroutine::new(move |co| async move {
        let error = co
            .call(client.get(&format!("http://{addr}/")))
            .await
            .unwrap_err();
        Ok(matches!(error.kind(), ErrorKind::TimedOut))
    });
    assert!(Scheduler::new().unwrap().run_until_complete(main).unwrap());
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[test]
fn a_malformed_answer_is_an_error() {
    let addr = hostile(|stream| {
        let _ = stream.write_all(b"SMTP ready\r\n\r\n");
    });
    let error = fetch(Client::new(), format!("http://{addr}/")).unwrap_err();
    assert!(error.contains("malformed HTTP"), "{error}");
}

#[test]
fn head_gets_the_length_without_waiting_for_a_body() {
    let addr = serve(|| Server::new(test_router()));
    let url = format!("http://{addr}/");
    let main = Coroutine::new(move |co| async move {
        co.call(Client::new().request("HEAD", &url, &[], Vec::new()))
            .await
    });
    let answer = Scheduler::new().unwrap().run_until_complete(main).unwrap();
    assert_eq!(
        (
            answer.status(),
            answer.header("content-length"),
            answer.body()
        ),
        (200, Some("12"), &b""[..])
    );
}
