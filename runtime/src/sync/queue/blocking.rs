//! Blocking a plain thread on a queue operation: the engine of
//! `put_blocking`, `get_blocking` and their `_timeout` forms.
//!
//! A blocking call drives the very future that `.await` would (a `Get` or
//! `Put`) on the calling thread, with a waker that unparks the thread, so
//! it takes its turn among async waiters in the same FIFO, and an expired
//! timeout is that future giving up, with the same cancellation safety
//! as dropping it (see `futures.rs`). The queue needs no runtime: whoever serves the
//! waiter, a task or another thread, calls its waker.
//!
//! # Protocol
//! 1. Refuse on a runtime worker thread (the caller checks
//!    [`crate::context::is_worker_thread`]): parking a worker could starve
//!    the very task that would serve us, as `Task::join_blocking` refuses.
//! 2. Without a deadline, hand the future to the scheduler's
//!    `block_on_thread` (its cached parker, spinning before parking).
//! 3. With a deadline: poll; if pending and the deadline has passed,
//!    return `None` and let the caller give the future up (`give_up` on
//!    `Get`/`Put`: under the lock, take the outcome if the waiter was
//!    served in the meantime, else leave the wait list); otherwise park
//!    until woken or until the deadline, and poll again. A wake-up between the poll and
//!    the park is not lost: `Thread::unpark` leaves a token that makes the
//!    next `park_timeout` return at once. Spurious returns only cost a
//!    poll. The last poll happens after the deadline, so an item that
//!    arrived just in time is taken rather than given back.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::Instant;

/// Unparks the blocked thread.
struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` to completion on this thread (step 2), or until
/// `deadline` passes (step 3), in which case it returns `None` with the
/// future still pending. The caller has done step 1.
pub(super) fn block_on<F: Future + Unpin>(
    future: &mut F,
    deadline: Option<Instant>,
) -> Option<F::Output> {
    let Some(deadline) = deadline else {
        return Some(crate::scheduler::park::block_on_thread(future));
    };
    let waker = Waker::from(Arc::new(Unparker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = Pin::new(&mut *future).poll(&mut cx) {
            return Some(output);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        thread::park_timeout(deadline - now);
    }
}
