//! The seed's `gather.py` (article 000, "Relying On The Results of Multiple
//! Independent Coroutines"): three fake URL fetches, each sleeping a random
//! 1 to 4 seconds. First with `as_completed`, handling each result as it
//! comes; then with `gather`, getting all results at once, in argument order.
//!
//! ```text
//! cargo run --example gather                          # real time, up to 8 s
//! cargo run --example gather -- --virtual --seed 7    # virtual clock: instant, repeatable
//! ```
//!
//! `--virtual` runs the same sleeps on a virtual clock (no real waiting);
//! `--seed N` fixes the random waits (default: from the time of day);
//! `--web ADDR` serves the live view (`observe::Live`) on ADDR, say
//! `127.0.0.1:8000`, and waits for Enter before it starts, so a browser can
//! open the page first: the three fetches appear as tasks, asleep until
//! their timers.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use trampoline::observe::Live;
use trampoline::{Clock, Coroutine, RunError, Scheduler, as_completed, gather};

thread_local! {
    /// The live view, when `--web` asked for one: it shows every line too.
    static LIVE: RefCell<Option<Live>> = const { RefCell::new(None) };
}

/// A line on stdout, and in the live view's output panel.
fn say(line: &str) {
    println!("{line}");
    LIVE.with_borrow(|live| live.as_ref().map(|live| live.say(line)));
}

/// A small xorshift generator: enough for random waits, no dependency.
#[derive(Clone)]
struct Random(Rc<Cell<u64>>);

impl Random {
    fn new(seed: u64) -> Self {
        Random(Rc::new(Cell::new(seed.max(1))))
    }

    /// A number from `low` to `high`, both included (`random.randint`).
    fn randint(&self, low: u64, high: u64) -> u64 {
        let mut x = self.0.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0.set(x);
        low + x % (high - low + 1)
    }
}

fn get_url(random: Random, url: &'static str) -> Coroutine<(&'static str, u64)> {
    Coroutine::new(move |co| async move {
        let wait_time = random.randint(1, 4);
        co.sleep(Duration::from_secs(wait_time)).await?;
        say(&format!("Done: URL {url} took {wait_time}s to get!"));
        Ok((url, wait_time))
    })
}

fn urls(random: &Random) -> Vec<Coroutine<(&'static str, u64)>> {
    ["URL1", "URL2", "URL3"]
        .into_iter()
        .map(|url| get_url(random.clone(), url))
        .collect()
}

fn process_as_results_come_in(random: Random) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let mut results = as_completed(urls(&random), None);
        while let Some(result) = co.next(&mut results).await? {
            let (url, _wait_time) = result?;
            say(&format!("Coroutine for {url} is done"));
        }
        Ok(())
    })
}

fn process_once_everything_ready(random: Random) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let results = co.call(gather(urls(&random))).await?;
        let shown: Vec<String> = results
            .iter()
            .map(|(url, wait)| format!("('{url}', {wait})"))
            .collect();
        say(&format!("[{}]", shown.join(", ")));
        Ok(())
    })
}

fn main() -> Result<(), RunError> {
    let args: Vec<String> = std::env::args().collect();
    let virtual_clock = args.iter().any(|a| a == "--virtual");
    let seed = match args.iter().position(|a| a == "--seed") {
        Some(i) => match args.get(i + 1).and_then(|s| s.parse().ok()) {
            Some(seed) => seed,
            None => {
                eprintln!("error: --seed needs a number");
                std::process::exit(2);
            }
        },
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
    };
    let random = Random::new(seed);
    let clock = if virtual_clock {
        Clock::virtual_at_zero()
    } else {
        Clock::real()
    };
    let mut scheduler = Scheduler::with_clock(clock)?;
    if let Some(i) = args.iter().position(|a| a == "--web") {
        let addr = args.get(i + 1).and_then(|a| a.parse().ok());
        let Some(addr) = addr else {
            eprintln!("error: --web needs an address, such as 127.0.0.1:8000");
            std::process::exit(2);
        };
        let live = Live::start(&mut scheduler, addr).unwrap_or_else(|why| {
            eprintln!("error: {why}");
            std::process::exit(1);
        });
        eprintln!(
            "Live view on http://{}/ (press Enter to start)",
            live.addr()
        );
        let _ = std::io::stdin().read_line(&mut String::new());
        LIVE.set(Some(live));
    }
    say("First, process results as they come in:");
    scheduler.run_until_complete(process_as_results_come_in(random.clone()))?;
    say("\nNow, process results once they are all ready:");
    scheduler.run_until_complete(process_once_everything_ready(random))
}
