//! [`Builder`]: configures and starts a [`Runtime`].

use crate::blocking::{Pool, PoolConfig};
use crate::scheduler::{idle::MAX_WORKERS, monitor, worker, Config, Shared};
use crate::{Handle, Runtime};
use crossbeam_deque::Worker;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

/// Default ceiling of the blocking pool (tokio's and the issue's figure):
/// enough for many slow calls at once, bounded so a runaway cannot exhaust
/// the process's threads.
pub const DEFAULT_MAX_BLOCKING_THREADS: usize = 512;

/// How long an idle blocking thread lingers before exiting by default.
pub const DEFAULT_BLOCKING_KEEP_ALIVE: Duration = Duration::from_secs(10);

/// asyncio's `slow_callback_duration`: in debug mode, polls longer than
/// this are reported.
pub const DEFAULT_SLOW_POLL_THRESHOLD: Duration = Duration::from_millis(100);

/// The stall watchdog's default threshold (`Builder::stall_threshold`): a
/// poll running this long is reported. asyncio's debug-mode figure, but on
/// always: a stuck event loop is worth knowing about in production too.
pub const DEFAULT_STALL_THRESHOLD: Duration = Duration::from_millis(100);

/// The environment variable that turns debug mode on (`1` or `true`),
/// like `PYTHONASYNCIODEBUG`.
pub const DEBUG_ENV_VAR: &str = "RUNTIME_DEBUG";

/// What the runtime does with a panic nobody will see: a task that panicked
/// after its [`Task`](crate::Task) handle was dropped (a detached task), or
/// whose handle is dropped without its result being taken (asyncio's "Task
/// exception was never retrieved"). A panic whose result is awaited is
/// the awaiter's to handle, whatever the policy.
///
/// Set with [`Builder::unhandled_panic`] or
/// `#[runtime::main(unhandled_panic = "shutdown_runtime")]`.
///
/// ```should_panic
/// use runtime::UnhandledPanic;
/// let rt = runtime::Runtime::builder()
///     .unhandled_panic(UnhandledPanic::ShutdownRuntime)
///     .build()
///     .unwrap();
/// rt.block_on(async {
///     drop(runtime::spawn(async { panic!("boom") })); // detached
///     runtime::sleep(std::time::Duration::from_secs(3600)).await;
/// }); // panics: "... task N spawned at src/main.rs:7:10 panicked: boom"
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnhandledPanic {
    /// Drop it silently (the panic hook has already printed it, as for
    /// any panic).
    Ignore,
    /// Log it at `error` through `tracing`, naming the task (id, name,
    /// spawn site) and the panic message. The default, as asyncio logs
    /// "Task exception was never retrieved".
    #[default]
    Log,
    /// Log it, then shut the runtime down: every task is cancelled, and
    /// [`Runtime::block_on`] (so `#[runtime::main]` and `runtime::run`) and
    /// [`Runtime::run_forever`] panic with a message naming the task (id,
    /// name, spawn site) and its panic message. The first such panic wins.
    /// `#[runtime::test]`'s default, so a test whose background task
    /// panics fails instead of hanging or passing.
    ShutdownRuntime,
}

impl UnhandledPanic {
    /// The policy's name as the macros spell it: `"ignore"`, `"log"`,
    /// `"shutdown_runtime"`.
    pub fn as_str(self) -> &'static str {
        match self {
            UnhandledPanic::Ignore => "ignore",
            UnhandledPanic::Log => "log",
            UnhandledPanic::ShutdownRuntime => "shutdown_runtime",
        }
    }
}

