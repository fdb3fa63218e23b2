//! Blocking work off the loop: `co.run_in_executor(closure)` runs the closure
//! on a small pool of OS threads and parks the task; the result comes back
//! into the loop through a [`mio::Waker`], so the loop keeps ticking meanwhile.
//!
//! asyncio's `loop.run_in_executor(None, save_flag, image, name)`. The pool is
//! started by the first job (a program that never uses it has no threads).
//! Each job carries the parked task's key and id; a worker sends the result
//! down a channel and wakes the poller through its token, and the
//! scheduler then hands every finished result to its task.

use std::any::Any;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use mio::{Registry, Waker};

use crate::io::source::{Reactor, Source, source};
use crate::kernel::{Co, Error, ErrorKind, Parked, Resume, SystemCall, TaskState, Trampoline};
use crate::kernel::{Value, panic_message, thrown};

/// How many threads the pool runs. asyncio's default pool has
/// `min(32, cpus + 4)`; a handful is plenty for the file writes and sleeps of
/// the examples, and a fixed number keeps the pool a dozen lines long.
pub(crate) const POOL_THREADS: usize = 4;

/// What a job returns, its type erased so every job fits one channel.
type Output = Result<Box<dyn Any + Send>, String>;

/// A closure to run on the pool.
pub(crate) struct Job(Box<dyn FnOnce() -> Box<dyn Any + Send> + Send>);

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job(..)")
    }
}

/// The pool, and the jobs in flight with the tasks waiting for them.
pub(crate) struct Executor {
    waker: Arc<Waker>,
    /// Jobs to the workers; `None` until the first job starts the pool.
    jobs: Option<Sender<(u64, Job)>>,
    results_tx: Sender<(u64, Output)>,
    results: Receiver<(u64, Output)>,
    /// Job number → the task parked waiting for it.
    waiting: HashMap<u64, Parked>,
    next_job: u64,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("started", &self.jobs.is_some())
            .field("in_flight", &self.waiting.len())
            .finish()
    }
}

impl Executor {
    /// An idle pool whose results will wake `registry`'s poller, on the
    /// token of the source at `index`.
    pub(crate) fn new(registry: &Registry, index: usize) -> std::io::Result<Self> {
        let (results_tx, results) = channel();
        Ok(Executor {
            waker: Arc::new(Waker::new(registry, Reactor::token(index, 0))?),
            jobs: None,
            results_tx,
            results,
            waiting: HashMap::new(),
            next_job: 0,
        })
    }

    /// Starts the threads, the first time. Fails only if not a single thread
    /// can start.
    fn start(&mut self) -> std::io::Result<&Sender<(u64, Job)>> {
        if self.jobs.is_none() {
            self.jobs = Some(start_pool(self.results_tx.clone(), self.waker.clone())?);
        }
        Ok(self.jobs.as_ref().expect("BUG: the pool was started above"))
    }

    /// Queues `job` for the parked task, which [`wake`](Source::wake) hands
    /// the result.
    fn submit(&mut self, number: u64, job: Job, jobs: &Sender<(u64, Job)>) {
        jobs.send((number, job))
            .expect("BUG: detached workers never drop the job queue");
    }
}

impl Source for Executor {
    /// The waker fired; the results are looked at in `wake`, after every
    /// poll: a result whose wake-up failed is still delivered.
    fn ready(&mut self, _sub: usize, _event: &mio::event::Event) {}

    fn wake(&mut self, trampoline: &mut Trampoline) {
        while let Ok((number, output)) = self.results.try_recv() {
            let Some(parked) = self.waiting.remove(&number) else {
                continue;
            };
            let resume = match output {
                Ok(value) => Resume::Returned(Value::Boxed(Box::new(value as Box<dyn Any>))),
                Err(message) => Resume::Failed(ErrorKind::Panicked(message).into()),
            };
            // A task that stopped waiting (an error was thrown into it):
            // its job ran to its end, and the result is dropped.
            trampoline.wake_parked(parked, resume);
        }
    }

