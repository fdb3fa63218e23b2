//! Finding 4: `tcp_server` with stderr on a dead pipe exited 101 (a panic
//! in `eprintln!`) at its first "too many open files". Its log now goes
//! through a writer thread that ignores write errors.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::support::{Client, Server, example};

#[test]
fn tcp_server_with_a_dead_stderr_survives_running_out_of_descriptors() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader); // every write to stderr now fails with EPIPE
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("ulimit -n 32 && exec \"$0\" --port 0")
        .arg(example("tcp_server"))
        .stderr(Stdio::from(writer));
    let mut server = Server::start(command);
    // More clients than descriptors: accept fails, and the log line says so
    // on the dead stderr.
    let crowd: Vec<Client> = (0..48).map(|_| Client::connect(server.addr)).collect();
    std::thread::sleep(Duration::from_millis(300)); // several failed accepts, 100 ms apart
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server died"
    );
    drop(crowd);
    // Descriptors free again: a new client is served.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut client = Client::connect(server.addr);
        if client.line().as_deref() == Some("Welcome.") {
            assert_eq!(client.ask("add 3 5").as_deref(), Some("8"));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no client served after the crowd left"
        );
    }
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server died"
    );
}
