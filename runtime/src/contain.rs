//! Containing panics of user code that runs outside a task's poll: thread
//! hooks (`on_thread_start`/`on_thread_stop`) on workers and blocking
//! threads, the event loop itself, and foreign wakers woken in batches.
//!
//! A task's panic is caught where the task is polled (`task/raw.rs`) and
//! becomes `TaskError::Panicked`. Everything else a runtime thread runs
//! goes through [`contain`], so a panic there is logged at `error` and the
//! thread carries on with its duties — a worker keeps its loop, a blocking
//! thread keeps its place in the pool's counters — instead of unwinding
//! out of the thread and leaving state half-updated. A batch of wakers goes
//! through [`wake_all`], so a waker that panics cannot strand the others,
//! whose entries (fired timers, consumed readiness, dequeued waiters) are
//! already gone.

use std::fmt;
use std::task::Waker;

/// Runs `f`; a panic is logged (naming `thread` and `what` panicked)
/// instead of unwinding. True if `f` returned.
pub(crate) fn contain(thread: fmt::Arguments<'_>, what: &str, f: impl FnOnce()) -> bool {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(()) => true,
        Err(payload) => {
            let message = crate::TaskError::panicked(payload).to_string();
            tracing::error!("{thread}: {what} panicked ({message}); the thread carries on");
            false
        }
    }
}

/// Wakes every waker of `wakers`, in order, even if one of them panics: on
/// unwind the ones left are woken (each contained, so a second panic
/// cannot abort the process), then the first panic carries on to whatever
/// contains it (a worker's loop, a task's poll, the caller). Every place
/// that wakes a batch — fired timers, dispatched I/O, a primitive's
/// wake-all — goes through here, so one bad waker never strands the rest.
pub(crate) fn wake_all<I: IntoIterator<Item = Waker>>(wakers: I) {
    struct WakeRestOnUnwind<I: Iterator<Item = Waker>>(I);

    impl<I: Iterator<Item = Waker>> Drop for WakeRestOnUnwind<I> {
        fn drop(&mut self) {
            for waker in &mut self.0 {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| waker.wake()));
            }
        }
    }

    let mut rest = WakeRestOnUnwind(wakers.into_iter());
    for waker in rest.0.by_ref() {
        waker.wake();
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::Wake;

    struct Probe {
        woken: AtomicUsize,
        panics: bool,
    }

    impl Wake for Probe {
        fn wake(self: Arc<Self>) {
            self.woken.fetch_add(1, SeqCst);
            if self.panics {
                panic!("a waker that panics");
            }
        }
    }

    #[test]
    fn every_waker_is_woken_even_if_one_panics() {
        let probes: Vec<Arc<Probe>> = (0..10)
            .map(|i| {
                Arc::new(Probe {
                    woken: AtomicUsize::new(0),
                    panics: i == 3 || i == 7,
                })
            })
            .collect();
        let wakers: Vec<Waker> = probes.iter().map(|p| Waker::from(p.clone())).collect();
        let result = std::panic::catch_unwind(|| wake_all(wakers));
        assert!(result.is_err(), "the first panic carries on");
        for probe in &probes {
            assert_eq!(probe.woken.load(SeqCst), 1);
        }
    }
}
