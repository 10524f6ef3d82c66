//! Blocking a plain thread on a future: the engine of `block_on` and
//! `Task::join_blocking`.
//!
//! The thread polls the future with a waker that unparks it, and parks
//! between polls. Unparking a sleeping thread costs tens of microseconds
//! here, while the answer from a worker often comes back within a few, so
//! the thread first spins briefly on the wake-up flag ([`SPIN_ROUNDS`]).
//!
//! Each thread keeps one parker (and its waker) for all its calls, so a
//! `join_blocking` does not allocate; a nested call on the same thread
//! (a `block_on` inside a future that a `block_on` is polling) gets a fresh
//! one, so neither level can swallow the other's wake-up.

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering::*};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// Rounds of `spin_loop` hints before parking: a few microseconds, the
/// typical round trip to an awake worker, well under the cost of a futex
/// wake-up.
const SPIN_ROUNDS: u32 = 200;

struct Parker {
    thread: Thread,
    notified: AtomicBool,
}

impl Parker {
    fn new() -> Arc<Parker> {
        Arc::new(Parker {
            thread: thread::current(),
            notified: AtomicBool::new(false),
        })
    }

    fn park(&self) {
        for _ in 0..SPIN_ROUNDS {
            // Acquire pairs with the Release in `wake_by_ref`: whatever the
            // waker published before waking is visible to the next poll.
            if self.notified.swap(false, Acquire) {
                return;
            }
            std::hint::spin_loop();
        }
        while !self.notified.swap(false, Acquire) {
            thread::park();
        }
    }
}

impl Wake for Parker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.notified.swap(true, Release) {
            self.thread.unpark();
        }
    }
}

thread_local! {
    static CACHED: (Arc<Parker>, Waker) = {
        let parker = Parker::new();
        let waker = Waker::from(parker.clone());
        (parker, waker)
    };
    static CACHED_IN_USE: Cell<bool> = const { Cell::new(false) };
}

/// Polls `future` to completion on this thread, parking between polls.
pub(crate) fn block_on_thread<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut run = |parker: &Parker, waker: &Waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            parker.park();
        }
    };
    if CACHED_IN_USE.with(|in_use| in_use.replace(true)) {
        let parker = Parker::new();
        let waker = Waker::from(parker.clone());
        return run(&parker, &waker);
    }
    struct Release;
    impl Drop for Release {
        fn drop(&mut self) {
            CACHED_IN_USE.with(|in_use| in_use.set(false));
        }
    }
    let _release = Release;
    CACHED.with(|(parker, waker)| run(parker, waker))
}
