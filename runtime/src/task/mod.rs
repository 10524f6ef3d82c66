//! Tasks: asyncio's `Task`, as one heap allocation driven by an atomic
//! state machine.
//!
//! - `state.rs`: the state word and its transitions (the invariants live there).
//! - `cells.rs`: the memory of task cells (a per-thread cache of freed ones).
//! - `raw.rs`: the allocation, its vtable, the poll/complete routine and wakers.
//! - `join.rs`: [`Task<T>`], the handle that awaits, cancels and inspects a task.
//! - `registry.rs`: the list of live tasks (`all_tasks`, shutdown).
//! - `builder.rs`: [`Builder`], to name a task before spawning it.
//! - `info.rs`: [`TaskInfo`], a snapshot for introspection.
//! - `error.rs`: [`TaskError`].

mod builder;
mod cancel;
mod cells;
mod error;
mod info;
mod join;
pub(crate) mod raw;
pub(crate) mod registry;
pub(crate) mod state;

#[cfg(all(test, runtime_loom))]
pub(crate) mod loom_tests;

pub use builder::Builder;
pub use cancel::{cancel_requested, cancelled, Cancelled};
pub use error::{PanicPayload, TaskError};
pub use info::{TaskId, TaskInfo, TaskState};
pub(crate) use join::CancelHandle;
pub use join::Task;

pub(crate) use info::{spawn_stamp_of, Meta};
pub(crate) use raw::{Header, Notified, RawTask};

/// Where a task goes when it is woken, and how it leaves the registry.
pub(crate) trait Schedule: Send + Sync + 'static {
    /// Queues a task that was woken.
    fn schedule(&self, task: Notified);

    /// Queues a task that woke itself while running (it yielded): it goes
    /// behind the work that is already waiting.
    fn yield_now(&self, task: Notified) {
        self.schedule(task);
    }

    /// Removes a completed task from the registry; true if it was listed
    /// there (the caller then drops the registry's reference too).
    fn release(&self, task: &Header) -> bool;

    /// The runtime the task belongs to, for timers on its behalf
    /// (`cancel_with_grace`). `None` for blocking jobs.
    fn runtime(&self) -> Option<crate::Handle> {
        None
    }

    /// A panic nobody will see (the output is dropped unread): the
    /// runtime applies its `UnhandledPanic` policy.
    fn unhandled_panic(&self, task: &Header, payload: &PanicPayload);
}

/// The span every poll of a task runs in: `task` at `DEBUG` level, target
/// `runtime::task`, with the fields `task.id`, `task.name` (when named)
/// and `task.spawned_at`. A user's own `tracing` events inside a task then
/// say which task they came from (enable with a filter such as
/// `runtime::task=debug`).
///
/// With no subscriber interested (tracing's callsite interest and its
/// global level filter, both cached), this costs one relaxed load and a
/// branch per poll: no span is built and the name is not read.
#[inline]
pub(crate) fn poll_span(header: &Header) -> tracing::Span {
    let span = tracing::debug_span!(
        target: "runtime::task",
        "task",
        task.id = header.id.as_u64(),
        task.name = tracing::field::Empty,
        task.spawned_at = %header.meta.location,
    );
    if !span.is_disabled() {
        record_name(&span, header);
    }
    span
}

/// Out of line: only a subscriber that wants task spans pays for it.
#[cold]
#[inline(never)]
fn record_name(span: &tracing::Span, header: &Header) {
    if let Some(name) = header.meta.name() {
        span.record("task.name", &*name);
    }
}

/// Returns information about the task being polled on this thread, if any
/// (asyncio's `current_task()`).
pub fn current_task() -> Option<TaskInfo> {
    crate::context::current_task().map(|raw| TaskInfo::from_header(raw.header()))
}

/// Returns a snapshot of every task that is alive on the current runtime
/// (asyncio's `all_tasks()`).
///
/// # Panics
/// Panics if called outside a runtime; use [`Handle::all_tasks`] with an
/// explicit handle there.
///
/// [`Handle::all_tasks`]: crate::Handle::all_tasks
pub fn all_tasks() -> Vec<TaskInfo> {
    crate::Handle::current().all_tasks()
}

