//! The blocking pool: threads for calls that would stall an event loop
//! (asyncio's `run_in_executor` / `to_thread`).
//!
//! A blocking call becomes a task whose future runs the closure on its one
//! poll, so it reuses the task machinery: one allocation, a [`Task<T>`]
//! handle to await (or `join_blocking`), panics caught, cancellation of a
//! job that has not started yet.
//!
//! # The hand-off
//! Jobs travel through one unbounded crossbeam MPMC channel. A submitter
//! never takes a lock the pool threads hold while they wait: `send` is a
//! lock-free append, and it unparks one thread blocked in `recv` (none, if
//! a thread is spinning or busy). A thread waits for its next job with
//! `recv_timeout(keep_alive)`; the timeout is its retirement.
//!
//! # Growth and retirement
//! Threads start on demand, up to `max_threads`. `idle` counts threads
//! that are between jobs (spinning, blocked in `recv`, or just started and
//! not yet at their first job). A submitter that sees `idle == 0` starts a
//! thread; otherwise an idle thread will take the job. A thread that takes
//! a job and sees more queued with nobody idle starts the next thread. So a
//! burst of short jobs is served by the few threads that keep up (tokio
//! starts one thread per job of a burst), and a queue of long-blocking
//! jobs still gets a thread each, one start after another. A thread with
//! nothing to do spins briefly (jobs often come in bursts, and a wake-up
//! costs tens of microseconds), then blocks in the channel for up to
//! `keep_alive`.
//!
//! Nothing is stranded by a retiring thread: a submitter sends, then reads
//! `idle`; a retiring thread decrements `idle`, then checks the channel
//! (a SeqCst fence on each side, so at least one sees the other). And the
//! retirement, like growth, happens under `state`'s lock, so a submitter
//! that finds the pool at `max_threads` cannot miss a thread on its way out.
//!
//! # Shutdown
//! Shutdown takes the one `Sender` out (a write lock that waits out any
//! submission in flight), which disconnects the channel: blocked threads
//! wake, drain what is left and exit. The runtime's pool cancels queued
//! jobs that never started (their tasks resolve to `Cancelled`) and waits
//! for running ones up to the timeout. A [`ThreadPoolExecutor`] lets its
//! queue drain, like Python's `shutdown(wait=...)`. Jobs submitted after
//! shutdown are cancelled.

mod executor;

pub use executor::{run_in_executor, spawn_blocking, to_thread, ThreadPoolExecutor};

