//! The waiter queue every primitive in `sync` is built on: a FIFO list of
//! parked futures, each with its waker and a *notified* mark.
//!
//! [`WaitList`] is a plain data structure: it lives inside the primitive's
//! own mutex, next to the state it guards (permits, the event flag, the
//! barrier's count), so that "check the state, else join the queue" and
//! "change the state, then grant waiters" are each one critical section.
//!
//! # Layout
//!
//! Entries live in a [`Slab`]; the queued ones form a doubly-linked list
//! threaded through the slab (`head` → `tail`), so joining at the back,
//! granting the front and leaving from the middle are all O(1), and a
//! primitive with no waiters allocates nothing beyond the slab's amortised
//! growth.
//!
//! # Invariants
//!
//! 1. An entry is either **queued** (linked, in arrival order) or
//!    **notified** (unlinked, waiting for its future to collect the grant).
//!    Notification only moves an entry from the first state to the second.
//! 2. Each entry belongs to exactly one future, which holds its
//!    [`WaiterKey`]. The key is not `Clone`, and every operation that frees
//!    the entry consumes it, so a slab slot is never freed twice and a
//!    reused slot is never mistaken for the old waiter.
//! 3. `queued` equals the number of linked entries.
//!
//! # Protocols
//!
//! Waiting (a future's `poll`):
//! 1. Under the primitive's lock, try the fast path (a free permit, a set
//!    event, ...) — only when the queue is empty, so nobody barges ahead of
//!    a parked waiter.
//! 2. Otherwise [`push_back`](WaitList::push_back) an entry with the
//!    current waker and return `Pending`.
//! 3. On later polls, [`poll_notified`](WaitList::poll_notified) either
//!    hands back the entry's value (the grant) or refreshes the waker.
//!
//! Granting (a release, `set`, `notify`):
//! 1. Under the lock, change the state and
//!    [`notify_front`](WaitList::notify_front) as many waiters as it
//!    allows; their wakers go into a [`WakeList`].
//! 2. Release the lock, then wake the list: a woken task that runs at once
//!    on another worker never finds the lock still held by its waker.
//!
//! Cancelling (the future is dropped while it holds a key):
//! 1. Under the lock, [`remove`](WaitList::remove) the entry.
//! 2. [`Removed::Queued`]: it simply leaves the line; the primitive may
//!    still re-run its grant loop (a large request at the head may have
//!    been holding smaller ones back).
//! 3. [`Removed::Notified`]: it had been granted something it will never
//!    use. The primitive gives the grant back (returns the permit, passes
//!    the notification to the next waiter), so nothing is lost.

use slab::Slab;
use std::fmt;
use std::task::Waker;

/// Identifies one waiter's entry; owned by that waiter's future.
///
/// # Invariant
/// Not `Clone`: the one future holding it is the only code that can poll or
/// remove the entry, and doing so consumes or returns the key.
#[derive(Debug)]
pub(crate) struct WaiterKey(usize);

/// What [`WaitList::remove`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Removed<T> {
    /// The waiter was still in line; nothing was granted to it.
    Queued(T),
    /// The waiter had been notified but never collected the grant: the
    /// caller must pass it on.
    Notified(T),
}

#[derive(Debug)]
enum Link {
    Queued {
        prev: Option<usize>,
        next: Option<usize>,
    },
    Notified,
}

#[derive(Debug)]
struct Entry<T> {
    /// The request (permits wanted) or, once notified, the grant (a
    /// barrier's arrival index).
    value: T,
    /// `None` once notified: the waker has moved to a [`WakeList`].
    waker: Option<Waker>,
    link: Link,
}

/// A FIFO of waiters; see the module docs.
pub(crate) struct WaitList<T> {
    entries: Slab<Entry<T>>,
    head: Option<usize>,
    tail: Option<usize>,
    queued: usize,
}

impl<T> WaitList<T> {
    pub(crate) fn new() -> WaitList<T> {
        WaitList {
            entries: Slab::new(),
            head: None,
            tail: None,
            queued: 0,
        }
    }

    /// True when nobody is in line (notified entries do not count).
    pub(crate) fn is_empty(&self) -> bool {
        self.queued == 0
    }

