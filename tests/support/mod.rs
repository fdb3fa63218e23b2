//! What the tests share: running a child process (the demo binary, an
//! example, this test binary again on one test) with a bounded time, so no
//! test can hang CI; a writer a test can read back; and the plain fib the
//! answers are checked against.
//!
//! Used by the library's tests (`mod support;`) and by the demo's
//! (`#[path = "../../tests/support/mod.rs"] mod support;` in `demo/tests/`):
//! only the demo's tests get the path of the demo binary from cargo.

#![allow(dead_code)] // each test binary uses a part of it

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Output, Stdio};
use std::sync::Once;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustix::process::{Pid, PidfdFlags, Signal, pidfd_open, pidfd_send_signal};

pub mod timeline;

/// How long any one wait for a child (a line, its exit) may take before the
/// test gives up on it.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// How long any child started through this module may live at all: past
/// it, its watchdog kills it.
pub const LIFETIME: Duration = Duration::from_secs(120);

// ---- Any child ----

/// Kills a child (SIGKILL) once it has run `limit`, unless called off first
/// by dropping it. The kill closes the child's pipes, so a test blocked
/// reading them fails instead of hanging. It goes through a pidfd, which
/// names this very process even once it is reaped: a recycled pid is never
/// hit.
#[derive(Debug)]
pub struct Watchdog {
    _call_off: Sender<()>,
}

/// Starts a watchdog for `child`.
pub fn watchdog(child: &Child, limit: Duration) -> Watchdog {
    let pidfd = pidfd_open(Pid::from_child(child), PidfdFlags::empty())
        .expect("a pidfd for the child (Linux 5.3 or later)");
    let (call_off, called_off) = channel::<()>();
    std::thread::spawn(move || {
        if let Err(RecvTimeoutError::Timeout) = called_off.recv_timeout(limit) {
            let _ = pidfd_send_signal(&pidfd, Signal::KILL);
        }
    });
    Watchdog {
        _call_off: call_off,
    }
}

/// A child that cannot outlive its test: killed when this is dropped (the
/// test failed half-way), and by its watchdog past [`LIFETIME`].
#[derive(Debug)]
pub struct Killed(pub Child, Watchdog);

impl Killed {
    /// Guards `child`.
    pub fn new(child: Child) -> Self {
        let watchdog = watchdog(&child, LIFETIME);
        Killed(child, watchdog)
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for a child at most `timeout`; kills it and fails past that.
pub fn wait(child: &mut Child, timeout: Duration) -> ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("waitable") {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child did not exit within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs `command` with `input` on its stdin (then closed) and returns its
/// output; stdout and stderr are read while it runs, so a chatty child
/// cannot block on a full pipe. Fails the test if it runs past `timeout`.
pub fn output(mut command: Command, input: &[u8], timeout: Duration) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let mut stdin = child.stdin.take().expect("piped");
    let input = input.to_vec();
    // A child that does not read its input must not block the test.
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let stdout = read_all(child.stdout.take().expect("piped"));
    let stderr = read_all(child.stderr.take().expect("piped"));
    let status = wait(&mut child, timeout);
    let _ = feeder.join();
    Output {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

fn read_all(mut from: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = from.read_to_end(&mut all);
        all
    })
}

/// Stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

/// Stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

// ---- This test binary again ----

/// This test binary again, running only the test `name` of the module
/// `module` (pass `module_path!()`), on one thread, its output uncaptured:
/// how a test runs a scenario in a process of its own, to read its stderr
/// or to keep anything else from running beside it.
pub fn this_test_again(module: &str, name: &str) -> Command {
    // The harness names a test by its path without the crate's name.
    let test = match module.split_once("::") {
        Some((_crate, path)) => format!("{path}::{name}"),
        None => name.to_string(),
    };
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut command = Command::new(exe);
    command.args(["--exact", &test, "--nocapture", "--test-threads=1"]);
    command
}

// ---- The examples ----

/// `target/debug/examples/NAME`, next to this test's own binary. A plain
/// `cargo test` builds the examples first, `cargo test --test ...` does not:
/// so they are built once per test binary (a no-op when they are fresh).
pub fn example(name: &str) -> PathBuf {
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .args(["build", "--examples", "--quiet", "--package", "trampoline"])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        // From scratch, on a slow machine, a build takes minutes: bounded all
        // the same.
        let built = output(command, b"", Duration::from_secs(600));
        assert!(
            built.status.success(),
            "the examples do not build:\n{}",
            stderr(&built)
        );
    });
    let mut path = std::env::current_exe().expect("the test binary's path");
    path.pop();
    if path.ends_with("deps") {
        path.pop();
    }
    path.join("examples").join(name)
}

