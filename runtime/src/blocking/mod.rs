//! The blocking pool: threads for calls that would stall an event loop
//! (asyncio's `run_in_executor` / `to_thread`).
//!
//! A blocking call becomes a task whose future runs the closure on its one
//! poll, so it reuses the task machinery: one allocation, a [`Task<T>`]
//! handle to await (or `join_blocking`), panics caught, cancellation of a
//! job that has not started yet.
//!
//! # Growth and retirement
//! Threads start on demand, up to `max_threads`. To avoid starting one
//! thread per job in a burst (tokio's cost on `blocking_offload`), at most
//! one thread is *starting* at a time: a new thread, as it takes its first
//! job, starts the next one if jobs are still waiting and nobody is idle.
//! So a burst of short jobs is served by the few threads that keep up, and a
//! queue of long-blocking jobs still gets a thread each, one thread start
//! after another. A thread with nothing to do spins briefly (jobs often
//! come in bursts, and a wake-up costs tens of microseconds), then waits on
//! the condition variable for up to `keep_alive` before retiring.
//!
//! # Accounting (all under `state`'s lock)
//! - `spinning`: threads spinning on `queued`; a push needs wake nobody.
//! - `idle`: threads waiting on the condvar not yet chosen; a push picks
//!   one (`idle -= 1; notified += 1`) and signals the condvar.
//! - `notified`: wake-ups handed out and not yet consumed.
//! - `starting`: threads spawned that have not yet reached their loop.
//!
//! # Shutdown
//! The runtime's pool cancels queued jobs that never started (their tasks
//! resolve to `Cancelled`) and waits for running ones up to the timeout. A
//! [`ThreadPoolExecutor`] lets its queue drain, like Python's
//! `shutdown(wait=...)`. Jobs submitted after shutdown are cancelled.

mod executor;

pub use executor::{run_in_executor, spawn_blocking, to_thread, ThreadPoolExecutor};

use crate::task::{Header, Meta, Notified, RawTask, Schedule, Task, TaskId};
use crate::Handle;
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::*};
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
    state: Mutex<State>,
    work_available: Condvar,
    all_exited: Condvar,
    /// Jobs in the queue, readable without the lock by spinning threads.
    queued: AtomicUsize,
    config: PoolConfig,
    /// The runtime whose context blocking threads enter, if any.
    runtime: OnceLock<Weak<crate::scheduler::Shared>>,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Notified>,
    threads: usize,
    starting: usize,
    spinning: usize,
    idle: usize,
    notified: usize,
    /// Threads that left their loop and are running their stop hook.
    stopping: usize,
    shutdown: bool,
}

impl State {
    /// Threads not yet fully gone (hooks included).
    fn alive(&self) -> usize {
        self.threads + self.stopping
    }
}