use crate::metrics::{BlockingMetrics, QueueAges};
use crate::task::{Header, Meta, Notified, RawTask, Schedule, Task, TaskId};
use crate::Handle;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use parking_lot::{Condvar, Mutex, RwLock};
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering::*};
use std::sync::{Arc, OnceLock, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

thread_local! {
    /// The pool whose thread this is (its `Inner`'s address), so a pool
    /// shut down from one of its own jobs does not wait for itself.
    static CURRENT_POOL: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Rounds a thread spins waiting for more work before it sleeps: a few
/// microseconds, about what a worker needs to submit the next job of a burst.
const SPIN_ROUNDS: u32 = 2_000;

pub(crate) struct PoolConfig {
    pub(crate) max_threads: usize,
    pub(crate) keep_alive: Duration,
    pub(crate) thread_name: String,
    pub(crate) stack_size: Option<usize>,
    pub(crate) on_thread_start: Option<Arc<dyn Fn() + Send + Sync>>,
    pub(crate) on_thread_stop: Option<Arc<dyn Fn() + Send + Sync>>,
}

/// A handle to a pool; clones share it.
#[derive(Clone)]
pub(crate) struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    /// The only sender: `None` once shut down, which disconnects the
    /// channel. Submitters hold the read side for the length of a `send`.
    sender: RwLock<Option<Sender<Job>>>,
    /// Shared by every pool thread (and by shutdown, to cancel the queue).
    jobs: Receiver<Job>,
    /// Threads between jobs; see the module docs.
    idle: AtomicUsize,
    /// Set by a shutdown that cancels queued jobs: a thread that receives
    /// one afterwards cancels it instead of running it.
    cancel_queued: AtomicBool,
    state: Mutex<State>,
    all_exited: Condvar,
    config: PoolConfig,
    /// The runtime whose context blocking threads enter, if any.
    runtime: OnceLock<Weak<crate::scheduler::Shared>>,
    /// When queued jobs were submitted (the metrics' `oldest_queued`).
    ages: QueueAges,
    /// What each thread is running (shutdown's report names them).
    slots: Mutex<slab::Slab<Arc<Slot>>>,
}

/// A job in the queue.
struct Job {
    task: Notified,
    /// Shutdown runs it even if it has not started, and waits for it past
    /// its deadline (`task::Builder::must_finish`).
    must_finish: bool,
}

/// What one pool thread is running, if anything.
#[derive(Default)]
struct Slot {
    running: Mutex<Option<Running>>,
}

/// A job being run, with a reference of its own so that shutdown's report
/// can read its name and spawn site while it runs.
struct Running {
    task: RawTask,
    must_finish: bool,
}

impl Running {
    fn new(job: &Job) -> Running {
        let task = job.task.raw();
        task.header().state.ref_inc();
        Running {
            task,
            must_finish: job.must_finish,
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // SAFETY: the reference `Running::new` took, given up here.
        unsafe { self.task.drop_reference() };
    }
}

/// Thread accounting, changed only when a thread starts or exits.
#[derive(Default)]
struct State {
    /// Threads that can still take work.
    threads: usize,
    /// Threads that left their loop and are running their stop hook.
    stopping: usize,
    shutdown: bool,
    /// `must_finish` jobs queued or running (shutdown waits for them).
    must_finish: usize,
}

impl State {
    /// Threads not yet fully gone (hooks included).
    fn alive(&self) -> usize {
        self.threads + self.stopping
    }
}

impl Pool {
    pub(crate) fn new(config: PoolConfig) -> Pool {
        let (sender, jobs) = crossbeam_channel::unbounded();
        Pool {
            inner: Arc::new(Inner {
                sender: RwLock::new(Some(sender)),
                jobs,
                idle: AtomicUsize::new(0),
                cancel_queued: AtomicBool::new(false),
                state: Mutex::new(State::default()),
                all_exited: Condvar::new(),
                config,
                runtime: OnceLock::new(),
                ages: QueueAges::new(),
                slots: Mutex::new(slab::Slab::new()),
            }),
        }
    }

    /// Blocking threads enter this runtime's context, so a closure can use
    /// `Handle::current()` and spawn.
    pub(crate) fn set_runtime(&self, shared: Weak<crate::scheduler::Shared>) {
        let _ = self.inner.runtime.set(shared);
    }

    pub(crate) fn max_threads(&self) -> usize {
        self.inner.config.max_threads
    }

    pub(crate) fn spawn<F, T>(&self, f: F, location: &'static Location<'static>) -> Task<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.spawn_with(f, location, None, false)
    }

    /// [`spawn`](Self::spawn) with a name, and marked as a job shutdown
    /// must let finish.
    pub(crate) fn spawn_with<F, T>(
        &self,
        f: F,
        location: &'static Location<'static>,
        name: Option<Arc<str>>,
        must_finish: bool,
    ) -> Task<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let now = Instant::now();
        let meta = Meta::new(location, crate::task::spawn_stamp_of(now), name, None);
        let raw = RawTask::new(
            BlockingFn(Some(f)),
            self.clone(),
            TaskId::next(),
            meta,
            false,
        );
        // SAFETY: a fresh unowned task holds one reference for its handle
        // and one for its first `Notified`; its output type is `T`.
        let (task, notified) = unsafe { (Task::from_raw(raw), Notified::from_raw(raw)) };
        if must_finish {
            self.inner.state.lock().must_finish += 1;
        }
        self.push(
            Job {
                task: notified,
                must_finish,
            },
            now,
        );
        task
    }

    /// Queues `job`, submitted at `at`.
    fn push(&self, job: Job, at: Instant) {
        let inner = &self.inner;
        {
            let sender = inner.sender.read();
            let Some(sender) = sender.as_ref() else {
                drop(sender);
                self.cancel(job);
                return;
            };
            inner.ages.pushed(at);
            // Cannot fail: `inner.jobs` keeps the channel connected.
            let _ = sender.send(job);
        }
        // Pairs with the fence in `retire_or_stay`: either we see the
        // retiring thread's decrement (and start one), or it sees our job.
        fence(SeqCst);
        if inner.idle.load(Relaxed) == 0 {
            self.grow();
        }
    }

    /// Starts a thread if jobs are queued, nobody is idle to take them and
    /// the pool is below its limit.
    fn grow(&self) {
        let inner = &self.inner;
        let mut state = inner.state.lock();
        if state.shutdown
            || state.threads >= inner.config.max_threads
            || inner.jobs.is_empty()
            || inner.idle.load(SeqCst) > 0
        {
            return;
        }
        let config = &inner.config;
        let mut builder = std::thread::Builder::new().name(config.thread_name.clone());
        if let Some(size) = config.stack_size {
            builder = builder.stack_size(size);
        }
        let pool = self.clone();
        // The new thread is idle until its first job, so the submissions
        // racing its start do not start more.
        inner.idle.fetch_add(1, SeqCst);
        match builder.spawn(move || pool.run()) {
            Ok(_) => state.threads += 1,
            Err(error) => {
                inner.idle.fetch_sub(1, SeqCst);
                tracing::error!(%error, "failed to start a blocking thread");
                if state.threads == 0 {
                    // Nobody could ever run the queue: fail the jobs loudly
                    // (they resolve to Cancelled) rather than hang.
                    drop(state);
                    self.cancel_queue(true);
                }
            }
        }
    }

    /// Cancels a job that never started (its task resolves to
    /// `Cancelled`).
    fn cancel(&self, job: Job) {
        // SAFETY: blocking jobs are `Send` tasks: their closures may be
        // dropped on any thread.
        unsafe { job.task.shutdown() };
        if job.must_finish {
            self.must_finish_done();
        }
    }

    /// Cancels every queued job, except `must_finish` ones, which are
    /// handed back (unless `cancel_all`).
    fn cancel_queue(&self, cancel_all: bool) -> Vec<Job> {
        let mut kept = Vec::new();
        for job in self.inner.jobs.try_iter() {
            self.inner.ages.taken();
            if job.must_finish && !cancel_all {
                kept.push(job);
            } else {
                self.cancel(job);
            }
        }
        kept
    }

    /// A `must_finish` job is done (ran, or could not run at all).
    fn must_finish_done(&self) {
        let mut state = self.inner.state.lock();
        state.must_finish -= 1;
        self.inner.all_exited.notify_all();
    }

    /// Runs one job on this pool thread, published in `slot` meanwhile.
    fn run_job(&self, job: Job, slot: &Slot) {
        let must_finish = job.must_finish;
        if self.inner.cancel_queued.load(Acquire) && !must_finish {
            self.cancel(job);
            return;
        }
        *slot.running.lock() = Some(Running::new(&job));
        job.task.run();
        let finished = slot.running.lock().take();
        // The reference goes outside the slot's lock (it may free the task).
        drop(finished);
        if must_finish {
            self.must_finish_done();
        }
    }

    fn run(&self) {
        let inner = &self.inner;
        // A panicking hook is contained: this thread is counted in
        // `threads` and `idle`, and must reach its loop (and later its
        // exit) to keep the counts true.
        if let Some(hook) = &inner.config.on_thread_start {
            crate::contain::contain(
                format_args!("blocking thread"),
                "on_thread_start hook",
                || hook(),
            );
        }
        let _enter = inner
            .runtime
            .get()
            .and_then(Weak::upgrade)
            .map(|shared| crate::context::enter(Handle::from_shared(shared)));
        CURRENT_POOL.with(|pool| pool.set(Arc::as_ptr(&self.inner) as usize));
        let slot = Arc::new(Slot::default());
        let slot_key = inner.slots.lock().insert(slot.clone());

        // Counted idle since `grow`; every turn ends idle again.
        while let Some(job) = self.next_job() {
            // More waiting and nobody free: hand it on (chained growth).
            if !inner.jobs.is_empty() && inner.idle.load(SeqCst) == 0 {
                self.grow();
            }
            self.run_job(job, &slot);
            inner.idle.fetch_add(1, SeqCst);
        }
        inner.slots.lock().remove(slot_key);

        // `next_job` took this thread off `threads` and `idle`; it is
        // `stopping` until its hook has run, so whoever waits for the pool
        // waits for hooks.
        drop(_enter);
        // Contained too: `stopping` must come down, or shutdown would wait
        // its whole timeout for this thread.
        if let Some(hook) = &inner.config.on_thread_stop {
            crate::contain::contain(
                format_args!("blocking thread"),
                "on_thread_stop hook",
                || hook(),
            );
        }
        let mut state = inner.state.lock();
        state.stopping -= 1;
        // Under the lock, so a waiter cannot miss it.
        inner.all_exited.notify_all();
        drop(state);
        CURRENT_POOL.with(|pool| pool.set(0));
    }

    /// The next job for an idle thread, which stops being idle; `None`
    /// when the thread should exit (already moved to `stopping`).
    fn next_job(&self) -> Option<Job> {
        let inner = &self.inner;
        loop {
            if let Ok(job) = inner.jobs.try_recv() {
                inner.ages.taken();
                inner.idle.fetch_sub(1, SeqCst);
                return Some(job);
            }
            for _ in 0..SPIN_ROUNDS {
                if !inner.jobs.is_empty() {
                    break;
                }
                std::hint::spin_loop();
            }
            if !inner.jobs.is_empty() {
                continue;
            }
            match inner.jobs.recv_timeout(inner.config.keep_alive) {
                Ok(job) => {
                    inner.ages.taken();
                    inner.idle.fetch_sub(1, SeqCst);
                    return Some(job);
                }
                // Shut down, and every queued job handed out.
                Err(RecvTimeoutError::Disconnected) => {
                    self.retire(true);
                    return None;
                }
                Err(RecvTimeoutError::Timeout) => {
                    if self.retire(false) {
                        return None;
                    }
                    // A job arrived as we timed out: stay for it.
                }
            }
        }
    }

    /// Takes this idle thread out of the pool (`threads` to `stopping`),
    /// unless a job is waiting and the exit is not `forced`. Returns
    /// whether it retired.
    fn retire(&self, forced: bool) -> bool {
        let inner = &self.inner;
        // Under the lock, like `grow`: a submitter that sees the pool full
        // sees it before this thread left, when it was still idle.
        let mut state = inner.state.lock();
        inner.idle.fetch_sub(1, SeqCst);
        // Pairs with the fence in `push`.
        fence(SeqCst);
        if !forced && !inner.jobs.is_empty() {
            inner.idle.fetch_add(1, SeqCst);
            return false;
        }
        state.threads -= 1;
        state.stopping += 1;
        true
    }

    /// Stops the pool. `cancel_queued`: jobs that never started are
    /// cancelled (else they still run), except `must_finish` ones. Waits
    /// for the threads to finish until `deadline` (`None`: no wait), and
    /// for `must_finish` jobs past it (unless `deadline` is `None`).
    /// Returns whether every thread finished, and the jobs still running
    /// at the deadline.
    pub(crate) fn shutdown(
        &self,
        cancel_queued: bool,
        deadline: Option<Instant>,
    ) -> (bool, Vec<crate::Straggler>) {
        let inner = &self.inner;
        if cancel_queued {
            inner.cancel_queued.store(true, Release);
        }
        inner.state.lock().shutdown = true;
        // Waits out submissions in flight; dropping the sender disconnects
        // the channel, which wakes every thread blocked in it.
        drop(inner.sender.write().take());
        if cancel_queued {
            let kept = self.cancel_queue(false);
            if !kept.is_empty() {
                self.run_elsewhere(kept);
            }
        }
        let others = self.others_than_caller();
        let Some(deadline) = deadline else {
            return (inner.state.lock().alive() <= others, Vec::new());
        };
        let mut state = inner.state.lock();
        while state.alive() > others {
            if inner
                .all_exited
                .wait_until(&mut state, deadline)
                .timed_out()
            {
                break;
            }
        }
        drop(state);
        let stragglers = self.running_jobs();
        let mut state = inner.state.lock();
        // Past the deadline: only the jobs that must finish are waited for.
        while state.must_finish > 0 && others == 0 {
            inner.all_exited.wait(&mut state);
        }
        (state.alive() <= others, stragglers)
    }

    /// Runs the queued `must_finish` jobs a shutdown took out of the queue
    /// on a thread of their own (the pool's threads may all be stuck),
    /// counted as a stopping pool thread so that shutdown waits for it, in
    /// the runtime's context and published in `slots` like a pool thread.
    /// If that thread cannot start, the jobs are cancelled (never left
    /// pending, which would hang their awaiters and the shutdown).
    fn run_elsewhere(&self, jobs: Vec<Job>) {
        /// Jobs not run yet; cancelled if dropped unrun.
        struct Pending {
            pool: Pool,
            jobs: std::collections::VecDeque<Job>,
        }
        impl Drop for Pending {
            fn drop(&mut self) {
                for job in self.jobs.drain(..) {
                    self.pool.cancel(job);
                }
            }
        }

        let inner = &self.inner;
        inner.state.lock().stopping += 1;
        let mut pending = Pending {
            pool: self.clone(),
            jobs: jobs.into(),
        };
        let pool = self.clone();
        let run = move || {
            let inner = &pool.inner;
            let enter = inner
                .runtime
                .get()
                .and_then(Weak::upgrade)
                .map(|shared| crate::context::enter(Handle::from_shared(shared)));
            let slot = Arc::new(Slot::default());
            let key = inner.slots.lock().insert(slot.clone());
            while let Some(job) = pending.jobs.pop_front() {
                pool.run_job(job, &slot);
            }
            inner.slots.lock().remove(key);
            drop(enter);
            let mut state = inner.state.lock();
            state.stopping -= 1;
            inner.all_exited.notify_all();
        };
        let name = inner.config.thread_name.clone();
        if let Err(error) = std::thread::Builder::new().name(name).spawn(run) {
            tracing::error!(%error, "failed to start a thread for must-finish blocking jobs");
            // `run` was dropped unrun, and with it `Pending`, which
            // cancelled the jobs (their tasks resolve to Cancelled).
            let mut state = inner.state.lock();
            state.stopping -= 1;
            inner.all_exited.notify_all();
        }
    }

    /// The jobs running right now, as shutdown reports them.
    fn running_jobs(&self) -> Vec<crate::Straggler> {
        let slots: Vec<Arc<Slot>> = self
            .inner
            .slots
            .lock()
            .iter()
            .map(|(_, s)| s.clone())
            .collect();
        slots
            .iter()
            .filter_map(|slot| {
                let running = slot.running.lock();
                let running = running.as_ref()?;
                Some(crate::Straggler::blocking_job(
                    running.task.header(),
                    running.must_finish,
                ))
            })
            .collect()
    }

    /// Waits, without a bound, for every thread to exit (every thread but
    /// the caller's, when a job shuts its own pool down).
    pub(crate) fn wait_idle_forever(&self) {
        let inner = &self.inner;
        let others = self.others_than_caller();
        let mut state = inner.state.lock();
        while state.alive() > others {
            inner.all_exited.wait(&mut state);
        }
    }

    /// 1 if the calling thread belongs to this pool (it cannot wait for its
    /// own exit), else 0.
    fn others_than_caller(&self) -> usize {
        let me = Arc::as_ptr(&self.inner) as usize;
        usize::from(CURRENT_POOL.with(|pool| pool.get()) == me)
    }

    /// Threads alive now.
    pub(crate) fn num_threads(&self) -> usize {
        self.inner.state.lock().alive()
    }

    /// The pool's gauges as of `now`.
    pub(crate) fn metrics(&self, now: Instant) -> BlockingMetrics {
        let inner = &self.inner;
        let queued = inner.jobs.len();
        BlockingMetrics {
            threads: self.num_threads(),
            idle: inner.idle.load(Relaxed),
            queued,
            oldest_queued: inner.ages.oldest(now).filter(|_| queued > 0),
        }
    }
}

