//! [`timeout`]: asyncio's `wait_for`.

use super::sleep::{far_future, sleep_until, Sleep};
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Runs `future` for at most `duration` (asyncio's `wait_for`).
///
/// On expiry the inner future is dropped before `Err(TimeoutError)` is
/// returned, so whatever it held is released.
///
/// ```
/// # runtime::run(async {
/// use std::time::Duration;
/// let slow = runtime::sleep(Duration::from_secs(10));
/// assert!(runtime::timeout(Duration::from_millis(5), slow).await.is_err());
/// assert_eq!(runtime::timeout(Duration::from_secs(1), async { 7 }).await, Ok(7));
/// # });
/// ```
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    let deadline = Instant::now()
        .checked_add(duration)
        .unwrap_or_else(far_future);
    timeout_at(deadline, future)
}

/// Runs `future` until `deadline` at the latest.
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        future: Some(future.into_future()),
        sleep: sleep_until(deadline),
    }
}

pin_project_lite::pin_project! {
    /// The future returned by [`timeout`] and [`timeout_at`].
    #[must_use = "futures do nothing unless awaited"]
    #[derive(Debug)]
    pub struct Timeout<F> {
        #[pin]
        future: Option<F>,
        sleep: Sleep,
    }
}

impl<F> Timeout<F> {
    /// The deadline.
    pub fn deadline(&self) -> Instant {
        self.sleep.deadline()
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, TimeoutError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let Some(future) = this.future.as_mut().as_pin_mut() else {
            panic!("a Timeout was polled after it completed");
        };
        if let Poll::Ready(output) = future.poll(cx) {
            this.future.set(None);
            return Poll::Ready(Ok(output));
        }
        match Pin::new(this.sleep).poll(cx) {
            Poll::Ready(()) => {
                // Drop the inner future first: its resources are released
                // before the caller hears about the timeout.
                this.future.set(None);
                Poll::Ready(Err(TimeoutError(())))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The deadline of a [`timeout`] passed (asyncio's `TimeoutError`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TimeoutError(());

impl TimeoutError {
    /// A new timeout error (for code that builds its own timeouts).
    pub fn new() -> TimeoutError {
        TimeoutError(())
    }
}

impl Default for TimeoutError {
    fn default() -> TimeoutError {
        TimeoutError::new()
    }
}

impl fmt::Debug for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TimeoutError")
    }
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for TimeoutError {}

impl From<TimeoutError> for std::io::Error {
    fn from(error: TimeoutError) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, error)
    }
}
