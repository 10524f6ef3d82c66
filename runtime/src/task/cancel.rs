//! Cancellation with cleanup: asyncio lets a cancelled task catch
//! `CancelledError` and run async cleanup; Rust cancels a future by dropping
//! it, which leaves no room for `.await` in the cleanup.
//!
//! [`Task::cancel_with_grace`] bridges the two:
//! 1. It records a cancellation *request* and wakes every
//!    [`cancelled()`] future the task is awaiting — the task's
//!    `except CancelledError:` branch, typically one arm of a select.
//! 2. The task may finish its cleanup (awaiting whatever it needs) and
//!    return within the grace period.
//! 3. When the grace period ends, a timer on the task's runtime calls
//!    [`Task::cancel`]: the future is dropped at its next scheduling point
//!    and the task resolves to `TaskError::Cancelled`, as with a plain
//!    cancel. A task that finished in time keeps its own output.

use super::raw::RawTask;
use super::Task;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

impl<T> Task<T> {
    /// Requests cancellation and gives the task `grace` to clean up: its
    /// [`cancelled()`] futures resolve now, and if it has not finished when
    /// `grace` ends, it is cancelled outright (its future dropped). Returns
    /// false if the task had already finished.
    ///
    /// ```
    /// use std::time::Duration;
    /// # runtime::run(async {
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let task = runtime::spawn(async move {
    ///     let work = runtime::sleep(Duration::from_secs(3600));
    ///     let cancelled = runtime::task::cancelled();
    ///     // Whichever comes first (a select, written by hand here).
    ///     let mut work = std::pin::pin!(work);
    ///     let mut cancelled = std::pin::pin!(cancelled);
    ///     std::future::poll_fn(|cx| {
    ///         if cancelled.as_mut().poll(cx).is_ready() || work.as_mut().poll(cx).is_ready() {
    ///             return std::task::Poll::Ready(());
    ///         }
    ///         std::task::Poll::Pending
    ///     })
    ///     .await;
    ///     // Async cleanup, within the grace period.
    ///     runtime::sleep(Duration::from_millis(1)).await;
    ///     tx.send("cleaned up").unwrap();
    ///     "stopped early"
    /// });
    /// runtime::sleep(Duration::from_millis(5)).await;
    /// assert!(task.cancel_with_grace(Duration::from_secs(5)));
    /// assert_eq!(task.await.unwrap(), "stopped early");
    /// assert_eq!(rx.recv().unwrap(), "cleaned up");
    /// # });
    /// # use std::future::Future;
    /// ```
    pub fn cancel_with_grace(&self, grace: Duration) -> bool {
        if self.is_done() {
            return false;
        }
        let raw = self.raw();
        raw.header().meta.request_cancel();
        if grace.is_zero() {
            return self.cancel();
        }
        match raw.runtime() {
            Some(handle) if !handle.is_shutdown() => {
                let deadline = OwnedRef::new(raw);
                drop(handle.spawn(async move {
                    crate::sleep(grace).await;
                    deadline.0.cancel();
                }));
                true
            }
            // A blocking job cannot observe the request; nothing to wait for.
            _ => self.cancel(),
        }
    }

    /// True once cancellation was requested ([`cancel`](Task::cancel) or
    /// [`cancel_with_grace`](Task::cancel_with_grace)) and the task has not
    /// finished yet (asyncio's `Task.cancelling()`).
    pub fn cancelling(&self) -> bool {
        let snapshot = self.raw().state();
        !snapshot.is_complete()
            && (snapshot.is_cancelled() || self.raw().header().meta.is_cancel_requested())
    }
}

/// A counted reference to a task, for the grace-period timer.
struct OwnedRef(RawTask);

impl OwnedRef {
    fn new(raw: RawTask) -> OwnedRef {
        raw.header().state.ref_inc();
        OwnedRef(raw)
    }
}

impl Drop for OwnedRef {
    fn drop(&mut self) {
        // SAFETY: `new` took this reference for the `OwnedRef`, which is
        // gone after this.
        unsafe { self.0.drop_reference() };
    }
}

/// Resolves when the current task is asked to stop with
/// [`Task::cancel_with_grace`]: the Rust counterpart of catching asyncio's
/// `CancelledError` to run async cleanup. Await it alongside the task's
/// work (in a select) and clean up when it wins.
///
/// Outside a task (for example in `block_on`'s future, which cannot be
/// cancelled) it never resolves.
pub fn cancelled() -> Cancelled {
    Cancelled { registered: None }
}

/// The future returned by [`cancelled`].
///
/// While it waits, its waker is registered with the task it runs in; the
/// registration holds a counted reference to that task and is removed when
/// the future is dropped (at the latest, when the task's future is dropped
/// on completion), so no task ever keeps itself alive.
#[must_use = "futures do nothing unless awaited"]
pub struct Cancelled {
    registered: Option<(OwnedRef, usize)>,
}

impl Cancelled {
    fn deregister(&mut self) {
        if let Some((task, key)) = self.registered.take() {
            task.0.header().meta.remove_cancel_waker(key);
        }
    }
}

impl Future for Cancelled {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some(raw) = crate::context::current_task() else {
            return Poll::Pending;
        };
        if self
            .registered
            .as_ref()
            .is_some_and(|(task, _)| task.0 != raw)
        {
            // Moved to another task: follow it.
            self.deregister();
        }
        let key = self.registered.as_ref().map(|(_, key)| *key);
        match raw.header().meta.register_cancel_waker(key, cx.waker()) {
            Err(()) => {
                self.deregister();
                Poll::Ready(())
            }
            Ok(key) => {
                if self.registered.is_none() {
                    self.registered = Some((OwnedRef::new(raw), key));
                }
                Poll::Pending
            }
        }
    }
}

impl Drop for Cancelled {
    fn drop(&mut self) {
        self.deregister();
    }
}

impl std::fmt::Debug for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cancelled").finish_non_exhaustive()
    }
}

/// True if the current task has been asked to stop (see [`cancelled`]).
/// False outside a task.
pub fn cancel_requested() -> bool {
    crate::context::current_task().is_some_and(|raw| raw.header().meta.is_cancel_requested())
}