/// How long an example that ends by itself may run before it counts as hung.
pub const EXAMPLE_LIMIT: Duration = Duration::from_secs(30);

/// Runs the example `name` with `args`, feeding `input` on stdin, and
/// returns its stdout and stderr once it exits (within [`EXAMPLE_LIMIT`]);
/// fails the test if it fails.
pub fn run_example(name: &str, args: &[&str], input: &str) -> (String, String) {
    let mut command = Command::new(example(name));
    command.args(args);
    let output = output(command, input.as_bytes(), EXAMPLE_LIMIT);
    let (out, err) = (stdout(&output), stderr(&output));
    assert!(
        output.status.success(),
        "example {name} failed\nstdout:\n{out}\nstderr:\n{err}"
    );
    (out, err)
}

// ---- The demo binary ----

/// The demo's arguments for tests: one hello line at the start, then quiet.
pub const QUIET: [&str; 2] = ["--interval", "100000"];

/// The demo binary, `trampoline`. Cargo tells only the tests of the package
/// that owns it (`demo/`) where it is; the library's tests, which share this
/// module, must compile without it, hence `option_env!`.
#[allow(clippy::option_env_unwrap)] // a demo test without it is a broken build
pub fn demo_binary() -> &'static str {
    option_env!("CARGO_BIN_EXE_trampoline")
        .expect("only the tests under demo/tests/ run the demo binary")
}

/// The demo binary, quiet.
pub fn demo() -> Command {
    let mut command = Command::new(demo_binary());
    command.args(QUIET);
    command
}

/// Runs the demo with `args` and the script `script` (written to a temporary
/// file and passed as `--script`), stdin empty, at most 60 seconds.
pub fn run_script(script: &str, args: &[&str]) -> Output {
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    file.write_all(script.as_bytes())
        .expect("the script is written");
    let mut command = Command::new(demo_binary());
    command.arg("--script").arg(file.path()).args(args);
    output(command, b"", Duration::from_secs(60))
}

/// A running demo: its stdout arrives line by line (each with its `\n`, a
/// last partial line without), its stderr is collected whole.
pub struct Demo {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    lines: Receiver<Vec<u8>>,
    seen: Vec<Vec<u8>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
    _watchdog: Watchdog,
}

/// How a demo ended.
#[derive(Debug)]
pub struct Ended {
    pub status: ExitStatus,
    /// Every stdout line, each with its `\n` (a last partial line without).
    pub stdout: Vec<Vec<u8>>,
    pub stderr: String,
}

impl Demo {
    /// Starts `command` with this stdin and piped stdout and stderr.
    pub fn start(mut command: Command, stdin: Stdio) -> Demo {
        let mut child = command
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the demo starts");
        let watchdog = watchdog(&child, LIFETIME);
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let (send, lines) = channel();
        std::thread::spawn(move || {
            loop {
                let mut line = Vec::new();
                match stdout.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        if send.send(line).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let stderr = read_all(child.stderr.take().expect("piped"));
        Demo {
            child,
            stdin,
            lines,
            seen: Vec::new(),
            stderr: Some(stderr),
            _watchdog: watchdog,
        }
    }

    /// Writes to the demo's stdin (a closed pipe is the test's failure).
    pub fn write(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin is still open");
        stdin.write_all(bytes).expect("the demo reads its stdin");
        stdin.flush().expect("flushed");
    }

    /// Closes the demo's stdin: the end of input.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits for a stdout line that `wanted` accepts, keeping the lines seen.
    pub fn wait_for_line(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).unwrap_or_else(|_| {
                let _ = self.child.kill();
                panic!(
                    "no such line within {TIMEOUT:?}; seen {:?}",
                    self.seen_text()
                )
            });
            let text = String::from_utf8_lossy(&line).into_owned();
            self.seen.push(line);
            if wanted(text.trim_end()) {
                return text;
            }
        }
    }

    fn seen_text(&self) -> Vec<String> {
        self.seen
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect()
    }

    /// The child's peak resident memory so far, in KiB (`VmHWM`).
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the demo is alive");
        let line = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .expect("Linux reports VmHWM");
        line.split_whitespace()
            .nth(1)
            .expect("a number")
            .parse()
            .expect("KiB")
    }

