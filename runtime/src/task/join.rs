//! [`Task<T>`]: the handle to a spawned task (asyncio's `Task`).

use super::raw::RawTask;
use super::{TaskError, TaskId, TaskInfo};
use crate::combinators::CancelOnDrop;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// A handle to a spawned task: await it for the task's output.
///
/// `Task<T>` is a `Future` of `Result<T, TaskError>`: `Ok` with the output,
/// or [`TaskError::Cancelled`] / [`TaskError::Panicked`]. Dropping the
/// handle *detaches* the task: it keeps running and its output is dropped
/// (use [`cancel`](Task::cancel) to stop it). This is asyncio's `Task`,
/// except that asyncio keeps a dropped task only weakly referenced.
///
/// ```
/// # runtime::run(async {
/// let task = runtime::spawn(async { 6 * 7 });
/// assert_eq!(task.await.unwrap(), 42);
/// # });
/// ```
pub struct Task<T> {
    raw: RawTask,
    /// The output was handed out (by `poll` or `try_result`).
    taken: bool,
    _output: PhantomData<T>,
}

// SAFETY: the handle only moves the output `T` to whichever thread holds
// it, so it is `Send` (and `Sync`: `&Task` reads no `T`) when `T: Send`.
unsafe impl<T: Send> Send for Task<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Task<T> {}

impl<T> Unpin for Task<T> {}

