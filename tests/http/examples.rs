//! The HTTP examples as processes, with real clients: the seed's REST store
//! on SQLite, the HTTP charfinder and its Unicode index (checked against
//! Python's `unicodedata`), and `http_hello`.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use super::support::{Killed, example};
use super::{PATIENCE, curl, exchange};

/// Starts an example with `--port 0` and `args`; waits for its first line,
/// `Serving on http://127.0.0.1:PORT`, and drains the rest of its stdout.
pub fn start(name: &str, args: &[&str]) -> (Killed, SocketAddr) {
    let child = Command::new(example(name))
        .args(["--port", "0"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut child = Killed::new(child);
    let mut stdout = BufReader::new(child.0.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut first = String::new();
        let _ = stdout.read_line(&mut first);
        let _ = tx.send(first);
        std::io::copy(&mut stdout, &mut std::io::sink()).ok();
    });
    let first = rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("{name} did not say where it serves within 60 s"));
    let addr = first
        .trim()
        .strip_prefix("Serving on http://")
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("expected `Serving on http://127.0.0.1:PORT`, got {first:?}"));
    (child, addr)
}

/// `curl --include` with extra arguments: status line first.
fn status_of(args: &[&str]) -> String {
    let out = curl(&[&["--include"], args].concat());
    out.lines().next().unwrap_or_default().trim().to_string()
}

#[test]
fn http_hello_says_hello() {
    let (_server, addr) = start("http_hello", &[]);
    assert_eq!(curl(&[&format!("http://{addr}/")]), "Hello world!");
}

#[test]
fn rest_store_creates_replaces_and_answers_documents() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let (server, addr) = start("rest_store", &["--db", db.to_str().unwrap()]);
    let url = format!("http://{addr}/stuff/tea");
    let put = |body: &str| {
        status_of(&[
            "-X",
            "PUT",
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            body,
            &url,
        ])
    };
    assert_eq!(
        put(r#"{"name": "teapot", "cups": 4}"#),
        "HTTP/1.1 201 Created"
    );
    assert_eq!(put(r#"{"name": "kettle"}"#), "HTTP/1.1 200 OK");
    let got = curl(&["--include", &url]);
    assert!(got.contains("Content-Type: application/json"), "{got}");
    let doc: serde_json::Value =
        serde_json::from_str(got.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(doc, serde_json::json!({"_id": "tea", "name": "kettle"}));
    assert_eq!(put("[1, 2]"), "HTTP/1.1 400 Bad Request");
    assert_eq!(put("not json"), "HTTP/1.1 400 Bad Request");
    assert_eq!(
        status_of(&[&format!("http://{addr}/stuff/coffee")]),
        "HTTP/1.1 404 Not Found"
    );
    // Killed without a chance to flush anything: what was answered is on disk.
    drop(server);
    let (_again, addr) = start("rest_store", &["--db", db.to_str().unwrap()]);
    let doc: serde_json::Value =
        serde_json::from_str(&curl(&[&format!("http://{addr}/stuff/tea")])).unwrap();
    assert_eq!(doc["name"], "kettle");
}

#[test]
fn rest_store_keeps_200_documents_written_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let (_server, addr) = start("rest_store", &["--db", db.to_str().unwrap()]);
    let clients = 200;
    let barrier = Arc::new(Barrier::new(clients));
    let threads: Vec<_> = (0..clients)
        .map(|n| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let body = format!("{{\"n\": {n}}}");
                let put = format!(
                    "PUT /stuff/doc-{n} HTTP/1.1\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let mut stream = TcpStream::connect(addr).unwrap();
                stream.set_read_timeout(Some(PATIENCE * 3)).unwrap();
                barrier.wait();
                stream.write_all(put.as_bytes()).unwrap();
                let mut created = [0u8; 12];
                stream.read_exact(&mut created).unwrap();
                assert_eq!(&created, b"HTTP/1.1 201", "client {n}");
                let get = format!("GET /stuff/doc-{n} HTTP/1.1\r\nConnection: close\r\n\r\n");
                let answer = exchange(addr, get.as_bytes());
                let doc = answer
                    .split("\r\n\r\n")
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                (n, doc)
            })
        })
        .collect();
    for thread in threads {
        let (n, doc) = thread.join().unwrap();
        let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(doc, serde_json::json!({"_id": format!("doc-{n}"), "n": n}));
    }
}

/// The code points in a charfinder page's table.
fn code_points(page: &str) -> BTreeSet<u32> {
    page.lines()
        .filter_map(|line| line.strip_prefix("<tr><td>U+"))
        .map(|rest| u32::from_str_radix(&rest[..rest.find('<').unwrap()], 16).unwrap())
        .collect()
}

