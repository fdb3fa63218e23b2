//! `observe::Live` through the library, without a browser: a program with a
//! live view, watched over `/events` by a plain socket, fed a line through
//! `POST /input`. Loopback only; every wait has a deadline.
//!
//! The test runs itself again as a child process whose stdin is a pipe the
//! parent holds open (the harness's stdin may be at its end already, which
//! a reader would get before the page's line).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use crate::support::{TIMEOUT, http, this_test_again, wait};
use trampoline::observe::Live;
use trampoline::{Coroutine, Scheduler, fib};

const PATIENCE: Duration = Duration::from_secs(20);

/// `POST path` with `body`; the status.
fn post(addr: SocketAddr, path: &str, body: &str) -> u16 {
    http(addr, "POST", path, body).0
}

/// A page's side, on a thread: reads `/events`, types `line` once the
/// program waits for input, and sends back every event up to the output
/// line `last` (or until [`PATIENCE`] runs out).
fn watch(
    addr: SocketAddr,
    line: &'static str,
    last: &'static str,
) -> (
    std::thread::JoinHandle<()>,
    std::sync::mpsc::Receiver<Vec<serde_json::Value>>,
) {
    let (tell, told) = channel();
    let watcher = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.write_all(b"GET /events HTTP/1.0\r\n\r\n").unwrap();
        let mut seen = Vec::new();
        let mut typed = false;
        let deadline = Instant::now() + PATIENCE;
        for event in BufReader::new(stream).lines() {
            let event = event.expect("the stream goes on");
            let Some(json) = event.strip_prefix("data: ") else {
                continue;
            };
            let json: serde_json::Value = serde_json::from_str(json).unwrap();
            let waiting =
                json["kind"] == "snapshot" && !json["input"].as_array().unwrap().is_empty();
            if waiting && !typed {
                assert_eq!(post(addr, "/input", line), 204);
                typed = true;
            }
            let done = json["kind"] == "output" && json["line"] == last;
            seen.push(json);
            if done || Instant::now() > deadline {
                break;
            }
        }
        tell.send(seen).unwrap();
    });
    (watcher, told)
}

/// Names the test a child process runs (see [`in_a_child`]).
const CHILD: &str = "TRAMPOLINE_LIVE_CHILD";

/// Runs `body` in a child process of this test binary whose stdin is a pipe
/// the parent holds open (the harness's stdin may be at its end already,
/// which a reader would get before the page's line); the parent waits for
/// it, bounded, and fails if it did.
fn in_a_child(test: &str, body: fn()) {
    if std::env::var_os(CHILD).is_some_and(|name| name == test) {
        return body();
    }
    let mut process = this_test_again(module_path!(), test)
        .env(CHILD, test)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = process.stdin.take();
    let status = wait(&mut process, TIMEOUT);
    drop(stdin);
    assert!(status.success(), "{status}");
}

#[test]
fn a_program_is_watched_and_fed_a_line_by_the_page() {
    in_a_child(
        "a_program_is_watched_and_fed_a_line_by_the_page",
        watched_and_fed,
    );
}

fn watched_and_fed() {
    let mut scheduler = Scheduler::new().unwrap();
    let live = Live::start(&mut scheduler, "127.0.0.1:0".parse().unwrap()).unwrap();
    scheduler.pace().set_rate(Some(100.0));
    let addr = live.addr();
    // The browser's side, on a thread: watch, wait for the reader, type 7,
    // collect everything until the answer shows.
    let (watcher, told) = watch(addr, "7", "fib(7) = 13");
    let shown = live.clone();
    let main = Coroutine::new(move |co| async move {
        let line = co.read_line().await?.unwrap_or_default();
        let n: u64 = line.trim().parse().unwrap();
        let answer = co.call(fib(n)).await?;
        shown.say(&format!("fib({n}) = {answer}"));
        Ok(answer)
    })
    .named("main");
    assert_eq!(scheduler.run_until_complete(main).unwrap(), 13);
    let seen = told
        .recv_timeout(PATIENCE)
        .expect("the watcher saw the answer");
    watcher.join().unwrap();

    let snapshots: Vec<_> = seen.iter().filter(|j| j["kind"] == "snapshot").collect();
    let first = snapshots[0];
    assert_eq!(
        first["tasks"].as_array().unwrap().len(),
        1,
        "only the program's task: {first}"
    );
    assert_eq!(first["tasks"][0]["name"], "main");
    assert!(
        snapshots
            .iter()
            .any(|s| s["tasks"][0]["state"] == "waiting for input")
    );
    assert!(snapshots.iter().any(|s| {
        s["tasks"][0]["stack"][0]
            .as_str()
            .is_some_and(|top| top.starts_with("fib("))
    }));
    let calls = seen.iter().filter(|j| j["kind"] == "call").count();
    let returns = seen.iter().filter(|j| j["kind"] == "return").count();
    // fib(7) is 41 coroutines below `main`: a call and a return each, paced.
    assert!(
        calls >= 40 && returns >= 40,
        "{calls} calls, {returns} returns"
    );
    let mut times: Vec<f64> = seen.iter().filter_map(|j| j["at"].as_f64()).collect();
    let unsorted = times.clone();
    times.sort_by(f64::total_cmp);
    assert_eq!(
        times.first(),
        unsorted.first(),
        "loop times start at the first"
    );
}

/// At full speed (no slow motion) an error thrown into a caller still
/// reaches the page, as a `throw` event naming the frame and the error.
#[test]
fn a_throw_at_full_speed_reaches_the_page() {
    in_a_child(
        "a_throw_at_full_speed_reaches_the_page",
        thrown_at_full_speed,
    );
}

fn thrown_at_full_speed() {
    let mut scheduler = Scheduler::new().unwrap();
    let live = Live::start(&mut scheduler, "127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = live.addr();
    let (watcher, told) = watch(addr, "go", "caught");
    let shown = live.clone();
    let main = Coroutine::new(move |co| async move {
        co.read_line().await?;
        let explode = Coroutine::<()>::new(|_co| async { Err("boom".into()) }).named("explode");
        let got = co.call(explode).await;
        assert!(got.is_err());
        shown.say("caught");
        Ok(())
    })
    .named("main");
    scheduler.run_until_complete(main).unwrap();
    let seen = told
        .recv_timeout(PATIENCE)
        .expect("the watcher saw the end");
    watcher.join().unwrap();
    let throw = seen
        .iter()
        .find(|j| j["kind"] == "throw")
        .unwrap_or_else(|| panic!("no throw event at full speed: {seen:?}"));
    assert_eq!(throw["frame"], "explode");
    assert_eq!(throw["error"], "boom");
    assert_eq!(throw["task"], 1, "{throw}");
    assert!(
        !seen.iter().any(|j| j["kind"] == "call"),
        "no calls at full speed"
    );
}
