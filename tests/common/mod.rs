//! Helpers shared by the tests that run the demo binary.
#![allow(dead_code)]

use std::io::Write;
use std::process::Output;
use std::time::Duration;

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
