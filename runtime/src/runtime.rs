//! [`Runtime`] (the owner: asyncio's event loop object) and [`Handle`]
//! (a cheap, thread-safe reference to it).
//!
//! # Shutdown protocol (`Drop`, [`Runtime::shutdown_timeout`], end of
//! [`run`](crate::run))
//! 1. Set the shutdown flag, close the registry to new tasks, wake every
//!    worker, release `run_forever`.
//! 2. Wait (until the deadline) for the workers to leave their loops; each
//!    cancels the `spawn_local` tasks it owns on its way out.
//! 3. Cancel every remaining task, dropping its future, and drop timers.
//! 4. Cancel queued blocking jobs that never started; wait for running ones
//!    until the deadline, then leave them to finish on their own.
//!
//! A worker stuck in a poll past the deadline is detached, not waited for:
//! shutdown never hangs forever. Inside async code (on a worker thread of
//! any runtime, e.g. a task that drops a `Runtime`), nothing is waited for
//! at all, as with `shutdown_background`: blocking there would stall an
//! event loop.

use crate::context::{self, EnterGuard};
use crate::scheduler::{park, Shared};
use crate::task::{Task, TaskInfo};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long `Drop` (and the end of [`run`](crate::run)) waits for workers
/// and blocking jobs before leaving them behind.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// An async runtime: worker threads running event loops, a blocking pool,
/// timers (asyncio's event loop).
///
/// ```
/// let rt = runtime::Runtime::new().unwrap();
/// let answer = rt.block_on(async {
///     let task = runtime::spawn(async { 40 + 2 });
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
///
/// Dropping it shuts it down: tasks still alive are cancelled, and the
/// drop waits up to [`DEFAULT_SHUTDOWN_TIMEOUT`] for workers and running
/// blocking jobs — except inside async code (on a worker thread of any
/// runtime), where it waits for nothing and the runtime finishes shutting
/// down in the background, so that no event loop blocks on it.
pub struct Runtime {
    handle: Handle,
    threads: Vec<JoinHandle<()>>,
    shut_down: bool,
}

impl Runtime {
    /// A runtime with the default settings (one worker per CPU).
    pub fn new() -> std::io::Result<Runtime> {
        crate::Builder::new().build()
    }

    /// A [`Builder`](crate::Builder) to configure a runtime.
    pub fn builder() -> crate::Builder {
        crate::Builder::new()
    }

    pub(crate) fn from_parts(handle: Handle, threads: Vec<JoinHandle<()>>) -> Runtime {
        Runtime {
            handle,
            threads,
            shut_down: false,
        }
    }