    /// Waits for the exit (closing stdin first) and collects all the output.
    pub fn finish(mut self) -> Ended {
        self.close_stdin();
        let status = wait(&mut self.child, TIMEOUT);
        let stderr = self.stderr.take().expect("once").join().expect("reader");
        let mut stdout = std::mem::take(&mut self.seen);
        stdout.extend(self.lines.iter());
        Ended {
            status,
            stdout,
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }
}

impl Ended {
    /// The answers on stdout (`fib(n) = v`), in order.
    pub fn answers(&self) -> Vec<String> {
        self.stdout
            .iter()
            .map(|l| String::from_utf8_lossy(l).trim_end().to_string())
            .filter(|l| l.starts_with("fib("))
            .collect()
    }

    /// Every stdout line ends with `\n`: nothing was cut in the middle.
    pub fn assert_whole_lines(&self) {
        for line in &self.stdout {
            assert!(line.ends_with(b"\n"), "a partial line: {line:?}");
        }
    }

    /// A clean exit: status 0 and nothing on stderr but the loop's notice
    /// that a step held it over 100 ms of real time, which a loaded machine
    /// (a CI box running builds beside us) can cause by descheduling us.
    pub fn assert_clean(&self) {
        assert!(self.status.success(), "{self:?}");
        self.assert_no_complaints();
        self.assert_whole_lines();
    }

    /// Nothing on stderr but held-loop notices (see `assert_clean`).
    pub fn assert_no_complaints(&self) {
        let complaints: Vec<&str> = self
            .stderr
            .lines()
            .filter(|line| !line.contains(" held the loop for "))
            .collect();
        assert!(complaints.is_empty(), "{complaints:?}");
    }
}

// ---- Values to check against ----

/// fib(n), the plain way.
pub fn fib(n: u64) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        (a, b) = (b, a.wrapping_add(b));
    }
    a
}

/// The answers the demo owes for these inputs.
pub fn answers_for(ns: impl IntoIterator<Item = u64>) -> Vec<String> {
    ns.into_iter()
        .map(|n| format!("fib({n}) = {}", fib(n)))
        .collect()
}

/// A writer whose bytes the test can read after the observer that owns a
/// clone of it is gone into the scheduler.
#[derive(Clone, Default)]
pub struct SharedBuf(pub std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl SharedBuf {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.borrow().clone()).expect("UTF-8")
    }
}

impl Write for SharedBuf {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Whether chromium, its driver and selenium are all here.
fn browser_ready() -> bool {
    let found = |program: &str| {
        Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|out| out.status.success())
    };
    let selenium = Command::new("python3")
        .args(["-c", "import selenium"])
        .status()
        .is_ok_and(|status| status.success());
    found("chromium") && found("chromedriver") && selenium
}

/// Whether a browser test can run: chromium, its driver and selenium are
/// here, or `.ci/install-browser` (under `repo`, the repository's root)
/// installed them. `false` is said loudly on stderr: the test then skips.
pub fn browser(repo: &str) -> bool {
    if !browser_ready() {
        let _ = Command::new("bash")
            .arg(format!("{repo}/.ci/install-browser"))
            .status();
    }
    let ready = browser_ready();
    if !ready {
        eprintln!(
            "\n!!!!!!!! SKIPPED: the browser test needs chromium, chromium-driver and \
             selenium, and .ci/install-browser could not install them !!!!!!!!\n"
        );
    }
    ready
}

/// One HTTP/1.0 exchange: the status and the body.
pub fn http(addr: std::net::SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.len() >= 12, "no HTTP answer: {answer:?}");
    let status = answer[9..12].parse().unwrap();
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body.to_string())
}
