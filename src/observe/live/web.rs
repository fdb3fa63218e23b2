//! The web side: a thread of its own with its own event loop, serving the
//! page with the crate's HTTP server. On its own thread so that the page
//! keeps answering while the watched loop is stuck (`--blocking`'s lesson),
//! and so that its connections never show up among the tasks it draws.
//!
//! | route | answer |
//! |---|---|
//! | `GET /` | the page (`page.html`, compiled in) |
//! | `GET /events` | `text/event-stream`: one `data:` JSON line per snapshot or event |
//! | `POST /input` | the body's lines go to the program, as if typed |
//! | `POST /control` | `pace 5`, `pace off`, `pause`, `play`, `step` |

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use super::LiveError;
use super::board::{Board, Control, FRAME, News};
use crate::event_loop::Scheduler;
use crate::io::http::{Request, Response, Router, Server};
use crate::kernel::Coroutine;
use crate::toolkit::Stream;

/// The page: plain HTML, CSS and JavaScript, no build step, no CDN.
const PAGE: &str = include_str!("page.html");

/// A browser hears at least this often, even from a stuck loop (then with
/// how long the loop has been silent): the page knows the server is alive,
/// and a browser that went away is noticed on the next write.
const BEAT: Duration = Duration::from_millis(250);

/// Starts the web thread on `addr`; returns the address it listens on once
/// it does (port 0 picks a free port), or why it cannot.
pub(crate) fn start(
    addr: SocketAddr,
    board: Arc<Board>,
    controls: Sender<Control>,
) -> Result<SocketAddr, LiveError> {
    let (tell, told) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("trampoline-live".into())
        .spawn(move || {
            let tell_error = tell.clone();
            let watched = board.clone();
            let run = Scheduler::new()
                .and_then(|mut web| web.run_until_complete(serve(addr, board, controls, tell)));
            if let Err(why) = run {
                let _ = tell_error.send(Err(LiveError::Loop(why.to_string())));
            }
            // The controls' channel is closed now: the loop's side looks,
            // and knows no line will come from a page any more.
            watched.wake_loop();
        })
        .map_err(LiveError::Thread)?;
    told.recv_timeout(Duration::from_secs(10))
        .map_err(|_| LiveError::Timeout)?
}

/// The server's main task: listen, say where, serve.
fn serve(
    addr: SocketAddr,
    board: Arc<Board>,
    controls: Sender<Control>,
    tell: Sender<Result<SocketAddr, LiveError>>,
) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let listener = match co.listen(addr).await {
            Ok(listener) => listener,
            Err(e) => {
                let reason = e.to_string();
                let _ = tell.send(Err(LiveError::Listen { addr, reason }));
                return Ok(());
            }
        };
        let _ = tell.send(Ok(listener.local_addr()));
        co.call(Server::new(router(board, controls)).serve(listener))
            .await
    })
    .named("live_view")
}

fn router(board: Arc<Board>, controls: Sender<Control>) -> Router {
    let lines = controls.clone();
    let (line_board, control_board) = (board.clone(), board.clone());
    Router::new()
        .route("GET", "/", |_request| {
            Coroutine::new(|_co| async { Ok(Response::html(200, PAGE)) })
        })
        .route("GET", "/events", move |_request| {
            let board = board.clone();
            Coroutine::new(move |_co| async move {
                Ok(Response::streamed(200, "text/event-stream", events(board))
                    .with_header("Cache-Control", "no-cache"))
            })
        })
        .route("POST", "/input", move |request| {
            // Each line of the body is a line typed; an empty body, an
            // empty line.
            let text = String::from_utf8_lossy(request.body()).into_owned();
            let typed: Vec<&str> = match text.is_empty() {
                true => vec![""],
                false => text.lines().collect(),
            };
            let sent = typed
                .into_iter()
                .all(|line| lines.send(Control::Line(line.to_string())).is_ok());
            line_board.wake_loop();
            Coroutine::new(move |_co| async move { Ok(answer(sent)) })
        })
        .route("POST", "/control", move |request: Request| {
            let control = Control::parse(&String::from_utf8_lossy(request.body()));
            let sent = control.map(|c| controls.send(c).is_ok());
            control_board.wake_loop();
            Coroutine::new(move |_co| async move {
                Ok(match sent {
                    None => Response::text(400, "want: pace N, pace off, pause, play or step\n"),
                    Some(sent) => answer(sent),
                })
            })
        })
}

/// 204 when the loop got it, 503 when the loop is gone.
fn answer(sent: bool) -> Response {
    if sent {
        Response::new(204)
    } else {
        Response::text(503, "the program has ended\n")
    }
}

/// One browser's event stream: what the board has that it has not seen, a
/// frame at a time, asking the loop for a snapshot each frame. A browser
/// that goes away ends it at the next write, and its connection with it.
fn events(board: Arc<Board>) -> Stream<Vec<u8>> {
    Stream::new(move |y| async move {
        board.ask();
        let (news, mut cursor) = board.welcome();
        let mut beat = Instant::now();
        y.emit(frame(&board, news, true)).await?;
        loop {
            y.sleep(FRAME).await?;
            board.ask();
            let news = board.news(&mut cursor);
            let quiet = news.snapshot.is_none() && news.events.is_empty() && news.missed == 0;
            if quiet && beat.elapsed() < BEAT {
                continue;
            }
            beat = Instant::now();
            y.emit(frame(&board, news, quiet)).await?;
        }
    })
}

/// The `data:` lines for `news`, and a heartbeat when asked for.
fn frame(board: &Board, news: News, beat: bool) -> Vec<u8> {
    let mut out = String::new();
    if news.missed > 0 {
        out.push_str(&format!(
            "data: {{\"kind\":\"missed\",\"events\":{}}}\n\n",
            news.missed
        ));
    }
    for event in news.events {
        out.push_str(&format!("data: {event}\n\n"));
    }
    if let Some(snapshot) = news.snapshot {
        out.push_str(&format!("data: {snapshot}\n\n"));
    }
    if beat {
        let now = board.loop_start.map_or("null".to_string(), |t| {
            format!("{:.6}", t.elapsed().as_secs_f64())
        });
        let silent = news
            .silent_ms
            .map_or("null".to_string(), |ms| ms.to_string());
        out.push_str(&format!(
            "data: {{\"kind\":\"beat\",\"now\":{now},\"silent_ms\":{silent}}}\n\n"
        ));
    }
    out.into_bytes()
}
