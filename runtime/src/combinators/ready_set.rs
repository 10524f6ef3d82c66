//! [`ReadySet`]: one waker per child future, so a combinator re-polls only
//! the children that were woken.
//!
//! `gather` polls N futures inside one task. With the task's own waker
//! handed to every child, any wake-up would force a poll of all N
//! (O(N) per event, O(N²) for a gather whose children finish one by one).
//! Instead each child gets a *child waker* that records its index in a
//! shared queue and then wakes the parent. `wait` and `as_completed` use
//! the same set, woken from task done callbacks instead of child polls.
//!
//! # Invariants
//! 1. `flags[i]` is true while index `i` is in the queue or was drained but
//!    not yet cleared by the poller: a burst of wakes queues `i` once.
//! 2. The queue and the parent waker live under one lock, so a wake either
//!    lands before a drain (the drain returns it) or after it (it wakes the
//!    parent waker that the drain installed). No wake-up is lost.
//!
//! # Protocol
//! Waking child `i` (any thread):
//! 1. `flags[i].swap(true)`; if it was already true, stop (invariant 1).
//! 2. Lock; push `i`; clone the parent waker; unlock.
//! 3. Wake the clone, outside the lock.
//!
//! Polling the parent ([`ReadySet::drain`]):
//! 1. Lock; install the current waker as the parent; move the queue out;
//!    unlock.
//! 2. Clear the flag of every drained index, *then* poll those children:
//!    a wake between 1 and 2 was merged into this poll (its flag was still
//!    set), and its event happened before the poll below, which sees it.
//!
//! Dropping the owner calls [`ReadySet::close`]: the parent waker is
//! released at once, so wake-ups arriving later (from tasks the owner gave
//! up on) do not keep the parent task's allocation alive.

use parking_lot::Mutex;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering::AcqRel};
use std::sync::Arc;
use std::task::{Wake, Waker};

/// Which children were woken since the last poll, plus their wakers.
pub struct ReadySet {
    shared: Arc<Shared>,
    wakers: Box<[Waker]>,
}

struct Shared {
    /// Invariant 1 of the module docs.
    flags: Box<[AtomicBool]>,
    inner: Mutex<Inner>,
}

struct Inner {
    /// Invariant 2: the queue and the waker change under one lock.
    queue: Vec<usize>,
    parent: Option<Waker>,
}

/// The waker handed to child `index`.
struct Child {
    shared: Arc<Shared>,
    index: usize,
}

impl Wake for Child {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Step 1: AcqRel pairs with the poller's clearing swap (drain step
        // 2), so whatever this waker's caller published is visible to the
        // poll that follows.
        if self.shared.flags[self.index].swap(true, AcqRel) {
            return;
        }
        // Step 2.
        let parent = {
            let mut inner = self.shared.inner.lock();
            inner.queue.push(self.index);
            inner.parent.clone()
        };
        // Step 3.
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

impl ReadySet {
    /// A set of `len` children, all initially ready (each must be polled
    /// once to start it): what `gather` needs.
    pub fn new(len: usize) -> ReadySet {
        ReadySet::with_state(len, true)
    }

    /// A set of `len` children, none ready until woken: what `wait` and
    /// `as_completed` need (their children are tasks that wake them once,
    /// on completion).
    pub(crate) fn new_idle(len: usize) -> ReadySet {
        ReadySet::with_state(len, false)
    }

    fn with_state(len: usize, ready: bool) -> ReadySet {
        let shared = Arc::new(Shared {
            flags: (0..len).map(|_| AtomicBool::new(ready)).collect(),
            inner: Mutex::new(Inner {
                queue: if ready {
                    (0..len).collect()
                } else {
                    Vec::new()
                },
                parent: None,
            }),
        });
        let wakers = (0..len)
            .map(|index| {
                Waker::from(Arc::new(Child {
                    shared: shared.clone(),
                    index,
                }))
            })
            .collect();
        ReadySet { shared, wakers }
    }

    /// The number of children.
    pub fn len(&self) -> usize {
        self.wakers.len()
    }

    /// True if there are no children.
    pub fn is_empty(&self) -> bool {
        self.wakers.is_empty()
    }

    /// The waker to poll child `index` with.
    pub fn waker(&self, index: usize) -> &Waker {
        &self.wakers[index]
    }

    /// Installs `parent` as the waker to wake, and appends the indices woken
    /// since the last call to `out` (the polling protocol in the module
    /// docs). The caller polls exactly those children.
    pub fn drain(&self, parent: &Waker, out: &mut Vec<usize>) {
        let start = out.len();
        {
            let mut inner = self.shared.inner.lock();
            match &inner.parent {
                Some(existing) if existing.will_wake(parent) => {}
                _ => inner.parent = Some(parent.clone()),
            }
            out.append(&mut inner.queue);
        }
        for &index in &out[start..] {
            // Step 2: AcqRel pairs with the waker's swap (wake step 1).
            self.shared.flags[index].swap(false, AcqRel);
        }
    }

    /// Forgets the parent waker: later wake-ups wake nobody.
    pub(crate) fn close(&self) {
        let parent = self.shared.inner.lock().parent.take();
        drop(parent);
    }
}

impl fmt::Debug for ReadySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadySet")
            .field("len", &self.len())
            .field("queued", &self.shared.inner.lock().queue.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    fn counting() -> (Arc<CountingWaker>, Waker) {
        let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
        (counter.clone(), Waker::from(counter))
    }

    #[test]
    fn all_children_start_ready_and_drain_once() {
        let set = ReadySet::new(3);
        let (_, parent) = counting();
        let mut out = Vec::new();
        set.drain(&parent, &mut out);
        assert_eq!(out, [0, 1, 2]);
        out.clear();
        set.drain(&parent, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn a_burst_of_wakes_queues_a_child_once_and_wakes_the_parent_once() {
        let set = ReadySet::new_idle(4);
        let (count, parent) = counting();
        let mut out = Vec::new();
        set.drain(&parent, &mut out);
        assert!(out.is_empty());
        for _ in 0..5 {
            set.waker(2).wake_by_ref();
        }
        set.waker(0).wake_by_ref();
        assert_eq!(count.0.load(SeqCst), 2);
        set.drain(&parent, &mut out);
        assert_eq!(out, [2, 0]);
        // Drained flags are cleared: the next wake queues again.
        set.waker(2).wake_by_ref();
        out.clear();
        set.drain(&parent, &mut out);
        assert_eq!(out, [2]);
    }

    #[test]
    fn after_close_wakes_reach_nobody() {
        let set = ReadySet::new_idle(1);
        let (count, parent) = counting();
        set.drain(&parent, &mut Vec::new());
        set.close();
        set.waker(0).wake_by_ref();
        assert_eq!(count.0.load(SeqCst), 0);
    }
}
