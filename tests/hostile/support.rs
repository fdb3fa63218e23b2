//! What the hostile tests share: an in-process line server on the library,
//! the example servers as processes, and clients with deadlines.

#![allow(dead_code)] // each test uses a part of it

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use trampoline::{Connection, Coroutine, Scheduler};

/// How long any one read may wait before the test fails.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Starts a server on a thread of its own: a task per client running
/// `session`. The thread lives until the test process ends.
pub fn serve(session: fn(Connection) -> Coroutine<()>) -> SocketAddr {
    let (send, addr) = mpsc::channel();
    std::thread::spawn(move || {
        let main: Coroutine<()> = Coroutine::new(move |co| async move {
            let listener = co.listen("127.0.0.1:0".parse().unwrap()).await?;
            send.send(listener.local_addr()).unwrap();
            loop {
                let connection = co.accept(&listener).await?;
                drop(co.spawn(session(connection)).await?);
            }
        });
        Scheduler::new().unwrap().run_until_complete(main)
    });
    addr.recv_timeout(READ_TIMEOUT).expect("the server starts")
}

/// A client: lines in with a read timeout, bytes out.
pub struct Client {
    pub reader: BufReader<TcpStream>,
    pub writer: TcpStream,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> Self {
        Self::from_stream(TcpStream::connect(addr).expect("the server accepts"))
    }

    pub fn from_stream(stream: TcpStream) -> Self {
        stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    /// The next line without its ending; `None` at the end of the stream.
    pub fn line(&mut self) -> Option<String> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => None,
            Ok(_) => Some(line.trim_end().to_string()),
            Err(e) => panic!("reading a line: {e}"),
        }
    }

    pub fn send(&mut self, bytes: impl AsRef<[u8]>) {
        self.writer.write_all(bytes.as_ref()).unwrap();
    }

    pub fn ask(&mut self, request: &str) -> Option<String> {
        self.send(format!("{request}\n"));
        self.line()
    }

    /// Reads until the end of the stream: `Ok` with what came, or the
    /// error (a reset) that ended it.
    pub fn rest(&mut self) -> std::io::Result<Vec<u8>> {
        let mut rest = Vec::new();
        self.reader.read_to_end(&mut rest).map(|_| rest)
    }
}

/// An example, built if needed (a no-op when fresh).
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

/// An example server as a process, killed if the test fails half-way.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    pub stdout: BufReader<std::process::ChildStdout>,
}

impl Server {
    /// Starts `command` (an example server with `--port 0`) and reads the
    /// port from its first line, `Serving on 127.0.0.1:PORT...`.
    pub fn start(mut command: Command) -> Server {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the server starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let addr = first
            .trim()
            .strip_prefix("Serving on ")
            .and_then(|rest| rest.split(' ').next())
            .map(|addr| addr.trim_end_matches('.'))
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .parse()
            .unwrap();
        Server {
            child,
            addr,
            stdout,
        }
    }

    /// Waits for the server to exit, at most `limit`.
    pub fn wait(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn stderr(&mut self) -> ChildStderr {
        self.child.stderr.take().expect("stderr piped")
    }

    /// Sends it SIGINT, as Ctrl-C does.
    pub fn interrupt(&self) {
        let pid = rustix::process::Pid::from_raw(self.child.id() as i32).unwrap();
        rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    }

    /// The server's peak memory (`VmHWM`), in bytes.
    pub fn peak_memory(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        let kib: u64 = line[6..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .unwrap();
        kib * 1024
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `tcp_server` example on a free port, with these extra arguments.
pub fn tcp_server(args: &[&str]) -> Command {
    let mut command = Command::new(example("tcp_server"));
    command.args(["--port", "0"]).args(args);
    command
}

/// The `charfinder` example on a free port, with these extra arguments.
pub fn charfinder(args: &[&str]) -> Command {
    let mut command = Command::new(example("charfinder"));
    command.args(["--port", "0"]).args(args);
    command
}

/// A client whose address is `from` (127.0.0.2, say: loopback too, but not
/// 127.0.0.1), connected to `to`.
pub fn connect_from(from: [u8; 4], to: SocketAddr) -> Client {
    use rustix::net::{AddressFamily, SocketType, bind, connect, socket};
    let socket = socket(AddressFamily::INET, SocketType::STREAM, None).unwrap();
    bind(&socket, &SocketAddr::from((from, 0))).unwrap();
    connect(&socket, &to).unwrap();
    Client::from_stream(TcpStream::from(socket))
}

/// Reads `stderr` line by line until one contains `needle`; all it read.
pub fn read_until(stderr: &mut BufReader<ChildStderr>, needle: &str) -> String {
    let mut seen = String::new();
    while !seen.contains(needle) {
        let mut line = String::new();
        let n = stderr.read_line(&mut line).unwrap();
        assert!(n > 0, "the stream ended without {needle:?}: {seen}");
        seen += &line;
    }
    seen
}

/// The `p`-th percentile of sorted durations.
pub fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() - 1) * p / 100]
}