    /// The runtime's handle.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Runs `future` on this thread until it completes, with this runtime
    /// as the current one, so it can spawn tasks, sleep, and so on
    /// (asyncio's `run_until_complete`). Spawned tasks run on the workers
    /// meanwhile.
    ///
    /// # Panics
    /// Panics if called on a runtime worker thread (inside a task): blocking
    /// a worker stalls its event loop and can deadlock. `.await` instead.
    ///
    /// Also panics, naming the task and its panic, when an unhandled panic
    /// shut the runtime down under
    /// [`UnhandledPanic::ShutdownRuntime`](crate::UnhandledPanic::ShutdownRuntime).
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        assert_not_worker("Runtime::block_on");
        let _enter = context::enter(self.handle.clone());
        let fatal = &self.handle.shared.fatal;
        let mut future = std::pin::pin!(future);
        let mut watch = FatalWatch { fatal, key: None };
        park::block_on_thread(std::future::poll_fn(|cx| {
            if let Some(report) = fatal.poll_report(&mut watch.key, cx.waker()) {
                unhandled_panic_shut_down(&report);
            }
            let output = std::task::ready!(future.as_mut().poll(cx));
            // The panic may have come during this very poll.
            if let Some(report) = fatal.report() {
                unhandled_panic_shut_down(&report);
            }
            std::task::Poll::Ready(output)
        }))
    }

    /// Spawns a task (see [`Handle::spawn`]).
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Makes this runtime current on this thread until the guard drops.
    pub fn enter(&self) -> EnterGuard {
        self.handle.enter()
    }

    /// Blocks this thread while the workers run, until [`Handle::stop`] is
    /// called (asyncio's `run_forever`). If `stop` was called before, returns
    /// at once; either way the stop is consumed, so the runtime can be run
    /// again.
    ///
    /// # Panics
    /// Panics on a runtime worker thread.
    #[track_caller]
    pub fn run_forever(&self) {
        assert_not_worker("Runtime::run_forever");
        let _enter = context::enter(self.handle.clone());
        self.handle.shared.stop.wait();
        if let Some(report) = self.handle.shared.fatal.report() {
            unhandled_panic_shut_down(&report);
        }
    }

    /// Shuts down, waiting at most `timeout` for workers and running
    /// blocking jobs (asyncio's `loop.close()`), and says what it left
    /// behind. Tasks still alive are cancelled and their futures dropped;
    /// blocking jobs not started are cancelled. What still runs at the
    /// deadline (a task stuck in one poll, a blocking job) is named in the
    /// returned [`ShutdownReport`](crate::ShutdownReport), which is also
    /// logged at `warn` when it is not clean. Blocking jobs marked
    /// [`must_finish`](crate::task::Builder::must_finish) are run even if
    /// they had not started, and waited for past the deadline.
    ///
    /// Called inside async code (on a worker thread of any runtime), it
    /// does not wait at all, as [`shutdown_background`](Self::shutdown_background):
    /// waiting would block that worker's event loop.
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// rt.spawn(std::future::pending::<()>()); // cancelled by the shutdown
    /// let report = rt.shutdown_timeout(std::time::Duration::from_secs(1));
    /// assert!(report.is_clean(), "{report}");
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) -> crate::ShutdownReport {
        self.shutdown(timeout)
    }

    /// Shuts down without waiting for workers or blocking jobs.
    pub fn shutdown_background(mut self) {
        let _ = self.shutdown(Duration::ZERO);
    }

    fn shutdown(&mut self, timeout: Duration) -> crate::ShutdownReport {
        if std::mem::replace(&mut self.shut_down, true) {
            return crate::ShutdownReport::default();
        }
        let start = Instant::now();
        let shared = &self.handle.shared;
        let in_async = context::is_worker_thread();
        // Inside async code (a worker of this or any other runtime), waiting
        // for workers or blocking jobs would stall that worker's loop for
        // up to the whole timeout: shut down in the background instead.
        let timeout = if in_async {
            if !timeout.is_zero() {
                tracing::debug!(
                    "runtime dropped or shut down inside async code: shutting down in the \
                     background instead of blocking this worker"
                );
            }
            Duration::ZERO
        } else {
            timeout
        };
        let deadline = Instant::now()
            .checked_add(timeout)
            .unwrap_or_else(|| Instant::now() + DEFAULT_SHUTDOWN_TIMEOUT);
        shared.begin_shutdown();
        // A runtime dropped by one of its own tasks cannot wait for itself.
        let own_worker = context::with_core(|core| core.is_some_and(|c| c.belongs_to(shared)));
        let all_exited = !own_worker && shared.wait_for_workers(deadline);
        for thread in self.threads.drain(..) {
            if all_exited || thread.is_finished() {
                let _ = thread.join();
            }
        }
        let mut stragglers = if all_exited || own_worker {
            Vec::new()
        } else {
            shared.stragglers()
        };
        {
            // Futures dropped now may still look for their runtime.
            let _enter = context::enter(self.handle.clone());
            shared.cancel_remaining_tasks();
        }
        // In async code nothing is waited for, not even jobs that must
        // finish (they still run, on their own threads).
        let deadline = (!in_async).then_some(deadline);
        let (_, jobs) = shared.blocking.shutdown(true, deadline);
        stragglers.extend(jobs);
        let report = crate::ShutdownReport {
            stragglers,
            elapsed: start.elapsed(),
        };
        if !report.is_clean() {
            tracing::warn!("runtime shutdown: {report}");
        }
        report
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        let _ = self.shutdown(DEFAULT_SHUTDOWN_TIMEOUT);
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("workers", &self.handle.num_workers())
            .finish_non_exhaustive()
    }
}

/// Unregisters a `block_on` call from the runtime's unhandled-panic report.
struct FatalWatch<'a> {
    fatal: &'a crate::scheduler::Fatal,
    key: Option<usize>,
}

impl Drop for FatalWatch<'_> {
    fn drop(&mut self) {
        self.fatal.unregister(self.key);
    }
}

#[track_caller]
fn unhandled_panic_shut_down(report: &crate::scheduler::UnhandledReport) -> ! {
    panic!(
        "the runtime was shut down by an unhandled panic (UnhandledPanic::ShutdownRuntime): \
         {report}"
    )
}

#[track_caller]
fn assert_not_worker(what: &str) {
    if context::is_worker_thread() {
        panic!(
            "{what} was called on a runtime worker thread (inside a task): blocking a worker \
             stalls its event loop and can deadlock the runtime. `.await` the future instead, \
             or block from a plain thread (for example inside runtime::to_thread)"
        );
    }
}

/// A cheap, cloneable, thread-safe reference to a [`Runtime`]: spawn onto
/// it, schedule callbacks, or stop it from any thread (asyncio's loop
/// reference plus its `*_threadsafe` methods).
///
/// A handle outliving its runtime still works, but whatever it spawns is
/// cancelled at once.
#[derive(Clone)]
pub struct Handle {
    shared: Arc<Shared>,
}

