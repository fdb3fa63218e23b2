//! Running the demo binary in tests: a child process with its own stdin,
//! its output read by threads, and a bounded wait (killed and failed past
//! the timeout) so no test can hang CI.

#![allow(dead_code)] // each test file uses a part of it

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long any one child may run before the test gives up on it.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The demo's arguments for tests: one hello line at the start, then quiet.
pub const QUIET: [&str; 2] = ["--interval", "100000"];

/// The demo binary.
pub fn demo() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trampoline"));
    command.args(QUIET);
    command
}

/// A running demo: its stdout arrives line by line (each with its `\n`, a
/// last partial line without), its stderr is collected whole.
pub struct Demo {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    lines: Receiver<Vec<u8>>,
    seen: Vec<Vec<u8>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
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
        let mut stderr = child.stderr.take().expect("piped");
        let stderr = std::thread::spawn(move || {
            let mut all = Vec::new();
            let _ = stderr.read_to_end(&mut all);
            all
        });
        Demo {
            child,
            stdin,
            lines,
            seen: Vec::new(),
            stderr: Some(stderr),
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
            panic!("the demo did not exit within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
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

    /// A clean exit: status 0 and nothing on stderr.
    pub fn assert_clean(&self) {
        assert!(self.status.success(), "{self:?}");
        assert_eq!(self.stderr, "", "{self:?}");
        self.assert_whole_lines();
    }
}

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
