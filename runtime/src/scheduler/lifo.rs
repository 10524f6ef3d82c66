//! The LIFO slot: the task a worker runs next, stealable by the other
//! workers: by a searching worker on its last pass before parking, and by
//! every worker while the owner is stalled.
//!
//! A task woken during a poll on a worker goes here, so a message's
//! receiver runs right after its sender (`worker.rs`). If the sender then
//! blocks its worker, the receiver must not be stranded behind it: the
//! slot is one atomic pointer, and a helper serving a stalled worker
//! ([`LifoSlot::take`] from another thread) takes the task out.
//!
//! # Protocol
//! - Only the owner puts a task in ([`LifoSlot::push`], an atomic swap that
//!   hands back the task it displaced).
//! - Anyone takes it out ([`LifoSlot::take`], a swap with null): the owner
//!   after each poll, a searching peer on its last pass, a helper of a
//!   stalled owner. A swap moves the pointer, so each queued reference is
//!   taken exactly once (model-checked in `loom_handover.rs`).
//! - AcqRel on both sides: the taker sees the task as its pusher left it.
//!
//! The owner's fast path costs one swap per wake-up and one load per poll
//! (`take` skips the swap when the slot is empty).

use crate::loom::sync::atomic::{AtomicPtr, Ordering::*};
use crate::task::{Header, Notified, RawTask};
use std::ptr::{null_mut, NonNull};

pub(crate) struct LifoSlot {
    /// A queued task's reference, or null.
    task: AtomicPtr<Header>,
}

impl LifoSlot {
    pub(crate) fn new() -> LifoSlot {
        LifoSlot {
            task: AtomicPtr::new(null_mut()),
        }
    }

    /// Puts `task` in the slot (owner only); returns the task it displaced.
    pub(crate) fn push(&self, task: Notified) -> Option<Notified> {
        let new = task.into_raw().ptr().as_ptr();
        let old = self.task.swap(new, AcqRel);
        // SAFETY: a non-null pointer in the slot carries a queued task's
        // reference, which the swap moved to us.
        NonNull::new(old).map(|ptr| unsafe { Notified::from_raw(RawTask::from_ptr(ptr)) })
    }

    /// Takes the task out, if any (the owner, or a helper of a stalled owner).
    pub(crate) fn take(&self) -> Option<Notified> {
        if self.task.load(Relaxed).is_null() {
            return None;
        }
        let old = self.task.swap(null_mut(), AcqRel);
        // SAFETY: as in `push`: the swap moved the reference to us.
        NonNull::new(old).map(|ptr| unsafe { Notified::from_raw(RawTask::from_ptr(ptr)) })
    }
}

impl Drop for LifoSlot {
    fn drop(&mut self) {
        drop(self.take());
    }
}
