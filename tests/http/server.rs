//! The server with well-behaved clients: keep-alive, pipelining, both ways
//! of sending a body, streamed answers.

use super::{curl, exchange, serve, test_router};
use trampoline::http::Server;

fn server() -> Server {
    Server::new(test_router())
}

#[test]
fn one_connection_carries_several_requests_even_pipelined() {
    let addr = serve(server);
    let answer = exchange(
        addr,
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n\
          GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(answer.matches("HTTP/1.1 200 OK").count(), 2, "{answer}");
    assert_eq!(
        answer.matches("HTTP/1.1 404 Not Found").count(),
        1,
        "{answer}"
    );
    assert!(answer.ends_with("Hello world!"), "{answer}");
    assert!(
        answer.contains("Date: ") && answer.contains(" GMT\r\n"),
        "{answer}"
    );
}

#[test]
fn curl_reuses_the_connection() {
    let addr = serve(server);
    let url = format!("http://{addr}/");
    let out = curl(&["--verbose", &url, &url]);
    assert_eq!(out, "Hello world!Hello world!");
}

#[test]
fn a_body_comes_with_a_length_or_in_chunks() {
    let addr = serve(server);
    let url = format!("http://{addr}/echo");
    let body = "x".repeat(100_000);
    assert_eq!(curl(&["--data-binary", &body, &url]), body);
    let chunked = curl(&[
        "-H",
        "Transfer-Encoding: chunked",
        "--data-binary",
        &body,
        &url,
    ]);
    assert_eq!(chunked, body);
    let raw = exchange(
        addr,
        b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
          3\r\ncat\r\n5;ext=1\r\n face\r\n0\r\nTrailer: yes\r\n\r\n",
    );
    assert!(raw.ends_with("\r\n\r\ncat face"), "{raw}");
}

#[test]
fn a_streamed_answer_is_chunked() {
    let addr = serve(server);
    let head = curl(&["--include", &format!("http://{addr}/count/3")]);
    assert!(head.contains("Transfer-Encoding: chunked"), "{head}");
    assert!(head.ends_with("line 1\nline 2\nline 3\n"), "{head}");
    let raw = exchange(addr, b"GET /count/2 HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert!(
        raw.ends_with("7\r\nline 1\n\r\n7\r\nline 2\n\r\n0\r\n\r\n"),
        "{raw}"
    );
    let old = exchange(addr, b"GET /count/2 HTTP/1.0\r\n\r\n");
    assert!(old.ends_with("\r\n\r\nline 1\nline 2\n"), "{old}");
    let kept = exchange(
        addr,
        b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n",
    );
    assert_eq!(
        kept.matches("Connection: keep-alive\r\n").count(),
        1,
        "{kept}"
    );
    assert_eq!(kept.matches("Hello world!").count(), 2, "{kept}");
}

#[test]
fn a_method_the_route_does_not_take_is_405() {
    let addr = serve(server);
    let out = curl(&["--include", "-X", "DELETE", &format!("http://{addr}/")]);
    assert!(out.starts_with("HTTP/1.1 405"), "{out}");
}