impl Schedule for Pool {
    fn schedule(&self, task: Notified) {
        // Only a cancellation requeues a blocking job (its one poll never
        // returns Pending): run it through the queue so a pool thread drops it.
        let job = Job {
            task,
            must_finish: false,
        };
        self.push(job, Instant::now());
    }

    fn release(&self, _task: &Header) -> bool {
        false
    }

    fn unhandled_panic(&self, task: &Header, payload: &crate::PanicPayload) {
        match self.inner.runtime.get().and_then(Weak::upgrade) {
            Some(shared) => shared.unhandled_panic(task, payload),
            // A `ThreadPoolExecutor`'s job: no runtime policy to apply.
            None => tracing::error!(
                task.id = task.id.as_u64(),
                spawned_at = %task.meta.location,
                "blocking job panic was never retrieved: job {} submitted at {} panicked: {}",
                task.id,
                task.meta.location,
                payload.message().unwrap_or("(a payload that is not a string)"),
            ),
        }
    }
}

/// A closure as a future that runs it on its first poll.
struct BlockingFn<F>(Option<F>);

// The closure is never pinned: it is moved out and called.
impl<F> Unpin for BlockingFn<F> {}

impl<F: FnOnce() -> T, T> Future for BlockingFn<F> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<T> {
        let f = self
            .0
            .take()
            .expect("a blocking job was polled after it ran");
        Poll::Ready(f())
    }
}