/// A readable listing of every live task on the current runtime (see
/// [`Handle::dump_tasks`](crate::Handle::dump_tasks)).
///
/// ```
/// # runtime::run(async {
/// let task = runtime::task::Builder::new().name("worker").spawn(std::future::pending::<()>());
/// runtime::yield_now().await;
/// let dump = runtime::dump_tasks();
/// assert!(dump.contains("\"worker\""), "{dump}");
/// task.cancel();
/// # });
/// ```
///
/// # Panics
/// Panics outside a runtime.
pub fn dump_tasks() -> String {
    crate::Handle::current().dump_tasks()
}

/// Spawns a task on the current runtime (asyncio's `create_task`). Tasks
/// start in the order they are spawned.
///
/// ```
/// # runtime::run(async {
/// let task = runtime::spawn(async { "done" });
/// assert_eq!(task.await.unwrap(), "done");
/// # });
/// ```
///
/// # Panics
/// Panics outside a runtime; use [`Handle::spawn`](crate::Handle::spawn)
/// there.
#[track_caller]
pub fn spawn<F>(future: F) -> Task<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let location = std::panic::Location::caller();
    crate::context::with_handle("runtime::spawn", |handle| {
        handle.shared().spawn(future, None, location)
    })
}

/// asyncio's name for [`spawn`].
#[track_caller]
pub fn create_task<F>(future: F) -> Task<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let location = std::panic::Location::caller();
    crate::context::with_handle("runtime::create_task", |handle| {
        handle.shared().spawn(future, None, location)
    })
}

/// Spawns a `!Send` future on the current worker; it is never stolen by
/// another worker, so it may hold `Rc`s and `RefCell`s across awaits.
///
/// ```
/// # runtime::run(async {
/// let outer = runtime::spawn(async {
///     let shared = std::rc::Rc::new(5);
///     let local = runtime::spawn_local(async move { *shared * 2 });
///     local.await.unwrap()
/// });
/// assert_eq!(outer.await.unwrap(), 10);
/// # });
/// ```
///
/// # Panics
/// Panics when not called on a runtime worker thread (for example directly
/// in `block_on`'s future): spawn a task and call it there.
#[track_caller]
pub fn spawn_local<F>(future: F) -> Task<F::Output>
where
    F: std::future::Future + 'static,
    F::Output: 'static,
{
    crate::scheduler::spawn_local(future, None, std::panic::Location::caller(), false)
}

/// Spawns an eager task (asyncio's `eager_task_factory`): its first poll
/// runs right away, on this thread, inside the caller's own poll, until
/// its first `Pending`. A future that completes at once (a cache hit, a
/// ready value) then costs no queue push, no wake-up and no trip through
/// a worker: the returned [`Task`] is already done. One that returns
/// `Pending` becomes an ordinary task, woken and run by the workers.
/// Otherwise the same as [`spawn`]: a `Task` to await, cancel, name or
/// inspect; panics caught; listed by `all_tasks` while alive; and
/// [`current_task`] inside is the new task.
///
/// Any thread with a current runtime may spawn eagerly (the first poll
/// then runs on that thread; `Handle::enter` or `block_on` provide the
/// runtime): see [`Builder::eager`] to spawn eagerly onto a given
/// [`Handle`](crate::Handle) from anywhere.
///
/// ```
/// # runtime::run(async {
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// let ran = Arc::new(AtomicBool::new(false));
/// let flag = ran.clone();
/// let task = runtime::spawn_eager(async move {
///     flag.store(true, Ordering::SeqCst);
///     42
/// });
/// // The body already ran, before any await of the caller.
/// assert!(ran.load(Ordering::SeqCst));
/// assert!(task.is_done());
/// assert_eq!(task.await.unwrap(), 42);
/// # });
/// ```
///
/// # Panics
/// Panics outside a runtime, as [`spawn`] does.
#[track_caller]
pub fn spawn_eager<F>(future: F) -> Task<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let location = std::panic::Location::caller();
    // Cloned out: the first poll runs user code, which may enter another
    // runtime (the context's handle must not be borrowed meanwhile).
    let shared = crate::context::with_handle("runtime::spawn_eager", |h| h.shared().clone());
    shared.spawn_with(future, None, location, true)
}