    /// Waiters in line (notified entries do not count).
    pub(crate) fn len(&self) -> usize {
        self.queued
    }

    /// Joins the back of the line.
    pub(crate) fn push_back(&mut self, value: T, waker: &Waker) -> WaiterKey {
        let key = self.entries.insert(Entry {
            value,
            waker: Some(waker.clone()),
            link: Link::Queued {
                prev: self.tail,
                next: None,
            },
        });
        match self.tail {
            Some(tail) => self.set_next(tail, Some(key)),
            None => self.head = Some(key),
        }
        self.tail = Some(key);
        self.queued += 1;
        WaiterKey(key)
    }

    /// The request of the first waiter in line.
    pub(crate) fn front(&self) -> Option<&T> {
        self.head.map(|key| &self.entries[key].value)
    }

    /// Takes the first waiter out of line and marks it notified; its waker
    /// goes to `wakers`. Returns its value so the caller can record the
    /// grant in it.
    pub(crate) fn notify_front(&mut self, wakers: &mut WakeList) -> Option<&mut T> {
        let key = self.head?;
        self.unlink(key);
        let entry = &mut self.entries[key];
        entry.link = Link::Notified;
        if let Some(waker) = entry.waker.take() {
            wakers.push(waker);
        }
        Some(&mut entry.value)
    }

    /// Collects the grant if the waiter was notified (freeing its entry);
    /// otherwise stores `waker` and gives the key back.
    pub(crate) fn poll_notified(&mut self, key: WaiterKey, waker: &Waker) -> Result<T, WaiterKey> {
        let entry = &mut self.entries[key.0];
        match entry.link {
            Link::Notified => Ok(self.entries.remove(key.0).value),
            Link::Queued { .. } => {
                match &mut entry.waker {
                    Some(current) if current.will_wake(waker) => {}
                    slot => *slot = Some(waker.clone()),
                }
                Err(key)
            }
        }
    }

    /// Frees the entry of a waiter that gives up (its future was dropped).
    pub(crate) fn remove(&mut self, key: WaiterKey) -> Removed<T> {
        if let Link::Queued { .. } = self.entries[key.0].link {
            self.unlink(key.0);
            Removed::Queued(self.entries.remove(key.0).value)
        } else {
            Removed::Notified(self.entries.remove(key.0).value)
        }
    }

    /// Unlinks a queued entry, leaving it in the slab.
    fn unlink(&mut self, key: usize) {
        let Link::Queued { prev, next } = self.entries[key].link else {
            unreachable!("only queued entries are linked");
        };
        match prev {
            Some(prev) => self.set_next(prev, next),
            None => self.head = next,
        }
        match next {
            Some(next) => self.set_prev(next, prev),
            None => self.tail = prev,
        }
        self.queued -= 1;
    }

    fn set_next(&mut self, key: usize, to: Option<usize>) {
        if let Link::Queued { next, .. } = &mut self.entries[key].link {
            *next = to;
        }
    }

    fn set_prev(&mut self, key: usize, to: Option<usize>) {
        if let Link::Queued { prev, .. } = &mut self.entries[key].link {
            *prev = to;
        }
    }
}

impl<T> fmt::Debug for WaitList<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitList")
            .field("queued", &self.queued)
            .field("notified", &(self.entries.len() - self.queued))
            .finish()
    }
}

/// Wakers collected under a lock, to be woken once it is released.
///
/// Dropping the list wakes whatever it still holds, so an early return
/// cannot lose a wake-up; declare it *before* taking the lock so that it is
/// dropped after the guard.
#[derive(Debug, Default)]
pub(crate) struct WakeList {
    /// Inline room for the common case (a lock or permit handed to one
    /// waiter), so a hand-off does not allocate.
    first: Option<Waker>,
    rest: Vec<Waker>,
}

impl WakeList {
    pub(crate) fn new() -> WakeList {
        WakeList::default()
    }

    fn push(&mut self, waker: Waker) {
        if self.first.is_none() {
            self.first = Some(waker);
        } else {
            self.rest.push(waker);
        }
    }

    /// Wakes every collected waker, in the order they were notified.
    pub(crate) fn wake_all(&mut self) {
        crate::contain::wake_all(self.first.take().into_iter().chain(self.rest.drain(..)));
    }
}