impl Handle {
    pub(crate) fn from_shared(shared: Arc<Shared>) -> Handle {
        Handle { shared }
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The runtime this thread is in (asyncio's `get_running_loop()`).
    ///
    /// # Panics
    /// Panics outside a runtime, saying so; see [`Handle::try_current`].
    #[track_caller]
    pub fn current() -> Handle {
        context::with_handle("Handle::current()", Handle::clone)
    }

    /// The runtime this thread is in, if any.
    pub fn try_current() -> Option<Handle> {
        context::try_handle()
    }

    /// Spawns a task on this runtime, from any thread, inside or outside
    /// any runtime (asyncio's `create_task`, and `run_coroutine_threadsafe`
    /// from other threads).
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.shared
            .spawn(future, None, std::panic::Location::caller())
    }

    /// Runs `callback` on a worker as soon as possible (asyncio's
    /// `call_soon` and `call_soon_threadsafe`: a `Handle` is `Send + Sync`).
    #[track_caller]
    pub fn call_soon(&self, callback: impl FnOnce() + Send + 'static) -> TimerHandle {
        TimerHandle {
            task: self.spawn(async move { callback() }),
            when: None,
        }
    }

    /// Runs `callback` after `delay` (asyncio's `call_later`).
    #[track_caller]
    pub fn call_later(
        &self,
        delay: Duration,
        callback: impl FnOnce() + Send + 'static,
    ) -> TimerHandle {
        let when = Instant::now()
            .checked_add(delay)
            .unwrap_or_else(crate::time::far_future_instant);
        self.call_at(when, callback)
    }

    /// Runs `callback` at `when` (asyncio's `call_at`).
    #[track_caller]
    pub fn call_at(&self, when: Instant, callback: impl FnOnce() + Send + 'static) -> TimerHandle {
        TimerHandle {
            task: self.spawn(async move {
                crate::sleep_until(when).await;
                callback()
            }),
            when: Some(when),
        }
    }

    /// The runtime's clock (asyncio's `loop.time()`).
    pub fn time(&self) -> Instant {
        Instant::now()
    }

    /// Makes a [`Runtime::run_forever`] return; callable from any thread
    /// (asyncio's `loop.stop()`, also via `call_soon_threadsafe`).
    pub fn stop(&self) {
        self.shared.stop.stop();
    }

    /// Makes this runtime current on this thread until the guard drops, so
    /// `runtime::spawn` and timers work there.
    pub fn enter(&self) -> EnterGuard {
        context::enter(self.clone())
    }

    /// A snapshot of every live task on this runtime (asyncio's `all_tasks`).
    pub fn all_tasks(&self) -> Vec<TaskInfo> {
        self.shared.registry.snapshot()
    }

    /// A readable listing of every live task on this runtime, one per line:
    /// id, name, state, spawn location, age and poll count (asyncio debug
    /// mode's task dump). For logs and debugging; the format may change.
    pub fn dump_tasks(&self) -> String {
        use std::fmt::Write;
        let mut tasks = self.all_tasks();
        tasks.sort_by_key(|t| t.id());
        let mut out = format!("{} live task(s)\n", tasks.len());
        for task in tasks {
            let _ = writeln!(out, "  {task}");
        }
        out
    }

    /// The number of worker threads.
    pub fn num_workers(&self) -> usize {
        self.shared.config.num_workers
    }

    /// True if the runtime runs in debug mode (see
    /// [`Builder::debug`](crate::Builder::debug)).
    pub fn is_debug(&self) -> bool {
        self.shared.config.debug
    }

    /// True once the runtime has begun shutting down.
    pub fn is_shutdown(&self) -> bool {
        self.shared.is_shutdown()
    }

    /// A snapshot of this runtime's counters and gauges: per worker (polls,
    /// steals, parks, busy time, queue depth, LIFO hits, stalls, longest
    /// poll), runtime-wide (global queue, tasks spawned and alive, I/O
    /// sources, pending timers) and the blocking pool's. Stable, with no
    /// feature flag; counting costs the hot path no shared cache line
    /// ([`metrics`](crate::metrics) says how each is counted).
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// rt.block_on(async move {
    ///     let sleeper = runtime::spawn(runtime::sleep(std::time::Duration::from_secs(60)));
    ///     runtime::sleep(std::time::Duration::from_millis(5)).await;
    ///     let metrics = handle.metrics();
    ///     assert!(metrics.tasks_alive >= 1);
    ///     assert!(metrics.timers_pending >= 1);
    ///     sleeper.cancel();
    /// });
    /// ```
    pub fn metrics(&self) -> crate::RuntimeMetrics {
        self.shared.metrics()
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("workers", &self.num_workers())
            .finish_non_exhaustive()
    }
}

/// A scheduled callback (asyncio's `Handle` / `TimerHandle`): cancel it
/// before it runs.
#[derive(Debug)]
pub struct TimerHandle {
    task: Task<()>,
    when: Option<Instant>,
}

impl TimerHandle {
    /// Cancels the callback if it has not run yet; returns false if it
    /// already ran (or was cancelled).
    pub fn cancel(&self) -> bool {
        !self.task.is_done() && self.task.cancel()
    }

    /// True if the callback was cancelled before it ran.
    pub fn is_cancelled(&self) -> bool {
        self.task.is_cancelled()
    }

    /// True once the callback has run or was cancelled.
    pub fn is_done(&self) -> bool {
        self.task.is_done()
    }

    /// When the callback is due (`None` for `call_soon`).
    pub fn when(&self) -> Option<Instant> {
        self.when
    }
}
