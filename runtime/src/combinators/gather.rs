//! [`gather!`] and [`gather`]: run futures concurrently inside the calling
//! task and collect every output (asyncio's `gather(...,
//! return_exceptions=True)`).
//!
//! # Design
//! The futures are polled *in place*: nothing is spawned, so they may
//! borrow from the caller, and they run on whichever worker runs the
//! caller. Each future gets its own waker from a [`ReadySet`], and a poll
//! of the combinator polls only the futures woken since the last one (all
//! of them on the first poll). A gather of N futures therefore costs
//! O(woken) per wake-up instead of O(N), at the price of one small
//! allocation per future when the combinator is created.
//!
//! # Invariants
//! 1. The futures live in a pinned boxed slice (`gather`) or in pinned
//!    locals of the macro's async block (`gather!`); neither is moved or
//!    resized until the combinator is dropped.
//! 2. A future is polled only while it is running, and only with its own
//!    child waker; its output is stored in its slot until the last one
//!    completes, then all outputs are moved out in input order.
//! 3. `remaining` counts the slots whose future has not completed.
//!
//! Outputs are returned as they are: a future of `Result` contributes its
//! `Err` to the collection, as `return_exceptions=True` does. A *panic* in
//! a future propagates (the futures run in the caller's task), and a task
//! awaited inside reports its own panic as `Err(TaskError::Panicked)`. Use
//! [`try_gather`](crate::try_gather) to stop at the first `Err`.

use super::maybe_done::MaybeDone;
use super::ready_set::ReadySet;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs the given futures concurrently in the current task and resolves to
/// a tuple of their outputs, in argument order (asyncio's
/// `await asyncio.gather(a, b, c)` with `return_exceptions=True`).
///
/// Each argument may be any [`IntoFuture`]; the futures are created when
/// the macro is evaluated and polled when the result is awaited. Nothing is
/// spawned: the futures may borrow local data, and they make progress only
/// while the gather is awaited. Each future has its own waker, so only the
/// futures that were woken are polled again.
///
/// ```
/// # runtime::run(async {
/// use std::time::Duration;
///
/// async fn double(x: u64) -> u64 {
///     runtime::sleep(Duration::from_millis(x)).await;
///     x * 2
/// }
///
/// let name = String::from("tasks");
/// let (a, b, c) = runtime::gather!(double(3), double(1), async { name.len() }).await;
/// assert_eq!((a, b, c), (6, 2, 5));
/// # });
/// ```
#[macro_export]
macro_rules! gather {
    () => {
        ::core::future::ready(())
    };
    ($($future:expr),+ $(,)?) => {
        $crate::__gather_internal!(@munch [] $($future,)+)
    };
}

/// The expansion of [`gather!`].
///
/// Each step of `@munch` names one future `slot`: every step is a separate
/// macro expansion, so each `slot` has its own hygiene context and the
/// final step can bind them all as distinct locals, pinned on the async
/// block's stack without `unsafe`.
#[doc(hidden)]
#[macro_export]
macro_rules! __gather_internal {
    (@munch [$(($slot:ident, $future:expr))*]) => {
        match ($($crate::__private::MaybeDone::new(
            ::core::future::IntoFuture::into_future($future)),)*)
        {
            ($($slot,)*) => async move {
                $(let mut $slot = ::core::pin::pin!($slot);)*
                let set = $crate::__private::ReadySet::new(
                    0 $(+ $crate::__private::one(&$slot))*
                );
                let mut woken = $crate::__private::Woken::new(set.len());
                ::core::future::poll_fn(move |cx| {
                    woken.collect(&set, cx.waker());
                    let mut index = 0usize;
                    let mut done = true;
                    $(
                        if woken.take(index) {
                            $slot.as_mut().poll_with(set.waker(index));
                        }
                        done &= $slot.is_done();
                        index += 1;
                    )*
                    let _ = index;
                    if done {
                        ::core::task::Poll::Ready(($($slot.as_mut().take_output(),)*))
                    } else {
                        ::core::task::Poll::Pending
                    }
                })
                .await
            },
        }
    };
    (@munch [$($done:tt)*] $head:expr, $($tail:expr,)*) => {
        $crate::__gather_internal!(@munch [$($done)* (slot, $head)] $($tail,)*)
    };
}