impl fmt::Display for UnhandledPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Configures a [`Runtime`] (asyncio's `new_event_loop`, with knobs).
///
/// ```
/// let rt = runtime::Runtime::builder()
///     .workers(2)
///     .max_blocking_threads(16)
///     .thread_name("my-app")
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
pub struct Builder {
    workers: Option<usize>,
    max_blocking_threads: usize,
    blocking_keep_alive: Duration,
    thread_name: String,
    thread_stack_size: Option<usize>,
    debug: Option<bool>,
    slow_poll_threshold: Duration,
    stall_threshold: Option<Duration>,
    unhandled_panic: UnhandledPanic,
    on_thread_start: Option<Arc<dyn Fn() + Send + Sync>>,
    on_thread_stop: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl Builder {
    /// A builder with the defaults: one worker per CPU, up to
    /// [`DEFAULT_MAX_BLOCKING_THREADS`] blocking threads.
    pub fn new() -> Builder {
        Builder {
            workers: None,
            max_blocking_threads: DEFAULT_MAX_BLOCKING_THREADS,
            blocking_keep_alive: DEFAULT_BLOCKING_KEEP_ALIVE,
            thread_name: "runtime".to_string(),
            thread_stack_size: None,
            debug: None,
            slow_poll_threshold: DEFAULT_SLOW_POLL_THRESHOLD,
            stall_threshold: Some(DEFAULT_STALL_THRESHOLD),
            unhandled_panic: UnhandledPanic::default(),
            on_thread_start: None,
            on_thread_stop: None,
        }
    }

    /// The number of worker threads (event loops). Default: the number of
    /// CPUs. `build` rejects 0 and absurd counts.
    pub fn workers(mut self, n: usize) -> Builder {
        self.workers = Some(n);
        self
    }

    /// The most threads the blocking pool may run at once.
    pub fn max_blocking_threads(mut self, n: usize) -> Builder {
        self.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking thread waits for work before exiting.
    pub fn blocking_keep_alive(mut self, keep_alive: Duration) -> Builder {
        self.blocking_keep_alive = keep_alive;
        self
    }

    /// The name prefix of the runtime's threads (default `runtime`):
    /// workers are `{name}-w{i}`, blocking threads `{name}-blk`, the
    /// monitor `{name}-mon`. Linux keeps 15 bytes of a thread's name (what
    /// `top`, `perf` and `/proc` show), so a longer prefix is shortened to
    /// fit the suffix in.
    ///
    /// ```
    /// let rt = runtime::Runtime::builder().workers(1).thread_name("api").build().unwrap();
    /// let task = rt.spawn(async { std::thread::current().name().unwrap().to_string() });
    /// assert_eq!(rt.block_on(task).unwrap(), "api-w0");
    /// ```
    pub fn thread_name(mut self, name: impl Into<String>) -> Builder {
        self.thread_name = name.into();
        self
    }

    /// The stack size of every thread the runtime starts.
    pub fn thread_stack_size(mut self, bytes: usize) -> Builder {
        self.thread_stack_size = Some(bytes);
        self
    }

    /// asyncio's debug mode: warn about slow polls (see
    /// [`slow_poll_threshold`](Self::slow_poll_threshold)). Default: off,
    /// unless the environment variable [`DEBUG_ENV_VAR`] is `1` or `true`.
    pub fn debug(mut self, enabled: bool) -> Builder {
        self.debug = Some(enabled);
        self
    }

    /// In debug mode, a poll longer than this is reported with the task's
    /// name, spawn location and duration.
    pub fn slow_poll_threshold(mut self, threshold: Duration) -> Builder {
        self.slow_poll_threshold = threshold;
        self
    }

    /// The stall watchdog: a poll that keeps its worker busy this long is
    /// logged once at `warn` through `tracing`, naming the task (id, name,
    /// spawn site) and the worker, in every build and mode. Default:
    /// [`DEFAULT_STALL_THRESHOLD`]; `None` turns the reports off.
    ///
    /// Independently of this setting, a worker stuck in one poll for about
    /// a millisecond has its I/O, timers and queued tasks served by the
    /// other workers until it returns (only its `spawn_local` tasks wait
    /// for it). On a single-worker runtime there is nobody to take over:
    /// its timers and sockets wait for the poll to end, and the watchdog
    /// still reports it.
    ///
    /// `build` rejects a zero threshold.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = runtime::Runtime::builder()
    ///     .stall_threshold(Some(Duration::from_millis(20)))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// let quiet = runtime::Runtime::builder().stall_threshold(None).build().unwrap();
    /// # drop(quiet);
    /// assert!(runtime::Runtime::builder()
    ///     .stall_threshold(Some(Duration::ZERO))
    ///     .build()
    ///     .is_err());
    /// ```
    pub fn stall_threshold(mut self, threshold: Option<Duration>) -> Builder {
        self.stall_threshold = threshold;
        self
    }

    /// What to do with a panic nobody will see (see [`UnhandledPanic`]).
    /// Default: [`UnhandledPanic::Log`].
    ///
    /// ```
    /// let rt = runtime::Runtime::builder()
    ///     .unhandled_panic(runtime::UnhandledPanic::Ignore)
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     drop(runtime::spawn(async { panic!("ignored") }));
    ///     runtime::sleep(std::time::Duration::from_millis(10)).await;
    /// });
    /// ```
    pub fn unhandled_panic(mut self, policy: UnhandledPanic) -> Builder {
        self.unhandled_panic = policy;
        self
    }

    /// Runs `f` on each thread the runtime starts (workers and blocking
    /// threads), before it takes any work. (The runtime's monitor thread,
    /// which runs no user code, does not call it.)
    pub fn on_thread_start(mut self, f: impl Fn() + Send + Sync + 'static) -> Builder {
        self.on_thread_start = Some(Arc::new(f));
        self
    }

    /// Runs `f` on each runtime thread as it exits.
    pub fn on_thread_stop(mut self, f: impl Fn() + Send + Sync + 'static) -> Builder {
        self.on_thread_stop = Some(Arc::new(f));
        self
    }

    /// Starts the runtime's threads.
    ///
    /// # Errors
    /// `InvalidInput` for a worker count of 0 or above 1024, a blocking
    /// limit of 0 or a zero stall threshold; the OS error if a thread or
    /// poller cannot be created.
    pub fn build(self) -> io::Result<Runtime> {
        let workers = self.workers.unwrap_or_else(num_cpus::get);
        if workers == 0 {
            return Err(invalid(
                "worker count must be at least 1, got 0".to_string(),
            ));
        }
        if workers > MAX_RUNTIME_WORKERS {
            return Err(invalid(format!(
                "worker count {workers} is absurd: at most {MAX_RUNTIME_WORKERS} workers are \
                 allowed (one per CPU is the default)"
            )));
        }
        if self.max_blocking_threads == 0 {
            return Err(invalid(
                "max_blocking_threads must be at least 1, got 0".to_string(),
            ));
        }
        if self.stall_threshold == Some(Duration::ZERO) {
            return Err(invalid(
                "stall_threshold must be longer than zero (every poll would be a stall); \
                 use stall_threshold(None) to turn the watchdog off"
                    .to_string(),
            ));
        }
        let debug_mode = self.debug.unwrap_or_else(|| {
            std::env::var(DEBUG_ENV_VAR).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
        });

        let pool = Pool::new(PoolConfig {
            max_threads: self.max_blocking_threads,
            keep_alive: self.blocking_keep_alive,
            thread_name: thread_name(&self.thread_name, "-blk"),
            stack_size: self.thread_stack_size,
            on_thread_start: self.on_thread_start.clone(),
            on_thread_stop: self.on_thread_stop.clone(),
        });
        let locals: Vec<Worker<_>> = (0..workers).map(|_| Worker::new_fifo()).collect();
        let stealers = locals.iter().map(Worker::stealer).collect();
        let config = Config {
            num_workers: workers,
            debug: debug_mode,
            slow_poll_threshold: self.slow_poll_threshold,
            stall_threshold: self.stall_threshold,
            unhandled_panic: self.unhandled_panic,
            thread_name: self.thread_name,
            thread_stack_size: self.thread_stack_size,
            on_thread_start: self.on_thread_start,
            on_thread_stop: self.on_thread_stop,
        };
        let shared = Arc::new(Shared::new(config, stealers, pool)?);
        shared.blocking.set_runtime(Arc::downgrade(&shared));

        let mut threads = Vec::with_capacity(workers);
        for (index, local) in locals.into_iter().enumerate() {
            let mut builder = std::thread::Builder::new().name(thread_name(
                &shared.config.thread_name,
                &format!("-w{index}"),
            ));
            if let Some(size) = shared.config.thread_stack_size {
                builder = builder.stack_size(size);
            }
            let worker_shared = shared.clone();
            match builder.spawn(move || worker::run_worker(worker_shared, index, local)) {
                Ok(thread) => threads.push(thread),
                Err(error) => {
                    // Unwind what started: the runtime drop below waits for
                    // the started workers; the others never will exit.
                    for never_started in index..workers {
                        shared.worker_exited(never_started);
                    }
                    drop(Runtime::from_parts(Handle::from_shared(shared), threads));
                    return Err(io::Error::new(
                        error.kind(),
                        format!("failed to start runtime worker thread {index}: {error}"),
                    ));
                }
            }
        }
        let mut builder =
            std::thread::Builder::new().name(thread_name(&shared.config.thread_name, "-mon"));
        if let Some(size) = shared.config.thread_stack_size {
            builder = builder.stack_size(size);
        }
        let monitor_shared = shared.clone();
        match builder.spawn(move || monitor::run_monitor(monitor_shared)) {
            Ok(thread) => threads.push(thread),
            Err(error) => {
                drop(Runtime::from_parts(Handle::from_shared(shared), threads));
                return Err(io::Error::new(
                    error.kind(),
                    format!("failed to start the runtime's monitor thread: {error}"),
                ));
            }
        }
        tracing::debug!(workers, debug_mode, "runtime started");
        Ok(Runtime::from_parts(Handle::from_shared(shared), threads))
    }
}

/// More workers than this is a mistake, not a configuration: each is an OS
/// thread with its own poller.
const MAX_RUNTIME_WORKERS: usize = if MAX_WORKERS < 1024 {
    MAX_WORKERS
} else {
    1024
};

fn invalid(message: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("Runtime::builder(): {message}"),
    )
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("workers", &self.workers)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("blocking_keep_alive", &self.blocking_keep_alive)
            .field("thread_name", &self.thread_name)
            .field("thread_stack_size", &self.thread_stack_size)
            .field("debug", &self.debug)
            .field("slow_poll_threshold", &self.slow_poll_threshold)
            .field("stall_threshold", &self.stall_threshold)
            .field("unhandled_panic", &self.unhandled_panic)
            .finish_non_exhaustive()
    }
}

/// The most of a thread name Linux keeps (`TASK_COMM_LEN` less the NUL).
const THREAD_NAME_MAX: usize = 15;

/// `prefix` + `suffix`, the prefix cut (at a character boundary) so the
/// whole fits [`THREAD_NAME_MAX`] bytes.
fn thread_name(prefix: &str, suffix: &str) -> String {
    let room = THREAD_NAME_MAX.saturating_sub(suffix.len());
    let mut end = prefix.len().min(room);
    while !prefix.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{suffix}", &prefix[..end])
}

#[cfg(test)]
mod thread_name_tests {
    use super::thread_name;

    #[test]
    fn names_fit_linux_s_fifteen_bytes() {
        assert_eq!(thread_name("runtime", "-w0"), "runtime-w0");
        assert_eq!(thread_name("runtime", "-blk"), "runtime-blk");
        assert_eq!(
            thread_name("a-very-long-service-name", "-w12"),
            "a-very-long-w12"
        );
        assert_eq!(thread_name("a-very-long-service-name", "-w12").len(), 15);
        // Cut at a character boundary, never inside one.
        assert_eq!(thread_name("ééééééééé", "-mon"), "ééééé-mon");
    }
}