    fn has_waiters(&self) -> bool {
        self.waiting.values().any(Parked::is_waiting)
    }
}

/// `run_in_executor` is a system call: the job goes to the pool, and the
/// task parks until its result is back.
impl SystemCall for Job {
    fn apply(self: Box<Self>, trampoline: &mut Trampoline, key: usize) -> Option<Resume> {
        let started = source(trampoline, Executor::new).and_then(|executor| {
            let jobs = executor.borrow_mut().start()?.clone();
            Ok((executor, jobs))
        });
        let (executor, jobs) = match started {
            Ok(started) => started,
            Err(error) => return Some(Resume::Failed(error.into())),
        };
        let parked = trampoline.park_with_ticket(key, TaskState::WaitingForIo("the thread pool"));
        let mut executor = executor.borrow_mut();
        let number = executor.next_job;
        executor.next_job += 1;
        executor.waiting.insert(number, parked);
        executor.submit(number, *self, &jobs);
        None
    }
}

/// Starts the worker threads; they share one job queue behind a mutex and
/// end when the executor (the only job sender) is dropped.
///
/// Simplification: the workers are detached, not joined, so dropping a
/// scheduler never waits for a job that blocks forever; such a job's result
/// is dropped. Python's executor joins its threads at exit instead.
fn start_pool(
    results: Sender<(u64, Output)>,
    waker: Arc<Waker>,
) -> std::io::Result<Sender<(u64, Job)>> {
    let (jobs_tx, jobs_rx) = channel::<(u64, Job)>();
    let jobs_rx = Arc::new(Mutex::new(jobs_rx));
    for n in 0..POOL_THREADS {
        let (jobs, results, waker) = (jobs_rx.clone(), results.clone(), waker.clone());
        let spawned = std::thread::Builder::new()
            .name(format!("trampoline-executor-{n}"))
            .spawn(move || worker(&jobs, &results, &waker));
        // Fewer threads than asked is fine as long as one started: the queue
        // is shared. Zero threads would leave jobs waiting forever.
        if let Err(error) = spawned
            && n == 0
        {
            return Err(error);
        }
    }
    Ok(jobs_tx)
}

/// One worker: take a job, run it (a panic becomes the job's error), send the
/// result, wake the loop.
fn worker(jobs: &Mutex<Receiver<(u64, Job)>>, results: &Sender<(u64, Output)>, waker: &Waker) {
    loop {
        let next = jobs
            .lock()
            .map_err(|_| ())
            .and_then(|queue| queue.recv().map_err(|_| ()));
        let Ok((number, Job(job))) = next else {
            return;
        };
        let output =
            catch_unwind(AssertUnwindSafe(job)).map_err(|payload| panic_message(payload.as_ref()));
        if results.send((number, output)).is_err() {
            return; // the scheduler is gone
        }
        // A failed wake-up (out of resources) leaves the result queued; the
        // next wake-up, or any other event, delivers it.
        let _ = waker.wake();
    }
}

impl Co {
    /// Runs the blocking `work` on the loop's thread pool and returns its
    /// value; this task is parked meanwhile and the other tasks (and timers)
    /// go on. A panic in `work` comes back as an `Err` here.
    ///
    /// asyncio's `await loop.run_in_executor(None, work)`.
    ///
    /// ```
    /// use trampoline::{Coroutine, Scheduler};
    ///
    /// let main = Coroutine::new(|co| async move {
    ///     let sum = co
    ///         .run_in_executor(|| {
    ///             std::thread::sleep(std::time::Duration::from_millis(10)); // blocking
    ///             (1..=10u64).sum::<u64>()
    ///         })
    ///         .await?;
    ///     Ok(sum)
    /// });
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(main).unwrap(), 55);
    /// ```
    pub async fn run_in_executor<T, F>(&self, work: F) -> Result<T, Error>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let job = Job(Box::new(move || Box::new(work()) as Box<dyn Any + Send>));
        match self.apply(job).await {
            Resume::Returned(value) => Ok(value.take()),
            resume => Err(thrown("run_in_executor", resume)),
        }
    }
}
