//! The server with well-behaved clients: keep-alive, pipelining, both ways
//! of sending a body, streamed answers.

use std::process::Command;
use std::time::Duration;

use super::support;
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

#[test]
fn head_answers_what_get_would_without_the_body() {
    let addr = serve(server);
    // Raw: the head of GET's answer, with GET's length; then the next
    // request on the same connection is answered (no body was sent between).
    let raw = exchange(
        addr,
        b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\nHEAD /count/3 HTTP/1.1\r\nHost: x\r\n\r\n\
          GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let answers: Vec<&str> = raw.split("HTTP/1.1 ").skip(1).collect();
    assert_eq!(answers.len(), 3, "{raw}");
    assert!(answers[0].starts_with("200 OK\r\n"), "{raw}");
    assert!(answers[0].contains("Content-Length: 12\r\n"), "{raw}");
    assert!(answers[0].contains("Content-Type: text/plain"), "{raw}");
    assert!(answers[0].ends_with("\r\n\r\n"), "{raw}");
    assert!(
        answers[1].contains("Transfer-Encoding: chunked\r\n"),
        "{raw}"
    );
    assert!(
        answers[1].ends_with("\r\n\r\n"),
        "a streamed answer's head only: {raw}"
    );
    assert!(answers[2].ends_with("\r\n\r\nHello world!"), "{raw}");
    // Python's http.client: HEAD then GET on one connection.
    let script = r#"
import http.client, sys
connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
for method in ("HEAD", "GET", "HEAD"):
    connection.request(method, "/")
    answer = connection.getresponse()
    print(method, answer.status, answer.getheader("Content-Length"), repr(answer.read()))
connection.request("HEAD", "/nowhere")
print("HEAD", connection.getresponse().status)
"#;
    let mut python = Command::new("python3");
    python.args(["-c", script, &addr.port().to_string()]);
    let output = support::output(python, b"", Duration::from_secs(30));
    assert!(output.status.success(), "{}", support::stderr(&output));
    assert_eq!(
        support::stdout(&output),
        "HEAD 200 12 b''\nGET 200 12 b'Hello world!'\nHEAD 200 12 b''\nHEAD 404\n"
    );
    // A method no route takes is still 405, HEAD included where GET is not.
    let put_only = curl(&["--include", "--head", &format!("http://{addr}/echo")]);
    assert!(put_only.starts_with("HTTP/1.1 405"), "{put_only}");
}
