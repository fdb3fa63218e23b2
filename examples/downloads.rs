//! The seed's `flags2_asyncio.py` (seed `004_221af7cd32b1e56f.txt`, "Enhancing the asyncio
//! downloader script"): download N flags with at most `--concurrency`
//! requests in flight, handle each result as soon as it completes, report
//! every error with its cause, and show a progress bar (on stderr).
//!
//! ```text
//! cargo run --example downloads -- --count 20 --concurrency 3
//! cargo run --example downloads -- --count 20 --concurrency 3 --verbose
//! cargo run --example downloads -- --port 8001   # the flag server on a fixed port
//! ```
//!
//! No internet: the example starts its own flag server on 127.0.0.1 (a task
//! on the same loop, like the seed's LOCAL and ERROR test servers). It answers
//! after a short delay that differs per flag (so completion order differs
//! from request order), and for some flags answers 404, 503, or fails (500).
//! Client and server are `trampoline::http`. It also counts the requests it serves at once, so the
//! end of the run shows that the limit held.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use trampoline::http::{Client, Response, Router, Server};
use trampoline::{Coroutine, Error, Scheduler, Semaphore, as_completed};

/// Downloads flags from a local server, a few at a time.
#[derive(Debug, Parser)]
struct Args {
    /// How many flags to fetch (at most 40).
    #[arg(long, default_value_t = 20)]
    count: usize,

    /// How many requests may be in flight at once (the seed's `-m`).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    concurrency: u32,

    /// Print every result as it completes instead of the progress bar.
    #[arg(long, short)]
    verbose: bool,

    /// The local flag server's port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

const CODES: &str = "AD AE AF AG AL AM AO AR AT AU AZ BA BB BD BE BF BG BH BI BJ \
                     BN BO BR BS BT BW BY BZ CA CD CF CG CH CI CL CM CN CO CR CU";

/// How one download ended (the seed's `HTTPStatus`), or why it failed.
#[derive(Debug)]
enum Status {
    Ok,
    NotFound,
    /// The seed's `FetchError(cc) from exc`: the cause, as text.
    Error(String),
}

// ---------------------------------------------------------------- the client

/// The seed's `get_flag`: one HTTP GET with the crate's client. `Ok(None)`
/// is 404; any other status but 200 is an error with the status as cause.
fn get_flag(server: SocketAddr, cc: &'static str) -> Coroutine<Option<Vec<u8>>> {
    Coroutine::new(move |co| async move {
        let url = format!("http://{server}/flags/{}.gif", cc.to_lowercase());
        let response = co.call(Client::new().get(&url)).await?;
        match response.status() {
            200 => Ok(Some(response.body().to_vec())),
            404 => Ok(None),
            status => Err(Error::msg(format!("HTTP {status} {}", response.reason()))),
        }
    })
}

/// The seed's `download_one`: fetch one flag and say how it went. (The seed
/// also saves the image; see the `executor` example for that part.)
fn download_one(server: SocketAddr, cc: &'static str) -> Coroutine<Status> {
    Coroutine::new(move |co| async move {
        Ok(match co.call(get_flag(server, cc)).await {
            Ok(Some(_image)) => Status::Ok,
            Ok(None) => Status::NotFound,
            Err(cause) => Status::Error(cause.to_string()),
        })
    })
}

/// What the run saw, recorded in completion order.
#[derive(Debug, Default)]
struct Report {
    done: Vec<(&'static str, Status)>,
    total: usize,
    verbose: bool,
}

impl Report {
    /// The seed's `for future in as_completed(...)` body: one result, as soon
    /// as it is in.
    fn record(&mut self, cc: &'static str, status: Status) {
        if self.verbose {
            match &status {
                Status::Ok => println!("{cc} OK"),
                Status::NotFound => println!("{cc} not found"),
                Status::Error(cause) => println!("*** Error for {cc}: {cause}"),
            }
        }
        self.done.push((cc, status));
        if !self.verbose {
            progress_bar(self.done.len(), self.total);
        }
    }

