//! The cooperative budget: a task that always finds its resources ready
//! would otherwise never return to the scheduler.
//!
//! Before each poll the worker grants the task [`BUDGET`] units; every
//! runtime leaf future (a finished `Task`, an expired timer, ...) spends
//! one when it is ready. At zero, leaf futures report `Pending` after
//! waking the task, so it goes back in the queue behind its peers. An
//! operation that ends up `Pending` anyway gets its unit back. Threads
//! that are not workers (`block_on`) have no budget.

use std::cell::Cell;
use std::task::{Context, Poll};

/// Units per poll: tokio's figure, large enough that the check is rare in
/// practice and small enough that a hot loop yields within microseconds.
pub(crate) const BUDGET: u8 = 128;

thread_local! {
    static CURRENT: Cell<Option<u8>> = const { Cell::new(None) };
}

/// Runs `f` (one task poll, or a LIFO chain of them) with a fresh budget.
#[inline]
pub(crate) fn with_budget<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(Option<u8>);
    impl Drop for Reset {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(self.0));
        }
    }
    let _reset = Reset(CURRENT.with(|c| c.replace(Some(BUDGET))));
    f()
}

/// True unless the current budget is spent (always true with no budget).
/// A worker checks it before running the next task of a LIFO chain, which
/// shares the first task's budget.
#[inline]
pub(crate) fn has_budget_remaining() -> bool {
    CURRENT.with(|current| current.get() != Some(0))
}

/// Spends one unit, or returns `Pending` (having woken the task) when the
/// budget is exhausted.
#[inline]
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<Progress> {
    CURRENT.with(|current| match current.get() {
        None => Poll::Ready(Progress { refund: false }),
        Some(0) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Some(n) => {
            current.set(Some(n - 1));
            Poll::Ready(Progress { refund: true })
        }
    })
}

/// A spent unit; dropped without [`made_progress`](Progress::made_progress)
/// it is refunded.
pub(crate) struct Progress {
    refund: bool,
}

impl Progress {
    pub(crate) fn made_progress(mut self) {
        self.refund = false;
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.refund {
            CURRENT.with(|current| {
                if let Some(n) = current.get() {
                    current.set(Some(n.saturating_add(1).min(BUDGET)));
                }
            });
        }
    }
}

/// Yields once to the scheduler: the task goes to the back of its worker's
/// queue (asyncio's `await asyncio.sleep(0)`).
///
/// ```
/// # runtime::run(async {
/// runtime::yield_now().await;
/// # });
/// ```
pub async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn budget_runs_out_and_refunds_pending_operations() {
        let mut cx = Context::from_waker(Waker::noop());
        with_budget(|| {
            for _ in 0..BUDGET {
                match poll_proceed(&mut cx) {
                    Poll::Ready(p) => p.made_progress(),
                    Poll::Pending => panic!("budget ran out early"),
                }
            }
            assert!(poll_proceed(&mut cx).is_pending());
        });
        with_budget(|| {
            // Refunded units never run the budget down.
            for _ in 0..(BUDGET as usize * 4) {
                assert!(poll_proceed(&mut cx).is_ready());
            }
        });
    }

    #[test]
    fn threads_without_budget_are_unconstrained() {
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..1000 {
            if let Poll::Ready(p) = poll_proceed(&mut cx) {
                p.made_progress()
            } else {
                panic!("no budget outside workers")
            }
        }
    }
}
