//! [`wait_for`]: asyncio's `asyncio.wait_for` for a [`Task`]: on expiry the
//! task is cancelled *and its end is awaited* before the timeout is
//! reported.
//!
//! [`timeout`](crate::timeout) does this for a plain future by dropping it,
//! which is immediate. A task runs elsewhere: cancellation is a request
//! that takes effect at the task's next scheduling point (or after the
//! poll in progress on another worker), so it has to be awaited.
//!
//! # Protocol
//! 1. Poll the task; if it finished, return its output.
//! 2. Poll the timer; when it fires, request cancellation, and from then on
//!    only await the task.
//! 3. The task ends: as `Cancelled`, the timeout is returned; if it
//!    finished anyway (it completed between the timer and the request),
//!    its output is returned instead of being lost.
//! 4. Dropping the `WaitFor` before that cancels the task (asyncio: "if the
//!    wait is cancelled, the future is also cancelled"), without waiting.

use super::cancel_on_drop::CancelOnDrop;
use crate::time::{sleep, Sleep, TimeoutError};
use crate::{Task, TaskError};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Awaits `task` for at most `duration`; on expiry cancels it, waits until
/// it has stopped, and returns `Err(TimeoutError)` (asyncio's
/// `asyncio.wait_for(task, timeout)`).
///
/// When `Err(TimeoutError)` is returned, the task's future has been
/// dropped: whatever it held is released. The inner result is the task's
/// own: `Ok(output)`, or a [`TaskError`] if it panicked or was cancelled by
/// someone else. Dropping the returned future cancels the task too.
///
/// ```
/// # runtime::run(async {
/// use std::time::Duration;
///
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
///
/// struct SetOnDrop(Arc<AtomicBool>);
/// impl Drop for SetOnDrop {
///     fn drop(&mut self) {
///         self.0.store(true, Ordering::SeqCst);
///     }
/// }
///
/// let dropped = Arc::new(AtomicBool::new(false));
/// let guard = SetOnDrop(dropped.clone());
/// let slow = runtime::spawn(async move {
///     let _guard = guard;
///     runtime::sleep(Duration::from_secs(60)).await;
/// });
/// let result = runtime::wait_for(Duration::from_millis(10), slow).await;
/// assert!(result.is_err());
/// // The task's future was dropped before the timeout was reported.
/// assert!(dropped.load(Ordering::SeqCst));
///
/// let quick = runtime::spawn(async { 5 });
/// let output = runtime::wait_for(Duration::from_secs(1), quick).await;
/// assert_eq!(output.unwrap().unwrap(), 5);
/// # });
/// ```
pub fn wait_for<T>(duration: Duration, task: Task<T>) -> WaitFor<T> {
    WaitFor {
        task: task.cancel_on_drop(),
        sleep: sleep(duration),
        expired: false,
    }
}

/// The future returned by [`wait_for`].
///
/// ```
/// # runtime::run(async {
/// use std::time::Duration;
/// let waiting: runtime::WaitFor<u8> =
///     runtime::wait_for(Duration::from_secs(1), runtime::spawn(async { 4 }));
/// assert_eq!(waiting.await.unwrap().unwrap(), 4);
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct WaitFor<T> {
    /// Cancels the task if we are dropped early (step 4).
    task: CancelOnDrop<T>,
    sleep: Sleep,
    /// Step 2 happened: cancellation was requested.
    expired: bool,
}

impl<T> Future for WaitFor<T> {
    type Output = Result<Result<T, TaskError>, TimeoutError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        // Steps 1 and 3.
        if let Poll::Ready(result) = Pin::new(&mut this.task).poll(cx) {
            return Poll::Ready(match result {
                Err(TaskError::Cancelled) if this.expired => Err(TimeoutError::new()),
                other => Ok(other),
            });
        }
        if this.expired {
            return Poll::Pending;
        }
        // Step 2.
        if Pin::new(&mut this.sleep).poll(cx).is_ready() {
            this.expired = true;
            this.task.cancel();
            // The task may have finished meanwhile: poll it once more (it
            // registered our waker above, so Pending is safe either way).
            return Pin::new(&mut *this).poll(cx);
        }
        Poll::Pending
    }
}

impl<T> fmt::Debug for WaitFor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitFor")
            .field("task", &self.task)
            .field("deadline", &self.sleep.deadline())
            .field("expired", &self.expired)
            .finish()
    }
}
