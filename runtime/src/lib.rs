//! `runtime`: an async runtime shaped like Python's asyncio, built for speed.
//!
//! - Per-core event loops (workers) that steal tasks from each other, with
//!   a LIFO slot for message passing and a fair global queue.
//! - A blocking pool for calls that would stall a loop: [`to_thread`],
//!   [`run_in_executor`], [`ThreadPoolExecutor`].
//! - [`run`] and `#[runtime::main]`, which work like `asyncio.run`.
//! - Any thread can hand work to any runtime through a [`Handle`]
//!   (`run_coroutine_threadsafe`, `call_soon_threadsafe`).
//! - Sockets ([`net`]: TCP, UDP, Unix domain) on each worker's poller, with
//!   `futures_io` traits and plain `read`/`write_all` methods.
//! - asyncio's streams ([`streams`]): `open_connection`, `start_server`,
//!   `readline`/`readuntil`/`readexactly`, `write` + `drain`.
//! - Files off the loops ([`fs`]), child processes ([`process`]) and Unix
//!   signals ([`signal`]).
//! - asyncio's toolbox: composition ([`gather!`], [`wait`], [`as_completed`],
//!   [`shield`], [`TaskGroup`], [`Promise`]) and synchronisation ([`sync`]:
//!   `Lock`, `Event`, `Condition`, `Semaphore`, `Barrier`, queues).
//!
//! # Quick start
//!
//! ```
//! use std::time::Duration;
//!
//! async fn say_after(delay: Duration, what: &str) -> String {
//!     runtime::sleep(delay).await;
//!     what.to_string()
//! }
//!
//! #[runtime::main]
//! async fn main() {
//!     let hello = runtime::spawn(say_after(Duration::from_millis(10), "hello"));
//!     let world = runtime::spawn(say_after(Duration::from_millis(20), "world"));
//!     let checksum = runtime::to_thread(|| (1..=1000u64).sum::<u64>());
//!     println!("{} {}", hello.await.unwrap(), world.await.unwrap());
//!     assert_eq!(checksum.await.unwrap(), 500_500);
//! }
//! ```
//!
//! # asyncio, side by side
//!
//! | asyncio | runtime |
//! |---|---|
//! | `asyncio.run(main())` | [`run`]`(main())` or `#[runtime::main]` |
//! | `asyncio.create_task(c)` | [`spawn`]`(fut)` / [`create_task`] → [`Task`] |
//! | `await asyncio.sleep(d)` | [`sleep`]`(d).await` |
//! | `asyncio.wait_for(c, t)` | [`timeout`]`(t, fut).await` |
//! | `asyncio.to_thread(f)` | [`to_thread`]`(f).await` |
//! | `loop.call_soon_threadsafe(cb)` | [`Handle::call_soon`] |
//! | `asyncio.run_coroutine_threadsafe(c, loop)` | [`Handle::spawn`] + [`Task::join_blocking`] |
//! | `asyncio.gather(a, b)` | [`gather!`]`(a, b).await` |
//! | `asyncio.TaskGroup()` | [`TaskGroup`] |
//! | `asyncio.Queue()` | [`sync::Queue`] |
//! | `asyncio.open_connection(h, p)` | [`streams::open_connection`]`(h, p).await` |
//!
//! `docs/architecture.md` in the repository explains how a task flows from
//! spawn to completion, and the invariants that keep it correct.
//!
//! # Platform
//! Linux only (epoll, pidfd, Linux signal numbers); a build for any other
//! system stops with one compile error saying so.

#![warn(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

#[cfg(not(target_os = "linux"))]
compile_error!(
    "runtime supports Linux only: each event loop's sockets live in an epoll set, child \
     processes are watched through pidfds and signals use Linux's numbers (see the README)"
);

mod blocking;
mod builder;
mod combinators;
mod contain;
mod context;
mod coop;
pub mod fs;
#[cfg(feature = "hyper")]
pub mod hyper;
pub mod io;
pub(crate) mod loom;
pub mod metrics;
pub mod net;
#[cfg(unix)]
pub mod process;
mod reactor;
mod runtime;
mod scheduler;
mod shutdown;
#[cfg(unix)]
pub mod signal;
pub mod streams;
pub mod sync;
mod sys;
pub mod task;
pub mod time;
#[cfg(feature = "tokio-io")]
mod tokio_io;

/// docs/ecosystem.md's snippets, run as doctests (all features on).
#[cfg(all(doctest, feature = "hyper", feature = "tokio-io"))]
#[doc = include_str!("../../docs/ecosystem.md")]
mod ecosystem_doctests {}

/// Entry points for the fuzz targets in `fuzz/`, built only under
/// `--cfg fuzzing` (which `cargo fuzz` sets); not part of the API.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzz {
    /// Runs one `StreamReader` case decoded from `input` (limit, chunk
    /// sizes, calls, data) against the model in `streams/model.rs`;
    /// panics where the reader and the model disagree.
    pub fn stream_reader(input: &[u8]) {
        crate::streams::model::check_bytes(input);
    }
}

pub use blocking::{run_in_executor, spawn_blocking, to_thread, ThreadPoolExecutor};
pub use builder::{
    Builder, UnhandledPanic, DEBUG_ENV_VAR, DEFAULT_BLOCKING_KEEP_ALIVE,
    DEFAULT_MAX_BLOCKING_THREADS, DEFAULT_SLOW_POLL_THRESHOLD, DEFAULT_STALL_THRESHOLD,
};
#[doc(hidden)]
pub use combinators::macro_support as __private;
pub use combinators::{
    as_completed, gather, shield, try_gather, wait, wait_for, AsCompleted, AsCompletedTimeout,
    CancelOnDrop, Gather, InvalidState, Promise, PromiseError, PromiseFuture, ReturnWhen, Shield,
    TaskFailure, TaskGroup, TaskGroupClosed, TaskGroupError, TaskGroupHandle, TaskGroupJoin,
    TryGather, Wait, WaitFor,
};
pub use context::EnterGuard;
pub use coop::yield_now;
pub use metrics::{BlockingMetrics, RuntimeMetrics, WorkerMetrics};
pub use runtime::{Handle, Runtime, TimerHandle, DEFAULT_SHUTDOWN_TIMEOUT};
pub use runtime_macros::{main, test};
pub use shutdown::{ShutdownReport, Straggler, StragglerKind};
pub use task::{
    all_tasks, create_task, current_task, dump_tasks, spawn, spawn_eager, spawn_local,
    PanicPayload, Task, TaskError, TaskId, TaskInfo, TaskState,
};
pub use time::{deadline, deadline_at, Deadline, DeadlineHandle};
pub use time::{
    interval, interval_at, sleep, sleep_until, timeout, timeout_at, Interval, Sleep, TimeoutError,
};

/// Runs `future` to completion on a new runtime with the default settings,
/// then shuts it down: every task still alive is cancelled and its future
/// dropped, and the blocking pool is stopped (asyncio's `asyncio.run`).
///
/// ```
/// let n = runtime::run(async { runtime::spawn(async { 1 }).await.unwrap() + 1 });
/// assert_eq!(n, 2);
/// ```
///
/// # Panics
/// Panics if the runtime cannot start (see [`Builder::build`]), or when
/// called on a runtime worker thread.
#[track_caller]
pub fn run<F: std::future::Future>(future: F) -> F::Output {
    let rt = Runtime::new()
        .unwrap_or_else(|error| panic!("runtime::run: failed to start the runtime: {error}"));
    rt.block_on(future)
}
