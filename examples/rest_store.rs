//! The seed's REST service (seed `001_b900ee90dc4c61a5.txt`, aiohttp + motor): `PUT
//! /stuff/{id}` stores a JSON object under `id`, `GET /stuff/{id}` answers it.
//!
//! ```text
//! cargo run --example rest_store -- --port 8080 --db rest_store.db
//! curl -i -X PUT -d '{"name": "teapot"}' http://127.0.0.1:8080/stuff/1    # 201 Created
//! curl -i -X PUT -d '{"name": "kettle"}' http://127.0.0.1:8080/stuff/1    # 200 OK
//! curl -i http://127.0.0.1:8080/stuff/1      # {"_id":"1","name":"kettle"}
//! ```
//!
//! The seed's MongoDB is SQLite here, a file (`--db`), and motor's thread
//! pool is ours: every query runs in `co.run_in_executor`, so the loop never
//! waits on the disk and other requests are served meanwhile. A PUT is
//! answered only once its transaction is committed (WAL, `synchronous=FULL`):
//! a 200 or 201 is on disk. A body that is not a JSON object is 400.
//! The first line on stdout says where it listens
//! (`Serving on http://127.0.0.1:PORT`).

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Parser;
use rusqlite::{OptionalExtension, params};
use signal_hook::consts::{SIGINT, SIGTERM};
use trampoline::http::{Request, Response, Router, Server};
use trampoline::{Coroutine, Error, RunError, Scheduler};

/// A JSON document store over HTTP, on SQLite.
#[derive(Debug, Parser)]
struct Args {
    /// The port to listen on, on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 8080)]
    port: u16,

    /// The SQLite database file (created if missing).
    #[arg(long, default_value = "rest_store.db")]
    db: PathBuf,
}

/// The database, shared by the pool's threads; SQLite takes one writer at a
/// time anyway, so a mutex costs nothing it would not.
type Db = Arc<Mutex<rusqlite::Connection>>;

fn open(path: &PathBuf) -> rusqlite::Result<Db> {
    let db = rusqlite::Connection::open(path)?;
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "FULL")?;
    db.execute(
        "CREATE TABLE IF NOT EXISTS stuff (id TEXT PRIMARY KEY, doc TEXT NOT NULL)",
        [],
    )?;
    Ok(Arc::new(Mutex::new(db)))
}

/// A database error, as the task's `Err` (answered 500).
fn failed(error: rusqlite::Error) -> Error {
    Error::msg(format!("database: {error}"))
}

/// The seed's `retrieve`: the document, or 404.
fn retrieve(db: Db, request: Request) -> Coroutine<Response> {
    Coroutine::new(move |co| async move {
        let id = request.param("id").unwrap_or_default().to_string();
        let found = co
            .run_in_executor(move || {
                let db = db.lock().expect("no query panics while holding the lock");
                db.query_row("SELECT doc FROM stuff WHERE id = ?1", [id], |row| {
                    row.get::<_, String>(0)
                })
                .optional()
            })
            .await?
            .map_err(failed)?;
        Ok(match found {
            Some(doc) => Response::json(200, doc),
            None => Response::text(404, "no such document\n"),
        })
    })
}

/// The seed's `save`: replace or create, 200 or 201.
fn save(db: Db, request: Request) -> Coroutine<Response> {
    Coroutine::new(move |co| async move {
        let id = request.param("id").unwrap_or_default().to_string();
        let mut doc = match serde_json::from_slice::<serde_json::Value>(request.body()) {
            Ok(serde_json::Value::Object(doc)) => doc,
            _ => return Ok(Response::text(400, "the body must be a JSON object\n")),
        };
        doc.insert("_id".into(), id.clone().into());
        let doc = serde_json::Value::Object(doc).to_string();
        let replaced = co
            .run_in_executor(move || {
                let mut db = db.lock().expect("no query panics while holding the lock");
                let tx = db.transaction()?;
                let replaced =
                    tx.execute("UPDATE stuff SET doc = ?2 WHERE id = ?1", params![id, doc])?;
                if replaced == 0 {
                    tx.execute(
                        "INSERT INTO stuff (id, doc) VALUES (?1, ?2)",
                        params![id, doc],
                    )?;
                }
                tx.commit()?;
                Ok(replaced > 0)
            })
            .await?
            .map_err(failed)?;
        Ok(Response::new(if replaced { 200 } else { 201 }))
    })
}

fn server(port: u16, db: Db) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let (get, put) = (db.clone(), db);
        let router = Router::new()
            .route("GET", "/stuff/{id}", move |request| {
                retrieve(get.clone(), request)
            })
            .route("PUT", "/stuff/{id}", move |request| {
                save(put.clone(), request)
            });
        let listener = co.listen(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        println!("Serving on http://{}", listener.local_addr());
        std::io::stdout().flush()?;
        co.call(Server::new(router).serve(listener)).await
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    let db = match open(&args.db) {
        Ok(db) => db,
        Err(e) => {
            eprintln!("error: cannot open {}: {e}", args.db.display());
            return ExitCode::FAILURE;
        }
    };
    let run = Scheduler::new().and_then(|mut scheduler| {
        scheduler.stop_on_signals(&[SIGINT, SIGTERM])?;
        scheduler.run_until_complete(server(args.port, db))
    });
    match run {
        Ok(()) | Err(RunError::Interrupted(_)) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
