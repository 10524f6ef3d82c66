//! [`Builder`]: configure a task (its name) before spawning it.

use super::Task;
use crate::Handle;
use std::future::Future;
use std::sync::Arc;

/// Configures a task before it is spawned.
///
/// ```
/// # runtime::run(async {
/// let task = runtime::task::Builder::new().name("fetch").spawn(async { 1 });
/// assert_eq!(task.name().as_deref(), Some("fetch"));
/// # let _ = task.await;
/// # });
/// ```
#[derive(Debug, Default, Clone)]
pub struct Builder {
    name: Option<Arc<str>>,
    must_finish: bool,
    eager: bool,
}

impl Builder {
    /// A builder with no name set.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the task (shown by `all_tasks`, `dump`, and debug warnings).
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(Arc::from(name.into()));
        self
    }

    /// Makes the task eager (asyncio's `eager_task_factory`): `spawn`,
    /// `spawn_on` and `spawn_local` run its first poll right away, on the
    /// calling thread, until its first `Pending` (see
    /// [`spawn_eager`](crate::spawn_eager)). With `spawn_on` this works
    /// from any thread, runtime or not: the first poll runs on the caller's
    /// thread and the task belongs to `handle`'s runtime from then on.
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// // From a plain thread, with no runtime entered:
    /// let task = runtime::task::Builder::new()
    ///     .name("cache-hit")
    ///     .eager()
    ///     .spawn_on(async { "hit" }, rt.handle());
    /// assert!(task.is_done(), "completed in its first poll, never queued");
    /// assert_eq!(task.join_blocking().unwrap(), "hit");
    /// ```
    pub fn eager(mut self) -> Builder {
        self.eager = true;
        self
    }

    /// Marks a blocking job (see [`spawn_blocking`](Self::spawn_blocking))
    /// as one that must finish: a runtime shutdown runs it even if it has
    /// not started yet, waits for it past its deadline, and names it in
    /// its [`ShutdownReport`](crate::ShutdownReport) (a job that flushes
    /// a file, commits a transaction). Other blocking jobs that have not
    /// started are cancelled by a shutdown, and running ones are left
    /// behind at the deadline. No effect on async tasks, which shutdown
    /// always cancels.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    /// let flushed = Arc::new(AtomicBool::new(false));
    /// let rt = runtime::Runtime::new().unwrap();
    /// let flag = flushed.clone();
    /// let _job = runtime::task::Builder::new()
    ///     .name("flush")
    ///     .must_finish()
    ///     .spawn_blocking_on(
    ///         move || {
    ///             std::thread::sleep(std::time::Duration::from_millis(50));
    ///             flag.store(true, Ordering::SeqCst);
    ///         },
    ///         rt.handle(),
    ///     );
    /// let report = rt.shutdown_timeout(std::time::Duration::ZERO);
    /// assert!(flushed.load(Ordering::SeqCst), "shutdown waited for the job");
    /// # let _ = report;
    /// ```
    pub fn must_finish(mut self) -> Builder {
        self.must_finish = true;
        self
    }

    /// Runs `f` on the current runtime's blocking pool, as
    /// [`to_thread`](crate::to_thread), with this builder's name and
    /// [`must_finish`](Self::must_finish) mark.
    ///
    /// # Panics
    /// Panics outside a runtime (see [`spawn_blocking_on`](Self::spawn_blocking_on)).
    #[track_caller]
    pub fn spawn_blocking<F, T>(self, f: F) -> Task<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let location = std::panic::Location::caller();
        crate::context::with_handle("task::Builder::spawn_blocking", |handle| {
            let pool = &handle.shared().blocking;
            pool.spawn_with(f, location, self.name, self.must_finish)
        })
    }

    /// [`spawn_blocking`](Self::spawn_blocking) on `handle`'s runtime, from
    /// any thread.
    #[track_caller]
    pub fn spawn_blocking_on<F, T>(self, f: F, handle: &Handle) -> Task<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let location = std::panic::Location::caller();
        let pool = &handle.shared().blocking;
        pool.spawn_with(f, location, self.name, self.must_finish)
    }

    /// Spawns the task on the current runtime.
    ///
    /// # Panics
    /// Panics outside a runtime (see [`crate::spawn`]).
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let location = std::panic::Location::caller();
        if self.eager {
            // Cloned out: the first poll runs user code, which may enter
            // another runtime (the context's handle must not be borrowed).
            let shared =
                crate::context::with_handle("task::Builder::spawn", |h| h.shared().clone());
            return shared.spawn_with(future, self.name, location, true);
        }
        crate::context::with_handle("task::Builder::spawn", |handle| {
            handle.shared().spawn(future, self.name, location)
        })
    }

    /// Spawns the task on `handle`'s runtime, from any thread.
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let location = std::panic::Location::caller();
        handle
            .shared()
            .spawn_with(future, self.name, location, self.eager)
    }

    /// Spawns a `!Send` task pinned to the current worker.
    ///
    /// # Panics
    /// Panics when not called on a runtime worker thread (see
    /// [`crate::spawn_local`]).
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let location = std::panic::Location::caller();
        crate::scheduler::spawn_local(future, self.name, location, self.eager)
    }
}
