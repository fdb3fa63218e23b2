//! Finding 4: `tcp_server` with stderr on a dead pipe exited 101 (a panic
//! in `eprintln!`) at its first "too many open files", and `charfinder`
//! froze once nobody drained its stdout (a blocking `println!` per query).
//! Their log now goes through a writer thread that ignores write errors,
//! behind a bounded channel the loop only `try_send`s to.

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

#[test]
fn charfinder_with_an_undrained_stdout_answers_every_query() {
    // Its log goes to stdout, which nobody reads after the first line: the
    // pipe fills after a few hundred lines, and the log's writer blocks.
    let mut command = Command::new(example("charfinder"));
    command.args(["--port", "0"]);
    let server = Server::start(command);
    let stream = std::net::TcpStream::connect(server.addr).unwrap();
    let mut client = Client::from_stream(stream);
    let mut prompt = [0u8; 3];
    let read_prompt = |client: &mut Client, prompt: &mut [u8; 3]| {
        std::io::Read::read_exact(&mut client.reader, prompt).unwrap();
        assert_eq!(prompt, b"?> ");
    };
    read_prompt(&mut client, &mut prompt);
    let started = Instant::now();
    let long_query = format!("{}\r\n", "sun ".repeat(200)); // cut in the log
    for i in 0..2000 {
        let query = if i % 100 == 0 {
            long_query.as_str()
        } else {
            "chess black\r\n"
        };
        client.send(query);
        let mut answer = String::new();
        while !answer.contains(" for \"") {
            answer = client.line().expect("an answer");
        }
        read_prompt(&mut client, &mut prompt);
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "query {i} is late"
        );
    }
}
