//! A real browser: headless Chromium (Debian's, driven by PyPI's selenium
//! through `tests/http/browser.py`) searches the HTTP charfinder for
//! "cat face" with its form and finds 😺 in the table. `.ci/install-browser`
//! installs what it needs; this test runs it too when something is missing,
//! and skips, loudly, only if the browser still cannot be had.

use std::process::Command;
use std::time::{Duration, Instant};

use super::examples::start;

#[test]
fn chromium_finds_the_cat_through_the_form() {
    if !crate::support::browser(env!("CARGO_MANIFEST_DIR")) {
        return;
    }
    let (_server, addr) = start("http_charfinder", &[]);
    let dir = tempfile::tempdir().unwrap();
    let screenshot = dir.path().join("http_charfinder.png");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/http/browser.py");
    let started = Instant::now();
    let mut child = Command::new("timeout")
        .args(["120", "python3", script, &format!("http://{addr}/")])
        .arg(&screenshot)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut out = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut out).unwrap();
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "the browser script failed ({status}):\n{out}"
    );
    assert!(started.elapsed() < Duration::from_secs(120));
    assert!(out.contains("message: 10 matches for 'cat face'"), "{out}");
    assert!(
        out.contains("row: U+1F63A\t😺\tSMILING CAT FACE WITH OPEN MOUTH"),
        "{out}"
    );
    let png = std::fs::read(&screenshot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    if let Ok(keep) = std::env::var("TRAMPOLINE_SCREENSHOT") {
        std::fs::write(keep, png).unwrap();
    }
}