impl Drop for WakeList {
    fn drop(&mut self) {
        self.wake_all();
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::Wake;

    /// Counts its wake-ups.
    #[derive(Default)]
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    fn counting_waker() -> (Arc<Counter>, Waker) {
        let counter = Arc::new(Counter::default());
        (counter.clone(), Waker::from(counter))
    }

    /// Notifies the whole line, returning the values in grant order.
    fn drain(list: &mut WaitList<u32>) -> Vec<u32> {
        let mut wakers = WakeList::new();
        let mut order = Vec::new();
        while let Some(v) = list.notify_front(&mut wakers) {
            order.push(*v);
        }
        order
    }

    #[test]
    fn waiters_are_granted_in_arrival_order() {
        let mut list = WaitList::new();
        let keys: Vec<_> = (0..5).map(|i| list.push_back(i, Waker::noop())).collect();
        assert_eq!(list.len(), 5);
        assert_eq!(list.front(), Some(&0));
        assert_eq!(drain(&mut list), vec![0, 1, 2, 3, 4]);
        assert!(list.is_empty());
        for (i, key) in keys.into_iter().enumerate() {
            assert_eq!(list.poll_notified(key, Waker::noop()).ok(), Some(i as u32));
        }
        assert_eq!(list.entries.len(), 0, "collected entries are freed");
    }

    #[test]
    fn leaving_from_the_head_middle_and_tail_keeps_the_order() {
        let mut list = WaitList::new();
        let mut keys: Vec<_> = (0..6)
            .map(|i| Some(list.push_back(i, Waker::noop())))
            .collect();
        for i in [0, 3, 5] {
            let key = keys[i].take().unwrap();
            assert_eq!(list.remove(key), Removed::Queued(i as u32));
        }
        assert_eq!(list.len(), 3);
        assert_eq!(list.front(), Some(&1));
        // New arrivals go behind the survivors, even in reused slots.
        list.push_back(6, Waker::noop());
        assert_eq!(drain(&mut list), vec![1, 2, 4, 6]);
    }

    #[test]
    fn a_notified_waiter_that_leaves_reports_its_grant() {
        let mut list = WaitList::new();
        let a = list.push_back(10, Waker::noop());
        let b = list.push_back(20, Waker::noop());
        let mut wakers = WakeList::new();
        *list.notify_front(&mut wakers).unwrap() += 1;
        // `a` was granted (and its value updated) but drops before polling.
        assert_eq!(list.remove(a), Removed::Notified(11));
        assert_eq!(list.remove(b), Removed::Queued(20));
        assert!(list.is_empty());
        assert_eq!(list.entries.len(), 0);
    }

    #[test]
    fn polling_refreshes_the_waker_until_notified() {
        let (first, first_waker) = counting_waker();
        let (second, second_waker) = counting_waker();
        let mut list = WaitList::new();
        let key = list.push_back((), &first_waker);
        // Polled again from elsewhere (the task moved): the new waker counts.
        let key = list.poll_notified(key, &second_waker).unwrap_err();
        let mut wakers = WakeList::new();
        list.notify_front(&mut wakers);
        assert_eq!(second.0.load(SeqCst), 0, "woken only after the lock");
        wakers.wake_all();
        assert_eq!((first.0.load(SeqCst), second.0.load(SeqCst)), (0, 1));
        assert_eq!(list.poll_notified(key, &second_waker).ok(), Some(()));
    }

    #[test]
    fn a_dropped_wake_list_still_wakes() {
        let counters: Vec<_> = (0..3).map(|_| counting_waker()).collect();
        let mut list = WaitList::new();
        for (_, waker) in &counters {
            list.push_back((), waker);
        }
        {
            let mut wakers = WakeList::new();
            while list.notify_front(&mut wakers).is_some() {}
        }
        for (counter, _) in &counters {
            assert_eq!(counter.0.load(SeqCst), 1);
        }
    }

    #[test]
    fn an_empty_list_notifies_nobody() {
        let mut list = WaitList::<u32>::new();
        let mut wakers = WakeList::new();
        assert!(list.notify_front(&mut wakers).is_none());
        assert!(list.front().is_none());
        assert!(wakers.first.is_none() && wakers.rest.is_empty());
    }
}
