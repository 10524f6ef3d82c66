//! The `spawn_local` inbox: tasks pinned to one worker, woken from other
//! threads.
//!
//! A `spawn_local` task's future is `!Send`, so only its owning worker may
//! poll it. A waker on another thread cannot push it to a shared queue;
//! it drops it in the owner's inbox and wakes the owner's poller.
//!
//! # Protocol
//! - Push: under the lock, append; then count it (`len`); a SeqCst fence;
//!   then ask whether the runtime is shutting down (the caller's load of
//!   its flag). Not shutting down: the caller wakes the owner, which will
//!   see `len > 0` (it checks before it parks). Shutting down: the owner
//!   may have taken its last look, so the pusher takes the inbox back and
//!   drops what it holds itself.
//! - Take (the owner): if `len` is 0, nothing; else under the lock reset
//!   `len` and take everything.
//! - Close (the owner's last look, once it has seen the shutdown flag): a
//!   SeqCst fence, then take.
//!
//! Each pushed task comes out exactly once, by the owner or by a pusher
//! that saw the shutdown: of the two fences, if the pusher's comes first
//! in their total order, the owner's last look sees the count; if the
//! owner's comes first, the pusher sees the flag (which the owner read
//! before its fence) (loom:
//! `loom_a_local_task_woken_during_shutdown_comes_out_once`). The fences
//! are what carry it: SeqCst loads and stores alone would do under the
//! C++ model, but loom checks them only as acquire/release, and a fence
//! costs nothing that matters on these two rare paths.

use crate::loom::sync::atomic::{fence, AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::Mutex;
use std::collections::VecDeque;

pub(crate) struct LocalInbox<T> {
    queue: Mutex<VecDeque<T>>,
    /// Tasks pushed and not yet taken, readable without the lock (the
    /// owner checks it on every maintenance pass and before parking).
    len: AtomicUsize,
}

impl<T> LocalInbox<T> {
    pub(crate) fn new() -> LocalInbox<T> {
        LocalInbox {
            queue: Mutex::new(VecDeque::new()),
            len: AtomicUsize::new(0),
        }
    }

    /// Queues `task` for the owner. `None`: the caller must wake the owner.
    /// `Some(tasks)`: `is_shutdown` said the runtime is going away, and the
    /// caller must drop these (its own task included, and anything else
    /// still queued) instead, because the owner may never look again.
    pub(crate) fn push(&self, task: T, is_shutdown: impl FnOnce() -> bool) -> Option<VecDeque<T>> {
        self.queue.lock().push_back(task);
        self.len.fetch_add(1, SeqCst);
        // Pairs with the fence in `close`.
        fence(SeqCst);
        is_shutdown().then(|| self.take())
    }

    /// Everything queued so far (empty without locking when nothing is).
    pub(crate) fn take(&self) -> VecDeque<T> {
        if self.len.load(SeqCst) == 0 {
            return VecDeque::new();
        }
        let mut queue = self.queue.lock();
        self.len.store(0, SeqCst);
        std::mem::take(&mut *queue)
    }

    /// The owner's last look, after it saw the runtime's shutdown flag:
    /// everything queued, and from now on a pusher sees the flag and
    /// keeps its task.
    pub(crate) fn close(&self) -> VecDeque<T> {
        // Pairs with the fence in `push`.
        fence(SeqCst);
        self.take()
    }

    /// True if a task is waiting (a worker about to park asks).
    pub(crate) fn has_work(&self) -> bool {
        self.len.load(SeqCst) > 0
    }
}
