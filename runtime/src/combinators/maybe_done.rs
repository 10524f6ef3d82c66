//! [`MaybeDone`]: a future, then its output, inside a combinator.
//!
//! # Invariant
//! `future` is `Some` until the future returns `Ready`; then it is dropped
//! in place (releasing what it held at once, not when the whole
//! combinator finishes) and `output` becomes `Some`, until the combinator
//! takes it. The future is structurally pinned; the output is not (it is
//! moved out by [`MaybeDone::take_output`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

pin_project_lite::pin_project! {
    /// A future until it completes, then its output (a building block of
    /// [`gather!`](crate::gather!); not meant to be used directly).
    pub struct MaybeDone<F: Future> {
        #[pin]
        future: Option<F>,
        output: Option<F::Output>,
    }
}

impl<F: Future> MaybeDone<F> {
    /// Wraps a future that has not run yet.
    pub fn new(future: F) -> MaybeDone<F> {
        MaybeDone {
            future: Some(future),
            output: None,
        }
    }

    /// Polls the future with `waker` unless it already finished; returns
    /// true once the output is available.
    pub fn poll_with(self: Pin<&mut Self>, waker: &Waker) -> bool {
        let mut this = self.project();
        let Some(future) = this.future.as_mut().as_pin_mut() else {
            return this.output.is_some();
        };
        match future.poll(&mut Context::from_waker(waker)) {
            Poll::Ready(output) => {
                this.future.set(None);
                *this.output = Some(output);
                true
            }
            Poll::Pending => false,
        }
    }

    /// True once the future has completed (and its output is not taken).
    pub fn is_done(&self) -> bool {
        self.output.is_some()
    }

    /// The output, if the future has completed.
    pub fn output(&self) -> Option<&F::Output> {
        self.output.as_ref()
    }

    /// Drops the future if it is still running.
    pub fn cancel(self: Pin<&mut Self>) {
        self.project().future.set(None);
    }

    /// Moves the output out.
    ///
    /// # Panics
    /// If the future has not completed, or the output was already taken.
    pub fn take_output(self: Pin<&mut Self>) -> F::Output {
        self.project()
            .output
            .take()
            .expect("MaybeDone::take_output: the future has not completed")
    }
}

impl<F: Future> fmt::Debug for MaybeDone<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match (&self.future, &self.output) {
            (Some(_), _) => "running",
            (None, Some(_)) => "done",
            (None, None) => "taken",
        };
        f.debug_tuple("MaybeDone").field(&state).finish()
    }
}
