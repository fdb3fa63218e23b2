//! The seed's `run_in_executor` (seed `004_221af7cd32b1e56f.txt`, `flags2_asyncio_executor.py`:
//! `loop.run_in_executor(None, save_flag, image, filename)`): blocking file
//! writes go to a thread pool, so a timer on the loop keeps ticking while the
//! disk works.
//!
//! ```text
//! cargo run --example executor
//! cargo run --example executor -- --blocking    # the same writes on the loop: the ticks stop
//! ```
//!
//! Each file is written and `fsync`ed (really blocking) into a temporary
//! directory that is removed at the end. The ticker prints every 50 ms; with
//! the executor its ticks go on between the `saved` lines, with `--blocking`
//! they stall while a file is written.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use trampoline::{Coroutine, Error, Scheduler};

/// Writes files on the executor's threads while a timer ticks on the loop.
#[derive(Debug, Parser)]
struct Args {
    /// How many files to write, at once.
    #[arg(long, default_value_t = 4)]
    files: u32,

    /// Size of each file, in MiB.
    #[arg(long, default_value_t = 64)]
    megabytes: usize,

    /// Write on the loop's own thread instead: the timer stops ticking.
    #[arg(long)]
    blocking: bool,
}

/// The seed's `save_flag`: a plain blocking function, written without any
/// thought of coroutines.
fn save(path: PathBuf, megabytes: usize) -> std::io::Result<usize> {
    let mebibyte = vec![b'x'; 1 << 20];
    let mut file = std::fs::File::create(&path)?;
    for _ in 0..megabytes {
        file.write_all(&mebibyte)?;
    }
    file.sync_all()?;
    Ok(megabytes)
}

/// `print_every` from the first seed: shows whether the loop is free.
fn ticker() -> Coroutine<()> {
    Coroutine::new(|co| async move {
        loop {
            co.sleep(Duration::from_millis(50)).await?;
            println!("tick {:>5.2} s", co.now().await?.as_secs_f64());
        }
    })
}

/// Saves one file, off the loop or (with `blocking`) on it.
fn save_one(path: PathBuf, megabytes: usize, blocking: bool) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let started = co.now().await?;
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let saved = if blocking {
            save(path, megabytes)
        } else {
            co.run_in_executor(move || save(path, megabytes)).await?
        };
        let took = co.now().await?.saturating_sub(started).as_millis();
        match saved {
            Ok(size) => println!("saved {name}: {size} MiB in {took} ms"),
            Err(e) => println!("*** cannot save {name}: {e}"),
        }
        Ok(())
    })
}

fn main_task(args: Args, dir: PathBuf) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        co.spawn(ticker()).await?;
        let how = if args.blocking {
            "on the loop's thread"
        } else {
            "on the executor"
        };
        println!(
            "writing {} files of {} MiB {how}",
            args.files, args.megabytes
        );
        let mut writers = Vec::new();
        for n in 1..=args.files {
            let path = dir.join(format!("flag-{n}.bin"));
            writers.push(
                co.spawn(save_one(path, args.megabytes, args.blocking))
                    .await?,
            );
        }
        for writer in writers {
            co.join(writer).await?;
        }
        println!("all saved after {:.2} s", co.now().await?.as_secs_f64());
        Ok::<(), Error>(())
    })
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let dir = std::env::temp_dir().join(format!("trampoline-executor-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return std::process::ExitCode::FAILURE;
    }
    let run = Scheduler::new().and_then(|mut s| s.run_until_complete(main_task(args, dir.clone())));
    let _ = std::fs::remove_dir_all(&dir);
    match run {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
