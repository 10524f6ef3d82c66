//! The public face of the blocking pool: [`to_thread`],
//! [`run_in_executor`] and [`ThreadPoolExecutor`].

use super::{Pool, PoolConfig};
use crate::task::Task;
use crate::Handle;
use std::fmt;
use std::panic::Location;
use std::time::Duration;

/// Runs a blocking closure on the current runtime's blocking pool and
/// returns a future of its result (asyncio's `asyncio.to_thread`).
///
/// The event loops keep running meanwhile. A panic in `f` becomes
/// `TaskError::Panicked`; dropping the returned [`Task`] detaches the call.
///
/// ```
/// # runtime::run(async {
/// let sum = runtime::to_thread(|| (1..=10).sum::<u32>()).await.unwrap();
/// assert_eq!(sum, 55);
/// # });
/// ```
///
/// # Panics
/// Panics outside a runtime.
#[track_caller]
pub fn to_thread<F, T>(f: F) -> Task<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let location = Location::caller();
    crate::context::with_handle("runtime::to_thread", |handle| {
        handle.shared().blocking.spawn(f, location)
    })
}

/// The same as [`to_thread`], under tokio's name.
#[track_caller]
pub fn spawn_blocking<F, T>(f: F) -> Task<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    to_thread(f)
}

/// asyncio's `loop.run_in_executor(executor, f)` on the current runtime:
/// `None` is the runtime's own blocking pool, `Some` a dedicated
/// [`ThreadPoolExecutor`].
///
/// # Panics
/// With `None`, panics outside a runtime.
#[track_caller]
pub fn run_in_executor<F, T>(executor: Option<&ThreadPoolExecutor>, f: F) -> Task<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match executor {
        Some(executor) => executor.pool.spawn(f, Location::caller()),
        None => to_thread(f),
    }
}

/// A dedicated pool of threads for blocking calls (Python's
/// `concurrent.futures.ThreadPoolExecutor`), independent of any runtime:
/// its results can be awaited on any runtime or joined from any thread.
///
/// ```
/// use runtime::ThreadPoolExecutor;
/// let pool = ThreadPoolExecutor::new(2);
/// # runtime::run(async {
/// let n = runtime::run_in_executor(Some(&pool), || 21 * 2).await.unwrap();
/// assert_eq!(n, 42);
/// # });
/// pool.shutdown(true);
/// ```
pub struct ThreadPoolExecutor {
    pool: Pool,
}

/// How long an idle executor thread waits before it exits.
const EXECUTOR_KEEP_ALIVE: Duration = Duration::from_secs(10);

impl ThreadPoolExecutor {
    /// A pool of at most `max_workers` threads, started on demand.
    ///
    /// # Panics
    /// Panics if `max_workers` is zero, like Python's (`ValueError`).
    #[track_caller]
    pub fn new(max_workers: usize) -> ThreadPoolExecutor {
        assert!(
            max_workers > 0,
            "ThreadPoolExecutor::new: max_workers must be greater than 0"
        );
        ThreadPoolExecutor {
            pool: Pool::new(PoolConfig {
                max_threads: max_workers,
                keep_alive: EXECUTOR_KEEP_ALIVE,
                thread_name: "runtime-exec".to_string(),
                stack_size: None,
                on_thread_start: None,
                on_thread_stop: None,
            }),
        }
    }

    /// Submits `f`; the returned [`Task`] resolves to its result. After
    /// [`shutdown`](Self::shutdown), submissions resolve to `Cancelled`.
    #[track_caller]
    pub fn run<F, T>(&self, f: F) -> Task<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.pool.spawn(f, Location::caller())
    }

    /// Stops accepting work. Jobs already submitted still run; with `wait`,
    /// blocks until they have all finished and the threads have exited.
    pub fn shutdown(&self, wait: bool) {
        let _ = self.pool.shutdown(false, None);
        if wait {
            self.pool.wait_idle_forever();
        }
    }

    /// The most threads this pool runs at once.
    pub fn max_workers(&self) -> usize {
        self.pool.max_threads()
    }

    /// Threads alive now.
    pub fn num_threads(&self) -> usize {
        self.pool.num_threads()
    }
}

impl Drop for ThreadPoolExecutor {
    /// Stops accepting work without waiting: queued jobs still run and the
    /// threads exit when the queue is empty.
    fn drop(&mut self) {
        let _ = self.pool.shutdown(false, None);
    }
}

impl fmt::Debug for ThreadPoolExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPoolExecutor")
            .field("max_workers", &self.max_workers())
            .finish_non_exhaustive()
    }
}

impl Handle {
    /// Runs a blocking closure on this runtime's blocking pool, from any
    /// thread (inside the runtime or not), and returns its [`Task`]:
    /// `.await` it, or [`join_blocking`](Task::join_blocking) it from a
    /// plain thread. [`to_thread`] for a handle.
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// // From a plain thread, no runtime context needed.
    /// let answer = std::thread::spawn(move || {
    ///     handle.spawn_blocking(|| 6 * 7).join_blocking().unwrap()
    /// })
    /// .join()
    /// .unwrap();
    /// assert_eq!(answer, 42);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, T>(&self, f: F) -> Task<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.shared().blocking.spawn(f, Location::caller())
    }

    /// The same as [`Handle::spawn_blocking`], under asyncio's name.
    #[track_caller]
    pub fn to_thread<F, T>(&self, f: F) -> Task<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.shared().blocking.spawn(f, Location::caller())
    }

    /// asyncio's `loop.run_in_executor(executor, f)`: `None` runs `f` on
    /// this runtime's blocking pool, `Some` on a dedicated executor.
    #[track_caller]
    pub fn run_in_executor<F, T>(&self, executor: Option<&ThreadPoolExecutor>, f: F) -> Task<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        match executor {
            Some(executor) => executor.pool.spawn(f, Location::caller()),
            None => self.shared().blocking.spawn(f, Location::caller()),
        }
    }
}
