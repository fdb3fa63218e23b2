//! `--web`: the live view as another tool sees it, without a browser: the
//! page, the event stream (`data:` JSON lines), a line typed through
//! `POST /input`, slow motion through `POST /control`, two viewers at once,
//! and the held-loop notice of `--blocking`. Loopback only; every wait has a
//! deadline, and the demo is killed if the test fails half-way.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use super::support::{Killed, demo_binary, http};

/// How long any one thing may take to show.
const PATIENCE: Duration = Duration::from_secs(20);

/// Starts the demo with `--web 127.0.0.1:0` and `args`; returns it, the
/// address its stderr names, and the rest of its stderr as it comes.
pub fn start_live(args: &[&str]) -> (Killed, SocketAddr, Receiver<String>) {
    let child = Command::new(demo_binary())
        .args(["--web", "127.0.0.1:0"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the demo starts");
    let mut child = Killed::new(child);
    let stderr = BufReader::new(child.0.stderr.take().unwrap());
    let (tell, lines) = channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if tell.send(line).is_err() {
                return;
            }
        }
    });
    let first = lines
        .recv_timeout(PATIENCE)
        .expect("a first line on stderr");
    let addr = first
        .strip_prefix("Live view on http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("not the live view's address: {first:?}"))
        .parse()
        .unwrap();
    (child, addr, lines)
}

/// A viewer of `/events`: its `data:` lines, as they come. (HTTP/1.0, so
/// the stream comes raw, not in chunks.) Dropping it closes the connection.
pub struct Viewer {
    pub data: Receiver<String>,
    stream: TcpStream,
}

impl Viewer {
    pub fn open(addr: SocketAddr) -> Viewer {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(b"GET /events HTTP/1.0\r\n\r\n").unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        let (tell, data) = channel();
        std::thread::spawn(move || {
            for line in reader.lines().map_while(Result::ok) {
                if let Some(json) = line.strip_prefix("data: ")
                    && tell.send(json.to_string()).is_err()
                {
                    return;
                }
            }
        });
        Viewer { data, stream }
    }

    /// Waits for a `data:` line that passes `test`; fails past the deadline.
    pub fn wait_for(
        &self,
        what: &str,
        test: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .data
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {what} on /events within {PATIENCE:?}"));
            let json: serde_json::Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            assert!(json["kind"].is_string(), "no kind: {line}");
            if test(&json) {
                return json;
            }
        }
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

/// The task named `name` in a snapshot.
fn task<'a>(snapshot: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    snapshot["tasks"]
        .as_array()?
        .iter()
        .find(|t| t["name"] == name)
}

