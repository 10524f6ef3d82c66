//! [`Wakeups`]: wakers collected under the queue's lock and called after
//! it is released.
//!
//! Calling a waker under the lock would make the woken task (possibly
//! already running on another worker) contend for the lock we still hold,
//! and a waker may run arbitrary code. So every operation that serves or
//! releases a waiter pushes the waiter's waker here, and the waking happens
//! when the `Wakeups` is dropped, which the queue does after the guard.
//! Wakers being replaced or discarded are dropped then too, never under
//! the lock.
//!
//! Most operations wake at most one waiter (a put serves one getter, a get
//! admits one putter), so the first waker is kept inline and only a
//! shutdown or a `join` release allocates.

use std::task::Waker;

/// Wakers to call, and wakers to drop, once the queue's lock is released.
#[derive(Debug, Default)]
pub(super) struct Wakeups {
    first: Option<Waker>,
    rest: Vec<Waker>,
    discarded: Option<Waker>,
    more_discarded: Vec<Waker>,
}

impl Wakeups {
    pub(super) fn new() -> Wakeups {
        Wakeups::default()
    }

    /// Wakes `waker` when this is dropped. Wakers are called in the order
    /// they were pushed, so released waiters run in FIFO order.
    pub(super) fn push(&mut self, waker: Option<Waker>) {
        let Some(waker) = waker else { return };
        if self.first.is_none() {
            self.first = Some(waker);
        } else {
            self.rest.push(waker);
        }
    }

    /// Drops `waker` (without waking it) when this is dropped.
    pub(super) fn discard(&mut self, waker: Option<Waker>) {
        let Some(waker) = waker else { return };
        if self.discarded.is_none() {
            self.discarded = Some(waker);
        } else {
            self.more_discarded.push(waker);
        }
    }
}

impl Drop for Wakeups {
    fn drop(&mut self) {
        crate::contain::wake_all(self.first.take().into_iter().chain(self.rest.drain(..)));
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::task::Wake;

    struct Recorder {
        id: u32,
        log: Arc<Mutex<Vec<u32>>>,
    }

    impl Wake for Recorder {
        fn wake(self: Arc<Self>) {
            self.log.lock().unwrap().push(self.id);
        }
    }

    #[test]
    fn wakes_in_push_order_on_drop_and_never_wakes_discarded_wakers() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let waker = |id| {
            Some(Waker::from(Arc::new(Recorder {
                id,
                log: log.clone(),
            })))
        };
        let mut wakeups = Wakeups::new();
        for id in 1..=4 {
            wakeups.push(waker(id));
        }
        wakeups.discard(waker(98));
        wakeups.discard(waker(99));
        wakeups.push(None);
        assert!(log.lock().unwrap().is_empty(), "nothing wakes before drop");
        drop(wakeups);
        assert_eq!(*log.lock().unwrap(), [1, 2, 3, 4]);
    }
}
