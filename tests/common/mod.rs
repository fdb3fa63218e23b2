//! Helpers shared by the tests that run the demo binary or the examples as
//! processes, each with a deadline.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `target/debug/examples/NAME`, next to this test's own binary. A plain
/// `cargo test` builds the examples first, `cargo test --test ...` does not:
/// so we ask cargo to build it (a no-op when it is fresh).
pub fn example(name: &str) -> PathBuf {
    let mut path = std::env::current_exe().unwrap();
    path.pop();
    if path.ends_with("deps") {
        path.pop();
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(cargo)
        .args(["build", "--quiet", "--example", name])
        .status()
        .unwrap();
    assert!(built.success(), "cannot build the {name} example");
    path.join("examples").join(name)
}

/// Kills the child if the test fails half-way.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs an example that ends by itself (stdin closed) and returns its stdout;
/// fails the test if it takes longer than `limit` or exits with an error.
pub fn run(name: &str, args: &[&str], limit: Duration) -> String {
    let child = Command::new(example(name))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Killed(child);
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "{name} did not end within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    child
        .0
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(status.success(), "{name} failed: {status:?}\n{out}");
    out
}

/// Runs the demo with `args` and the script `script` (written to a temporary
/// file and passed as `--script`), stdin empty, at most 60 seconds.
pub fn run_script(script: &str, args: &[&str]) -> Output {
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    file.write_all(script.as_bytes())
        .expect("the script is written");
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_trampoline"));
    command
        .arg("--script")
        .arg(file.path())
        .args(args)
        .write_stdin("")
        .timeout(Duration::from_secs(60));
    command.output().expect("the demo runs")
}

/// Stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

/// Stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
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
