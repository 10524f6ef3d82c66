//! [`shield`]: asyncio's `asyncio.shield`: await work that must not be
//! cancelled along with the one awaiting it.
//!
//! # asyncio mapping
//! `await asyncio.shield(aw)` wraps `aw` in a task and awaits it through
//! an outer future; cancelling the awaiting coroutine cancels only the
//! outer future, and the task carries on. Here:
//! 1. `shield(fut)` spawns `fut` as its own task, at once (like
//!    `ensure_future`), on the current runtime.
//! 2. The returned [`Shield`] awaits that task's output.
//! 3. Dropping the `Shield` — because the awaiting task was cancelled, a
//!    [`timeout`](crate::timeout) expired around it, or a `select` chose
//!    another branch — drops only the handle, which *detaches* the task:
//!    it runs to completion and its output is dropped.
//!
//! Runtime shutdown still cancels the shielded task, as asyncio's loop
//! shutdown does.

use crate::{Task, TaskError};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs `future` as its own task, shielded from cancellation of the
/// awaiting side (asyncio's `asyncio.shield`).
///
/// The returned [`Shield`] resolves to the task's output, or to
/// [`TaskError::Panicked`] if it panicked (or [`TaskError::Cancelled`] if
/// the runtime shut down). Dropping the `Shield` never cancels the task.
///
/// ```
/// # runtime::run(async {
/// use std::time::Duration;
///
/// let saved = runtime::Promise::<&str, ()>::new();
/// let done = saved.clone();
/// let save = async move {
///     runtime::sleep(Duration::from_millis(20)).await;
///     done.set_result("saved").unwrap();
/// };
/// // The caller gives up after 1 ms, but the save carries on.
/// let result = runtime::timeout(Duration::from_millis(1), runtime::shield(save)).await;
/// assert!(result.is_err());
/// assert_eq!(saved.await, Ok("saved"));
/// # });
/// ```
///
/// # Panics
/// Outside a runtime (it spawns, like [`spawn`](crate::spawn)).
#[track_caller]
pub fn shield<F>(future: F) -> Shield<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Shield {
        task: crate::spawn(future),
    }
}

/// The future returned by [`shield`]; dropping it leaves the task running.
///
/// ```
/// # runtime::run(async {
/// let shielded: runtime::Shield<u8> = runtime::shield(async { 3 });
/// assert_eq!(shielded.await.unwrap(), 3);
/// # });
/// ```
#[must_use = "the work runs anyway; await the Shield for its output"]
pub struct Shield<T> {
    task: Task<T>,
}

impl<T> Shield<T> {
    /// The shielded task, to inspect it (or, deliberately, to cancel it).
    ///
    /// ```
    /// # runtime::run(async {
    /// let shielded = runtime::shield(async { 1 });
    /// println!("shielding task {}", shielded.task().id());
    /// assert_eq!(shielded.await.unwrap(), 1);
    /// # });
    /// ```
    pub fn task(&self) -> &Task<T> {
        &self.task
    }

    /// Gives back the task handle, to await it later even if this
    /// awaiting side goes away.
    ///
    /// ```
    /// # runtime::run(async {
    /// let task = runtime::shield(async { 2 }).into_task();
    /// assert_eq!(task.await.unwrap(), 2);
    /// # });
    /// ```
    pub fn into_task(self) -> Task<T> {
        self.task
    }
}

impl<T> Future for Shield<T> {
    type Output = Result<T, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.task).poll(cx)
    }
}

impl<T> fmt::Debug for Shield<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shield").field("task", &self.task).finish()
    }
}