    fn count(&self, wanted: fn(&Status) -> bool) -> usize {
        self.done.iter().filter(|(_, s)| wanted(s)).count()
    }
}

/// The seed's `tqdm` bar, redrawn in place on stderr.
fn progress_bar(done: usize, total: usize) {
    let width = 30;
    let filled = done * width / total.max(1);
    let mut stderr = std::io::stderr().lock();
    let _ = write!(
        stderr,
        "\r[{}{}] {done}/{total}",
        "#".repeat(filled),
        ".".repeat(width - filled)
    );
    if done == total {
        let _ = writeln!(stderr);
    }
}

/// The seed's `downloader_coro`: one coroutine per code, each holding a
/// `Semaphore` permit around its request (at most `limit` in flight), and
/// the results consumed with `as_completed`, each recorded the moment it is
/// in.
fn downloader(
    server: SocketAddr,
    codes: Vec<&'static str>,
    limit: u32,
    report: Rc<RefCell<Report>>,
) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let semaphore = Semaphore::new(limit as usize);
        let downloads = codes
            .into_iter()
            .map(|cc| {
                let semaphore = semaphore.clone();
                Coroutine::new(move |co| async move {
                    let _permit = co.call(semaphore.acquire()).await?;
                    Ok((cc, co.call(download_one(server, cc)).await?))
                })
            })
            .collect();
        let mut done = as_completed(downloads, None);
        while let Some(outcome) = co.next(&mut done).await? {
            let (cc, status) = outcome?;
            report.borrow_mut().record(cc, status);
        }
        Ok(())
    })
}

// ---------------------------------------------------------------- the server

/// How the test server treats a flag: a delay, and sometimes an error.
fn behaviour(cc: &str) -> (Duration, u16) {
    let hash = cc
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    let delay = Duration::from_millis(10 + u64::from(hash % 90));
    let status = match hash % 10 {
        0 | 1 => 404,
        2 => 503,
        3 => 500, // the handler fails: the server answers 500 for it
        _ => 200,
    };
    (delay, status)
}

/// The flag server's one route, counting the requests it serves at once.
fn flag_server(most: Rc<Cell<u32>>) -> Server {
    let busy = Rc::new(Cell::new(0u32));
    let router = Router::new().route("GET", "/flags/{file}", move |request| {
        let (busy, most) = (busy.clone(), most.clone());
        Coroutine::new(move |co| async move {
            busy.set(busy.get() + 1);
            most.set(most.get().max(busy.get()));
            let file = request.param("file").unwrap_or_default();
            let cc = file.split('.').next().unwrap_or_default().to_string();
            let (delay, status) = behaviour(&cc.to_uppercase());
            co.sleep(delay).await?;
            busy.set(busy.get() - 1);
            match status {
                200 => Ok(Response::bytes(200, "image/gif", format!("GIF89a {cc}"))),
                500 => Err(Error::msg(format!("the flag of {cc} is lost"))),
                status => Ok(Response::new(status)),
            }
        })
    });
    Server::new(router)
}

// ---------------------------------------------------------------- main

fn main_task(args: Args) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let listener = co
            .listen(SocketAddr::from(([127, 0, 0, 1], args.port)))
            .await?;
        let server = listener.local_addr();
        println!("Serving on http://{server}");
        let most = Rc::new(Cell::new(0));
        drop(co.spawn(flag_server(most.clone()).serve(listener)).await?);

        let codes: Vec<&'static str> = CODES.split_whitespace().take(args.count).collect();
        let (first, last) = (codes.first().unwrap_or(&""), codes.last().unwrap_or(&""));
        println!("LOCAL site: http://{server}/flags");
        println!(
            "Searching for {} flags: from {first} to {last}",
            codes.len()
        );
        println!("{} concurrent connections will be used.", args.concurrency);
        let report = Rc::new(RefCell::new(Report {
            total: codes.len(),
            verbose: args.verbose,
            ..Report::default()
        }));
        let started = co.now().await?;
        co.call(downloader(server, codes, args.concurrency, report.clone()))
            .await?;
        let elapsed = co.now().await?.saturating_sub(started);

        let report = report.borrow();
        println!("{}", "-".repeat(20));
        if !report.verbose {
            for (cc, status) in &report.done {
                if let Status::Error(cause) = status {
                    println!("*** Error for {cc}: {cause}");
                }
            }
        }
        println!(
            "{} flags downloaded.",
            report.count(|s| matches!(s, Status::Ok))
        );
        println!(
            "{} not found.",
            report.count(|s| matches!(s, Status::NotFound))
        );
        println!(
            "{} errors.",
            report.count(|s| matches!(s, Status::Error(_)))
        );
        println!("Elapsed time: {:.2}s", elapsed.as_secs_f64());
        println!("The server saw at most {} requests at once.", most.get());
        Ok(())
    })
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match Scheduler::new().and_then(|mut s| s.run_until_complete(main_task(args))) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