#[test]
fn http_charfinder_answers_the_form() {
    let (_server, addr) = start("http_charfinder", &[]);
    let page = curl(&[&format!("http://{addr}/?query=cat+face")]);
    assert!(
        page.contains(
            "<tr><td>U+1F63A</td><th>😺</th><td>SMILING CAT FACE WITH OPEN MOUTH</td></tr>"
        ),
        "{page}"
    );
    assert!(page.contains("10 matches for 'cat face'"), "{page}");
    assert!(page.contains(r#"name="query" value="cat face""#), "{page}");
    let empty = curl(&[&format!("http://{addr}/")]);
    assert!(
        empty.contains("Enter words describing characters."),
        "{empty}"
    );
    assert!(code_points(&empty).is_empty());
    let nine = curl(&[&format!("http://{addr}/?query=digit%20nine")]);
    assert!(
        nine.contains("<tr><td>U+0039</td><th>9</th><td>DIGIT NINE</td></tr>"),
        "{nine}"
    );
    let hangul = curl(&[&format!("http://{addr}/?query=hangul+syllable+gag")]);
    assert_eq!(code_points(&hangul), BTreeSet::from([0xAC01]));
    let paged = curl(&[&format!("http://{addr}/?query=cjk&start=0&stop=3")]);
    assert_eq!(code_points(&paged).len(), 3);
    assert!(
        paged.contains(r#"<a id="more" href="/?query=cjk&amp;start=3&amp;stop=6">more</a>"#),
        "{paged}"
    );
    let escaped = curl(&[&format!("http://{addr}/?query=%3Cscript%3E")]);
    assert!(
        !escaped.contains("<script>") && escaped.contains("&lt;script&gt;"),
        "{escaped}"
    );
}

#[test]
fn the_unicode_index_agrees_with_python() {
    let queries = [
        "cat face",
        "chess black",
        "digit nine",
        "arrow double",
        "greek small letter alpha",
        "hangul syllable",
        "cjk unified ideograph 4e00",
        "braille",
        "sun",
        "face",
    ];
    let python = Command::new("python3")
        .args([
            "-c",
            r#"
import re, sys, unicodedata
for query in sys.argv[1:]:
    words = set(re.findall(r'\w+', query.upper()))
    found = [i for i in range(32, sys.maxunicode + 1)
             if words <= set(re.findall(r'\w+', unicodedata.name(chr(i), '').upper()))]
    print(' '.join(map(str, found)))
"#,
        ])
        .args(queries)
        .output()
        .expect("python3 runs (the test compares with its unicodedata)");
    assert!(python.status.success(), "{python:?}");
    let python = String::from_utf8(python.stdout).unwrap();
    let (_server, addr) = start("http_charfinder", &[]);
    let mut ours_only = Vec::new();
    for (query, line) in queries.iter().zip(python.lines()) {
        let theirs: BTreeSet<u32> = line
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        let url = format!("http://{addr}/?query={}", query.replace(' ', "+"));
        let ours = code_points(&curl(&[&url]));
        assert!(!ours.is_empty(), "{query}: nothing found");
        for &cp in theirs.difference(&ours) {
            let c = char::from_u32(cp).unwrap();
            // Only a character Unicode renamed or we do not know may differ.
            assert!(
                unicode_names2::name(c).is_none(),
                "{query}: missing U+{cp:04X}"
            );
        }
        ours_only.extend(ours.difference(&theirs).copied());
    }
    // What we found and Python did not: characters newer than its Unicode.
    let check = format!(
        "import unicodedata; print([hex(c) for c in {ours_only:?} if unicodedata.name(chr(c), None)])"
    );
    let named = Command::new("python3")
        .args(["-c", &check])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&named.stdout).trim(),
        "[]",
        "named by Python but not found"
    );
}

/// Reads an HTTP response to its end: (head, body bytes), timed.
fn download(addr: SocketAddr, query: &str) -> (usize, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE * 3)).unwrap();
    let request = format!("GET /?query={query} HTTP/1.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut page = Vec::new();
    stream.read_to_end(&mut page).unwrap();
    (page.len(), started.elapsed())
}

#[test]
fn a_small_query_is_answered_while_three_clients_download_cjk() {
    let (_server, addr) = start("http_charfinder", &[]);
    let downloads: Vec<_> = (0..3)
        .map(|_| std::thread::spawn(move || download(addr, "cjk")))
        .collect();
    // Wait until all three are being answered: their pages are streaming.
    std::thread::sleep(Duration::from_millis(50));
    let mut latencies = Vec::new();
    for _ in 0..5 {
        let (bytes, took) = download(addr, "cat+face");
        assert!(bytes > 1000);
        latencies.push(took);
    }
    let cjk: Vec<_> = downloads.into_iter().map(|d| d.join().unwrap()).collect();
    for &(bytes, _) in &cjk {
        assert!(bytes > 5_000_000, "a cjk page is {bytes} bytes");
    }
    let slowest_cjk = cjk.iter().map(|&(_, took)| took).max().unwrap();
    latencies.sort();
    let median = latencies[2];
    eprintln!(
        "cat face while 3 × cjk stream: median {median:?}, all {latencies:?}; cjk took {slowest_cjk:?}"
    );
    assert!(
        median < slowest_cjk / 4 && median < Duration::from_millis(250),
        "cat face took {median:?} while cjk took {slowest_cjk:?}"
    );
}