#[test]
fn the_page_streams_the_loop_and_takes_a_typed_line() {
    let (mut demo, addr, _stderr) = start_live(&["--interval", "0.5", "--pace", "40"]);
    let (status, page) = http(addr, "GET", "/", "");
    assert_eq!(status, 200);
    assert!(page.contains("<title>trampoline"), "{page}");
    let viewer = Viewer::open(addr);
    // In slow motion, the call of read_input is held a slot first.
    let first = viewer.wait_for("the reader in read_input", |j| {
        task(j, "main_task").is_some_and(|t| t["depth"] == 2 && t["kind"] == "input")
    });
    assert!(first["at"].as_f64().unwrap() >= 0.0);
    let reader = task(&first, "main_task").expect("the reading task");
    assert_eq!(
        reader["stack"],
        serde_json::json!(["read_input", "main_task"])
    );
    assert_eq!(reader["kind"], "input");
    assert!(first["input"].as_array().unwrap().contains(&reader["id"]));
    assert_eq!(first["pace"]["rate"], 40.0);
    // The live view has no task of its own: the program's keep their ids.
    assert_eq!(task(&first, "main_task").unwrap()["id"], 1);
    assert_eq!(first["tasks"].as_array().unwrap().len(), 2, "{first}");
    let timer = &first["timers"][0];
    assert_eq!(timer["task"], task(&first, "print_every").unwrap()["id"]);

    assert_eq!(http(addr, "POST", "/input", "6\n").0, 204);
    viewer.wait_for("a paced call", |j| {
        j["kind"] == "call" && j["frame"] == "fib(6)"
    });
    let computing = viewer.wait_for("compute(6) with fib boxes", |j| {
        task(j, "compute(6)").is_some_and(|t| t["stack"][0].as_str().unwrap().starts_with("fib("))
    });
    assert!(
        task(&computing, "compute(6)").unwrap()["depth"]
            .as_u64()
            .unwrap()
            >= 2
    );
    viewer.wait_for("a paced return", |j| j["kind"] == "return");
    viewer.wait_for("the answer", |j| {
        j["kind"] == "output" && j["line"] == "fib(6) = 8"
    });

    // Slow motion from the page: pause, then full speed.
    assert_eq!(http(addr, "POST", "/control", "pause").0, 204);
    viewer.wait_for("a paused snapshot", |j| {
        j["kind"] == "snapshot" && j["pace"]["paused"] == true
    });
    assert_eq!(http(addr, "POST", "/control", "pace off").0, 204);
    assert_eq!(http(addr, "POST", "/control", "play").0, 204);
    viewer.wait_for("full speed", |j| {
        j["kind"] == "snapshot" && j["pace"]["paused"] == false && j["pace"]["rate"].is_null()
    });
    assert_eq!(http(addr, "POST", "/control", "jump").0, 400);
    // Each line of a body is a line typed.
    assert_eq!(http(addr, "POST", "/input", "10\n11\n").0, 204);
    viewer.wait_for("fib(10)", |j| {
        j["kind"] == "output" && j["line"] == "fib(10) = 55"
    });
    viewer.wait_for("fib(11)", |j| {
        j["kind"] == "output" && j["line"] == "fib(11) = 89"
    });

    // `exit` typed on the page ends the demo, as if typed (so quickly that
    // the answer may not make it: the process is gone).
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(b"POST /input HTTP/1.0\r\nContent-Length: 4\r\n\r\nexit")
        .unwrap();
    let status = super::support::wait(&mut demo.0, PATIENCE);
    assert!(status.success(), "{status}");
    let mut out = String::new();
    demo.0
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(out.contains("fib(6) = 8\n"), "{out}");
}

