//! [`try_gather`]: like [`gather`](fn@crate::gather), but the first `Err`
//! wins and the rest is cancelled (asyncio's `gather` without
//! `return_exceptions`, plus the cancellation asyncio leaves to you).
//!
//! # Protocol
//! 1. Poll the woken futures (the [`gather`](fn@crate::gather) engine).
//! 2. As soon as one completes with `Err(e)`: take `e`, then drop every
//!    other future — running ones and finished ones' outputs alike — in
//!    input order, *before* returning `Err(e)`. A future that owns a task
//!    through [`Task::cancel_on_drop`](crate::Task::cancel_on_drop) cancels
//!    it on that drop; a plain [`Task`](crate::Task) would be detached.
//! 3. If every future completes with `Ok`, return the values in input order.

use super::gather::Join;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs futures of `Result<T, E>` concurrently in the current task;
/// resolves to all the `Ok` values in input order, or to the first `Err`
/// as soon as it happens, after dropping (cancelling) the other futures.
///
/// Wrap spawned tasks with [`Task::cancel_on_drop`](crate::Task::cancel_on_drop)
/// so that giving up on them cancels them:
///
/// ```
/// # runtime::run(async {
/// use std::time::Duration;
///
/// async fn fetch(id: u32) -> Result<u32, String> {
///     if id == 2 {
///         return Err(format!("item {id} is missing"));
///     }
///     runtime::sleep(Duration::from_secs(60)).await; // slow
///     Ok(id)
/// }
///
/// let tasks = (1..=3).map(|id| {
///     let task = runtime::spawn(fetch(id)).cancel_on_drop();
///     // A task's output is `Result<Result<u32, String>, TaskError>`:
///     // flatten it into one error type.
///     async move { task.await.map_err(|e| e.to_string())? }
/// });
/// let result = runtime::try_gather(tasks).await;
/// // Returns at once with the failure; tasks 1 and 3 are cancelled.
/// assert_eq!(result, Err("item 2 is missing".to_string()));
/// # });
/// ```
pub fn try_gather<I, T, E>(futures: I) -> TryGather<<I::Item as IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: IntoFuture<Output = Result<T, E>>,
{
    TryGather {
        join: Join::new(futures.into_iter().map(IntoFuture::into_future)),
    }
}

/// The future returned by [`try_gather`].
///
/// ```
/// # runtime::run(async {
/// use std::future::{ready, Ready};
/// let all: runtime::TryGather<Ready<Result<u8, ()>>> =
///     runtime::try_gather([ready(Ok(1)), ready(Err(())), ready(Ok(3))]);
/// assert_eq!(all.await, Err(()));
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct TryGather<F: Future> {
    join: Join<F>,
}

impl<F, T, E> Future for TryGather<F>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<Vec<T>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.join.poll_until(cx, Result::is_err) {
            Poll::Pending => Poll::Pending,
            // Step 2: take the error, drop everything else, then report.
            Poll::Ready(Some(index)) => {
                let error = self.join.take_output(index);
                self.join.clear();
                Poll::Ready(Err(error.err().expect("stopped on an Err")))
            }
            // Step 3: every output is Ok.
            Poll::Ready(None) => {
                let values = self.join.take_outputs().into_iter();
                Poll::Ready(Ok(values
                    .map(|output| output.ok().expect("no Err was seen"))
                    .collect()))
            }
        }
    }
}

impl<F: Future> fmt::Debug for TryGather<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryGather")
            .field("join", &self.join)
            .finish()
    }
}
