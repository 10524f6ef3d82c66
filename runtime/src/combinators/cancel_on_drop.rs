//! [`CancelOnDrop`]: a task handle that cancels its task when dropped.
//!
//! A plain [`Task`] *detaches* when dropped: the task keeps running. That
//! is right for fire-and-forget work, wrong for a combinator that gives up
//! on a result ([`try_gather`](crate::try_gather) after a failure,
//! a `select` that picked another branch): there the abandoned task should
//! stop. `CancelOnDrop` is the handle for that case.
//!
//! # Protocol
//! 1. Awaiting it awaits the task, exactly like awaiting the [`Task`].
//! 2. When it is dropped, it calls [`Task::cancel`]. On a task that already
//!    finished (including one whose output this guard returned) that is a
//!    no-op, so the guard needs no "armed" flag.
//! 3. [`CancelOnDrop::detach`] gives the plain [`Task`] back, disarming the
//!    guard.

use crate::{Task, TaskError};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A future awaiting a task that cancels the task if it is dropped first.
///
/// Made by [`Task::cancel_on_drop`]. Output, `Send`/`Unpin`-ness and the
/// meaning of errors are those of [`Task`].
///
/// ```
/// # runtime::run(async {
/// let guard = runtime::spawn(async { 6 * 7 }).cancel_on_drop();
/// assert_eq!(guard.await.unwrap(), 42);
/// # });
/// ```
#[must_use = "dropping a CancelOnDrop cancels its task"]
pub struct CancelOnDrop<T> {
    /// `None` only after [`CancelOnDrop::detach`] took it out.
    task: Option<Task<T>>,
}

impl<T> CancelOnDrop<T> {
    pub(crate) fn new(task: Task<T>) -> CancelOnDrop<T> {
        CancelOnDrop { task: Some(task) }
    }

    /// The task being guarded (to read its id, state, ...).
    ///
    /// ```
    /// # runtime::run(async {
    /// let guard = runtime::spawn(async {}).cancel_on_drop();
    /// println!("guarding task {}", guard.task().id());
    /// # });
    /// ```
    pub fn task(&self) -> &Task<T> {
        self.task.as_ref().expect("CancelOnDrop used after detach")
    }

    /// Requests cancellation now (see [`Task::cancel`]); returns false if the
    /// task had already finished.
    ///
    /// ```
    /// # runtime::run(async {
    /// let guard = runtime::spawn(std::future::pending::<()>()).cancel_on_drop();
    /// assert!(guard.cancel());
    /// assert!(guard.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn cancel(&self) -> bool {
        self.task().cancel()
    }

    /// Disarms the guard and returns the plain [`Task`] (which detaches when
    /// dropped).
    ///
    /// ```
    /// # runtime::run(async {
    /// let guard = runtime::spawn(async { 1 }).cancel_on_drop();
    /// let task: runtime::Task<i32> = guard.detach();
    /// assert_eq!(task.await.unwrap(), 1);
    /// # });
    /// ```
    pub fn detach(mut self) -> Task<T> {
        self.task.take().expect("CancelOnDrop used after detach")
    }
}

impl<T> Future for CancelOnDrop<T> {
    type Output = Result<T, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let task = self.task.as_mut().expect("CancelOnDrop used after detach");
        Pin::new(task).poll(cx)
    }
}

impl<T> Drop for CancelOnDrop<T> {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            // A no-op if the task already finished (step 2 of the protocol).
            task.cancel();
        }
    }
}

impl<T> fmt::Debug for CancelOnDrop<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelOnDrop")
            .field("task", &self.task)
            .finish()
    }
}