#[test]
fn two_viewers_at_once_and_one_that_leaves() {
    let (demo, addr, _stderr) = start_live(&["--interval", "0.2"]);
    let sockets = || {
        std::fs::read_dir(format!("/proc/{}/fd", demo.0.id()))
            .unwrap()
            .filter_map(|fd| std::fs::read_link(fd.unwrap().path()).ok())
            .filter(|target| target.to_string_lossy().starts_with("socket:"))
            .count()
    };
    let one = Viewer::open(addr);
    let two = Viewer::open(addr);
    one.wait_for("a snapshot", |j| j["kind"] == "snapshot");
    two.wait_for("a snapshot", |j| j["kind"] == "snapshot");
    let with_two = sockets();
    drop(one);
    // The demo notices at its next write (a heartbeat at least every 250 ms)
    // and frees the connection.
    let deadline = Instant::now() + PATIENCE;
    while sockets() != with_two - 1 {
        assert!(Instant::now() < deadline, "the connection was not freed");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The other goes on, and the page still answers.
    two.wait_for("a hello line", |j| j["kind"] == "output");
    let later = two.wait_for("a later snapshot", |j| j["kind"] == "snapshot");
    assert!(later["at"].as_f64().unwrap() > 0.2);
    assert_eq!(http(addr, "GET", "/", "").0, 200);
}

#[test]
fn a_blocked_loop_is_seen_and_named_while_the_page_answers() {
    // fib(41) by plain recursion: about half a second, optimized.
    let (mut demo, addr, stderr) = start_live(&["--interval", "0.1", "--blocking"]);
    let viewer = Viewer::open(addr);
    viewer.wait_for("a snapshot", |j| j["kind"] == "snapshot");
    demo.0.stdin.as_mut().unwrap().write_all(b"41\n").unwrap();
    let held = viewer.wait_for("the held notice", |j| j["kind"] == "held");
    assert_eq!(held["frame"], "read_input");
    assert!(held["ms"].as_f64().unwrap() > 100.0, "{held}");
    let warning = stderr.recv_timeout(PATIENCE).expect("a warning on stderr");
    assert!(
        warning.starts_with("warning: read_input (task 1) held the loop for"),
        "{warning}"
    );
}

/// Headless Chromium types `6` into the page's input box and sees a
/// `compute(6)` column with `fib(…)` boxes, then `fib(6) = 8` in the output
/// panel (`live_browser.py`). `.ci/install-browser` installs what it needs;
/// the test runs it when something is missing and skips, loudly, only if
/// the browser still cannot be had. `TRAMPOLINE_SCREENSHOT=FILE` keeps the
/// screenshot.
#[test]
fn chromium_watches_fib_6_in_slow_motion() {
    if !crate::support::browser(concat!(env!("CARGO_MANIFEST_DIR"), "/..")) {
        return;
    }
    let (_demo, addr, _stderr) = start_live(&["--interval", "1", "--pace", "20"]);
    let dir = tempfile::tempdir().unwrap();
    let screenshot = dir.path().join("live.png");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cli/live_browser.py");
    let mut child = Command::new("timeout")
        .args(["120", "python3", script, &format!("http://{addr}/")])
        .arg(&screenshot)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "the browser script failed ({status}):\n{out}"
    );
    assert!(out.contains("column: fib("), "{out}");
    assert!(out.contains("compute(6)"), "{out}");
    assert!(out.contains("fib(6) = 8"), "{out}");
    let png = std::fs::read(&screenshot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    if let Ok(keep) = std::env::var("TRAMPOLINE_SCREENSHOT") {
        std::fs::write(keep, png).unwrap();
    }
}

/// `ps` lists the same tasks under the same ids with the live view as
/// without it: the view's work on the loop is not a task.
#[test]
fn ps_shows_the_same_tasks_with_and_without_the_page() {
    let ids_and_names = |web: bool| {
        let mut command = Command::new(demo_binary());
        command.args(["--interval", "1000"]);
        if web {
            command.args(["--web", "127.0.0.1:0"]);
        }
        let output = super::support::output(command, b"ps\n", PATIENCE);
        assert!(output.status.success());
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let rows: Vec<String> = stdout
            .lines()
            .skip_while(|line| !line.starts_with("TASK"))
            .skip(1)
            .map(|row| row.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
            .collect();
        rows
    };
    let without = ids_and_names(false);
    assert_eq!(without, ["1 main_task", "2 print_every"]);
    assert_eq!(ids_and_names(true), without);
}

#[test]
fn an_address_in_use_is_an_error_that_says_so() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let mut command = Command::new(demo_binary());
    command.args(["--web", &addr]);
    let output = super::support::output(command, b"", PATIENCE);
    assert!(!output.status.success());
    let stderr = super::support::stderr(&output);
    assert!(
        stderr.starts_with(&format!("error: cannot listen on {addr}: ")),
        "{stderr}"
    );
}

/// Without the page too: one step that holds the loop more than 100 ms is
/// named on stderr, without `--stats` (the loop's own notice, measured
/// between ticks).
#[test]
fn a_step_that_held_the_loop_is_named_on_stderr_without_stats() {
    let mut command = Command::new(demo_binary());
    command.args(["--interval", "0.1", "--blocking"]);
    let output = super::support::output(command, b"41\nexit\n", PATIENCE);
    assert!(output.status.success());
    let stderr = super::support::stderr(&output);
    assert!(
        stderr.starts_with("warning: read_input (task 1) held the loop for "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