/// Runs every future of `futures` concurrently in the current task and
/// resolves to their outputs in input order (asyncio's
/// `gather(*aws, return_exceptions=True)`).
///
/// Nothing is spawned; pass [`Task`](crate::Task)s to run the work on
/// other workers. Only woken futures are polled again: each future has its
/// own waker.
///
/// ```
/// # runtime::run(async {
/// let tasks: Vec<_> = (1..=3).map(|i| runtime::spawn(async move { i * 10 })).collect();
/// let outputs = runtime::gather(tasks).await;
/// let values: Vec<i32> = outputs.into_iter().map(Result::unwrap).collect();
/// assert_eq!(values, [10, 20, 30]);
/// # });
/// ```
pub fn gather<I>(futures: I) -> Gather<<I::Item as IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: IntoFuture,
{
    Gather {
        join: Join::new(futures.into_iter().map(IntoFuture::into_future)),
    }
}

/// The future returned by [`gather`](fn@gather).
///
/// ```
/// # runtime::run(async {
/// use std::future::{ready, Ready};
/// let all: runtime::Gather<Ready<u8>> = runtime::gather([ready(1), ready(2)]);
/// assert_eq!(all.await, [1, 2]);
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Gather<F: Future> {
    join: Join<F>,
}

impl<F: Future> Future for Gather<F> {
    type Output = Vec<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<F::Output>> {
        match self.join.poll_until(cx, |_| false) {
            Poll::Ready(_) => Poll::Ready(self.join.take_outputs()),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<F: Future> fmt::Debug for Gather<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gather").field("join", &self.join).finish()
    }
}

/// The engine of [`gather`](fn@gather) and [`try_gather`](crate::try_gather):
/// N futures in a pinned slice, each with its own waker.
pub(crate) struct Join<F: Future> {
    /// Invariant 1: pinned, never moved or resized until dropped (or
    /// replaced by an empty slice, which drops every future).
    slots: Pin<Box<[MaybeDone<F>]>>,
    set: ReadySet,
    /// Scratch space for the indices drained from `set`.
    woken: Vec<usize>,
    /// Invariant 3.
    remaining: usize,
}

impl<F: Future> Join<F> {
    pub(crate) fn new(futures: impl Iterator<Item = F>) -> Join<F> {
        let slots: Box<[MaybeDone<F>]> = futures.map(MaybeDone::new).collect();
        let len = slots.len();
        Join {
            slots: Box::into_pin(slots),
            set: ReadySet::new(len),
            woken: Vec::new(),
            remaining: len,
        }
    }

    fn slot(&mut self, index: usize) -> Pin<&mut MaybeDone<F>> {
        pin_slot(&mut self.slots, index)
    }

    /// Polls the woken futures. Resolves to `None` once every future has
    /// completed, or to `Some(index)` as soon as a future completes with an
    /// output for which `stop` returns true (the futures not polled yet stay
    /// as they are; the caller drops them).
    pub(crate) fn poll_until(
        &mut self,
        cx: &mut Context<'_>,
        mut stop: impl FnMut(&F::Output) -> bool,
    ) -> Poll<Option<usize>> {
        let mut woken = std::mem::take(&mut self.woken);
        self.set.drain(cx.waker(), &mut woken);
        let mut stopped = None;
        for &index in &woken {
            let mut slot = pin_slot(&mut self.slots, index);
            // A late wake-up of a finished future is skipped (invariant 2).
            if slot.is_done() || !slot.as_mut().poll_with(self.set.waker(index)) {
                continue;
            }
            self.remaining -= 1;
            if stop(slot.output().expect("the future just completed")) {
                stopped = Some(index);
                break;
            }
        }
        woken.clear();
        self.woken = woken;
        match stopped {
            Some(index) => Poll::Ready(Some(index)),
            None if self.remaining == 0 => Poll::Ready(None),
            None => Poll::Pending,
        }
    }

    /// Moves the output of `index` out.
    pub(crate) fn take_output(&mut self, index: usize) -> F::Output {
        self.slot(index).take_output()
    }

    /// Moves every output out, in input order.
    ///
    /// # Panics
    /// If some future has not completed.
    pub(crate) fn take_outputs(&mut self) -> Vec<F::Output> {
        (0..self.slots.len())
            .map(|index| self.slot(index).take_output())
            .collect()
    }

    /// Drops every future and output now, in input order.
    pub(crate) fn clear(&mut self) {
        self.slots = Box::into_pin(Box::default());
        self.set.close();
        self.remaining = 0;
    }
}

/// Projects the pin of the slice onto one of its elements.
fn pin_slot<F: Future>(
    slots: &mut Pin<Box<[MaybeDone<F>]>>,
    index: usize,
) -> Pin<&mut MaybeDone<F>> {
    // SAFETY: invariant 1: the slice stays where it is until it is dropped,
    // so pinning one element is sound; `MaybeDone` never moves its future.
    unsafe { slots.as_mut().map_unchecked_mut(|slots| &mut slots[index]) }
}

impl<F: Future> fmt::Debug for Join<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join")
            .field("len", &self.slots.len())
            .field("remaining", &self.remaining)
            .finish()
    }
}