impl Pool {
    pub(crate) fn new(config: PoolConfig) -> Pool {
        Pool {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                work_available: Condvar::new(),
                all_exited: Condvar::new(),
                queued: AtomicUsize::new(0),
                config,
                runtime: OnceLock::new(),
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
        let meta = Meta::new(location, Instant::now(), None, 0, None);
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
        self.push(notified);
        task
    }

    fn push(&self, job: Notified) {
        let inner = &self.inner;
        let mut state = inner.state.lock();
        if state.shutdown {
            drop(state);
            // SAFETY: blocking jobs are `Send` tasks: their closures may be
            // dropped on any thread.
            unsafe { job.shutdown() };
            return;
        }
        state.queue.push_back(job);
        inner.queued.store(state.queue.len(), Release);
        self.ensure_progress(&mut state);
    }

    /// Makes sure someone will take the queue's next job: a spinning thread,
    /// an idle one (woken), or a new one (if none is already starting).
    fn ensure_progress(&self, state: &mut State) {
        if state.queue.is_empty() || state.spinning > 0 {
            return;
        }
        if state.idle > 0 {
            state.idle -= 1;
            state.notified += 1;
            self.inner.work_available.notify_one();
        } else if state.starting == 0
            && state.threads < self.inner.config.max_threads
            && !state.shutdown
        {
            self.start_thread(state);
        }
    }

    fn start_thread(&self, state: &mut State) {
        let config = &self.inner.config;
        let mut builder = std::thread::Builder::new().name(config.thread_name.clone());
        if let Some(size) = config.stack_size {
            builder = builder.stack_size(size);
        }
        let pool = self.clone();
        match builder.spawn(move || pool.run()) {
            Ok(_) => {
                state.threads += 1;
                state.starting += 1;
            }
            Err(error) => {
                tracing::error!(%error, "failed to start a blocking thread");
                if state.threads == 0 {
                    // Nobody could ever run the queue: fail the jobs loudly
                    // (they resolve to Cancelled) rather than hang.
                    let jobs = std::mem::take(&mut state.queue);
                    self.inner.queued.store(0, Release);
                    for job in jobs {
                        // SAFETY: blocking jobs are `Send` tasks: their closures may be
                        // dropped on any thread.
                        unsafe { job.shutdown() };
                    }
                }
            }
        }
    }

    fn run(&self) {
        let inner = &self.inner;
        // A panicking hook is contained: this thread must still reach the
        // `starting -= 1` below, or no thread would ever start again.
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
        let mut state = inner.state.lock();
        state.starting -= 1;
        'work: loop {
            while let Some(job) = state.queue.pop_front() {
                inner.queued.store(state.queue.len(), Release);
                // More waiting: hand it to someone else (chained growth).
                self.ensure_progress(&mut state);
                drop(state);
                job.run();
                state = inner.state.lock();
            }
            if state.shutdown {
                break;
            }

            state.spinning += 1;
            drop(state);
            for _ in 0..SPIN_ROUNDS {
                if inner.queued.load(Acquire) > 0 {
                    break;
                }
                std::hint::spin_loop();
            }
            state = inner.state.lock();
            state.spinning -= 1;
            if !state.queue.is_empty() {
                continue;
            }
            // A shutdown while we spun notified the condvar with nobody on
            // it: check before waiting, or we would sleep out the whole
            // keep-alive (and `shutdown(true)` with us).
            if state.shutdown {
                break;
            }

            state.idle += 1;
            loop {
                let timed_out = inner
                    .work_available
                    .wait_for(&mut state, inner.config.keep_alive)
                    .timed_out();
                if state.notified > 0 {
                    state.notified -= 1;
                    continue 'work;
                }
                if state.shutdown || (timed_out && state.queue.is_empty()) {
                    state.idle -= 1;
                    break 'work;
                }
                if timed_out {
                    // Work arrived without a notification meant for us.
                    state.idle -= 1;
                    continue 'work;
                }
            }
        }
        // No longer a thread that can take work, but still `stopping` until
        // its hook has run, so whoever waits for the pool waits for hooks.
        state.threads -= 1;
        state.stopping += 1;
        drop(state);
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

    /// Stops the pool. `cancel_queued`: jobs that never started are
    /// cancelled (else they still run). Waits for the threads to finish
    /// until `deadline` (`None`: no wait; returns whether all finished).
    pub(crate) fn shutdown(&self, cancel_queued: bool, deadline: Option<Instant>) -> bool {
        let inner = &self.inner;
        let mut state = inner.state.lock();
        state.shutdown = true;
        let cancelled = if cancel_queued {
            inner.queued.store(0, Release);
            std::mem::take(&mut state.queue)
        } else {
            VecDeque::new()
        };
        inner.work_available.notify_all();
        drop(state);
        for job in cancelled {
            // SAFETY: blocking jobs are `Send` tasks: their closures may be
            // dropped on any thread.
            unsafe { job.shutdown() };
        }
        let others = self.others_than_caller();
        let Some(deadline) = deadline else {
            return inner.state.lock().alive() <= others;
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
        state.alive() <= others
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
}

impl Schedule for Pool {
    fn schedule(&self, task: Notified) {
        // Only a cancellation requeues a blocking job (its one poll never
        // returns Pending): run it through the queue so a pool thread drops it.
        self.push(task);
    }

    fn release(&self, _task: &Header) -> bool {
        false
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