impl<T> Task<T> {
    /// # Safety
    /// `raw` carries the reference created for the handle, and `T` is the
    /// output type of the task's future.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Task<T> {
        Task {
            raw,
            taken: false,
            _output: PhantomData,
        }
    }

    pub(crate) fn raw(&self) -> RawTask {
        self.raw
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.raw.header().id
    }

    /// The task's name, if it has one.
    pub fn name(&self) -> Option<String> {
        self.raw.header().meta.name().map(|n| n.to_string())
    }

    /// Names (or renames) the task; the name shows in [`TaskInfo`] and in
    /// debug-mode warnings.
    pub fn set_name(&self, name: impl Into<String>) {
        let name: String = name.into();
        self.raw.header().meta.set_name(Some(Arc::from(name)));
    }

    /// True once the task has finished (with an output, cancelled, or
    /// panicked).
    pub fn is_done(&self) -> bool {
        self.raw.state().is_complete()
    }

    /// True if the task finished because it was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.info().state() == super::TaskState::Cancelled
    }

    /// Requests cancellation: the task's future is dropped at its next
    /// scheduling point (at once if it is waiting), on the worker that owns
    /// it, and the task resolves to [`TaskError::Cancelled`]. Returns false
    /// if the task had already finished.
    pub fn cancel(&self) -> bool {
        self.raw.cancel()
    }

    /// The task's output if it has finished, `None` while it runs
    /// (asyncio's `Task.result()` raising `InvalidStateError`). The output
    /// is moved out: later calls return `None` and awaiting the task after
    /// that panics.
    pub fn try_result(&mut self) -> Option<Result<T, TaskError>> {
        if self.taken || !self.is_done() {
            return None;
        }
        let mut out = Poll::Pending;
        // SAFETY: we are the handle and `T` is the task's output type.
        unsafe {
            self.raw
                .try_read_output(&mut out as *mut _ as *mut (), Waker::noop())
        };
        match out {
            Poll::Ready(result) => {
                self.taken = true;
                Some(result)
            }
            Poll::Pending => None,
        }
    }

    /// Runs `callback` with a snapshot of the task once it finishes (at once
    /// if it already has), on the thread that finishes it. asyncio's
    /// `add_done_callback`; the output itself stays with the handle.
    pub fn add_done_callback(&self, callback: impl FnOnce(&TaskInfo) + Send + 'static) {
        let header = self.raw.header();
        header.meta.add_done_callback(header, Box::new(callback));
    }

    /// Like [`add_done_callback`](Task::add_done_callback), returning the
    /// callback's id for [`remove_done_callback`](Task::remove_done_callback)
    /// (`None`: the task had finished and the callback already ran).
    pub(crate) fn add_done_callback_keyed(
        &self,
        callback: impl FnOnce(&TaskInfo) + Send + 'static,
    ) -> Option<u64> {
        let header = self.raw.header();
        header.meta.add_done_callback(header, Box::new(callback))
    }

    /// Forgets a callback added with `add_done_callback_keyed` that has not
    /// run yet.
    pub(crate) fn remove_done_callback(&self, id: u64) {
        self.raw.header().meta.remove_done_callback(id);
    }

    /// A snapshot of the task: id, name, state, spawn location, age, polls.
    pub fn info(&self) -> TaskInfo {
        TaskInfo::from_header(self.raw.header())
    }

    /// Turns the handle into a future that **cancels** the task if it is
    /// dropped before the task finished (a plain `Task` detaches instead).
    ///
    /// This is what combinators that give up on a future rely on:
    /// [`try_gather`](crate::try_gather) drops the futures it no longer
    /// needs, and a `CancelOnDrop` among them cancels its task.
    ///
    /// ```
    /// # runtime::run(async {
    /// use std::time::Duration;
    /// let task = runtime::spawn(runtime::sleep(Duration::from_secs(60)));
    /// let guard = task.cancel_on_drop();
    /// let probe = guard.task().id();
    /// drop(guard); // the sleeping task is cancelled, not detached
    /// # let _ = probe;
    /// # });
    /// ```
    pub fn cancel_on_drop(self) -> CancelOnDrop<T> {
        CancelOnDrop::new(self)
    }

    /// A handle that can only cancel the task (tokio's `AbortHandle`): it
    /// counts a reference, so the task's memory stays valid, but it has no
    /// interest in the output. `TaskGroup` keeps one per member.
    pub(crate) fn cancel_handle(&self) -> CancelHandle {
        self.raw.header().state.ref_inc();
        CancelHandle { raw: self.raw }
    }

    /// Blocks this thread until the task finishes and returns its output:
    /// the other half of asyncio's `run_coroutine_threadsafe`, for threads
    /// that are not running the runtime.
    ///
    /// On a runtime worker thread this returns [`TaskError::WouldDeadlock`]
    /// at once (the task keeps running, detached): blocking a worker could
    /// starve the very task being waited for.
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let answer = std::thread::spawn(move || {
    ///     handle.spawn(async { 42 }).join_blocking().unwrap()
    /// })
    /// .join()
    /// .unwrap();
    /// assert_eq!(answer, 42);
    /// ```
    pub fn join_blocking(self) -> Result<T, TaskError> {
        if crate::context::is_worker_thread() {
            return Err(TaskError::WouldDeadlock);
        }
        crate::scheduler::park::block_on_thread(self)
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        assert!(
            !self.taken,
            "a Task was polled after its output was taken (by .await or try_result)"
        );
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        let mut out = Poll::Pending;
        // SAFETY: we are the handle and `T` is the task's output type.
        unsafe {
            self.raw
                .try_read_output(&mut out as *mut _ as *mut (), cx.waker())
        };
        if out.is_ready() {
            self.taken = true;
            coop.made_progress();
        }
        out
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        // SAFETY: called once, as the handle goes away.
        unsafe { self.raw.drop_join_handle() }
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.id())
            .field("state", &self.info().state())
            .finish()
    }
}

/// Cancels a task without owning its output (see [`Task::cancel_handle`]).
///
/// # Invariant
/// Holds one counted reference to the task (taken by `ref_inc` in
/// `cancel_handle`, given back in `Drop`), the way a waker does.
pub(crate) struct CancelHandle {
    raw: RawTask,
}

impl CancelHandle {
    /// Requests cancellation, as [`Task::cancel`] does. Returns false if the
    /// task had already finished.
    pub(crate) fn cancel(&self) -> bool {
        self.raw.cancel()
    }
}

impl Drop for CancelHandle {
    fn drop(&mut self) {
        // SAFETY: the handle owns one reference (taken when it was made),
        // and the handle is gone after this.
        unsafe { self.raw.drop_reference() };
    }
}

impl fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelHandle")
            .field("id", &self.raw.header().id)
            .finish()
    }
}
