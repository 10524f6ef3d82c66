//! Who is awake: the counters that decide whether new work needs a parked
//! worker woken, and the list of parked workers.
//!
//! Waking a parked thread costs tens of microseconds on this kind of
//! machine, so the rule is: wake at most one sleeper per burst of new work,
//! and none while some worker is already *searching* (stealing) — that
//! worker will find the work, and if it finds some while other work remains
//! it wakes the next one (a chain, not a herd).
//!
//! `state` packs two counts: workers not parked (`unparked`), and among
//! them, workers searching for work (`searching`). At most half the workers
//! search at once, so stealing cannot thrash the queues.
//!
//! # Park/unpark protocol (no lost wake-up)
//! Producer ([`Idle::notify_after_push`]): (1) push the task to a queue;
//! (2) `fence(SeqCst)`; (3) [`Idle::worker_to_notify`] reads `state`; if no
//! one searches and some worker is parked, pop a sleeper, count it unparked
//! and searching, and notify its poller.
//!
//! Parking worker ([`Idle::park_unless`]): (1)
//! [`Idle::transition_worker_to_parked`]: under the sleepers lock, decrement
//! the counts (SeqCst) and push itself; (2) `fence(SeqCst)`; (3) re-check
//! every queue; if work is visible, [`Idle::unpark_worker_by_id`] itself
//! and run; otherwise wait in its poller.
//!
//! Both halves live here, fences included, and the scheduler calls them;
//! the loom models (`loom_idle.rs`) call the same two functions.
//!
//! The two SeqCst fences order (producer push, producer read) against
//! (worker decrement, worker re-check): either the producer sees the worker
//! parked and notifies it, or the worker sees the task. A searching worker
//! that the producer counted on (and so did not notify anyone for)
//! re-checks the same way when it parks, and takes the work itself if it
//! is there: nobody else needs notifying (loom:
//! `loom_a_searching_worker_that_parks_still_sees_new_work`). A notify that
//! lands before the worker's `wait` is not lost: the poller keeps it.
//!
//! Who notifies a sleeper, then: a producer that saw nobody searching
//! ([`Idle::worker_to_notify`]); a worker whose local queue holds more than
//! it will run next; the last searcher to find work while more is visible
//! (`worker.rs`, `run_task`); the monitor when a peer stalls; shutdown.

use crate::loom::sync::atomic::{fence, AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::Mutex;

/// `searching` lives above this bit; `unparked` below.
const SEARCH_SHIFT: usize = 16;
const UNPARK_MASK: usize = (1 << SEARCH_SHIFT) - 1;
const SEARCH_ONE: usize = 1 << SEARCH_SHIFT;

/// The most workers the packing allows.
pub(crate) const MAX_WORKERS: usize = UNPARK_MASK;

pub(crate) struct Idle {
    state: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Idle {
        assert!(num_workers <= MAX_WORKERS);
        Idle {
            // Every worker starts unparked and not searching.
            state: AtomicUsize::new(num_workers),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
    }

    /// The producer's half of the protocol, called after the new work is
    /// in a queue every worker checks before it sleeps: the parked worker
    /// to notify, if any.
    pub(crate) fn notify_after_push(&self) -> Option<usize> {
        // Pairs with the fence in `park_unless` (and, for `push_remote`,
        // with the SeqCst swap of the shutdown flag, which it reads after).
        fence(SeqCst);
        self.worker_to_notify()
    }

    /// The parking worker's half of the protocol: lists `worker` as
    /// parked, then asks `has_work` (which must check every queue a
    /// producer could have pushed to). `None`: sleep, a producer that
    /// pushes from now on sees this worker parked. `Some(searching)`: work
    /// is visible, so the worker stays up; `searching` is true if a
    /// producer had already picked it (it counts as a searcher).
    pub(crate) fn park_unless(
        &self,
        worker: usize,
        is_searching: bool,
        has_work: impl FnOnce() -> bool,
    ) -> Option<bool> {
        self.transition_worker_to_parked(worker, is_searching);
        // Pairs with the fence in `notify_after_push`.
        fence(SeqCst);
        has_work().then(|| self.unpark_worker_by_id(worker))
    }

    /// Picks a parked worker to wake for new work, or `None` if a searching
    /// worker will find it or nobody is parked. The chosen worker is counted
    /// unparked and searching before it even wakes, so concurrent producers
    /// do not wake a second one.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        if !self.notify_should_wakeup() {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        // Re-check under the lock: another producer may have woken someone.
        if !self.notify_should_wakeup() {
            return None;
        }
        let worker = sleepers.pop()?;
        self.state.fetch_add(1 | SEARCH_ONE, SeqCst);
        Some(worker)
    }

    fn notify_should_wakeup(&self) -> bool {
        let state = self.state.load(SeqCst);
        state >> SEARCH_SHIFT == 0 && (state & UNPARK_MASK) < self.num_workers
    }

    /// A worker with nothing to do tries to become a searcher. Fails when
    /// half the workers already search (a compare-and-swap, so concurrent
    /// callers cannot together go past the half).
    pub(crate) fn try_transition_to_searching(&self) -> bool {
        let mut state = self.state.load(SeqCst);
        loop {
            if 2 * (state >> SEARCH_SHIFT) >= self.num_workers {
                return false;
            }
            match self
                .state
                .compare_exchange_weak(state, state + SEARCH_ONE, SeqCst, SeqCst)
            {
                Ok(_) => return true,
                Err(actual) => state = actual,
            }
        }
    }

    /// A searcher found work. Returns true if it was the last searcher, in
    /// which case it must wake another worker if more work is waiting.
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(SEARCH_ONE, SeqCst);
        debug_assert!(prev >> SEARCH_SHIFT > 0);
        prev >> SEARCH_SHIFT == 1
    }

    /// A worker parks. Returns true if it was the last searcher.
    pub(crate) fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) -> bool {
        let mut sleepers = self.sleepers.lock();
        let dec = 1 + if is_searching { SEARCH_ONE } else { 0 };
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(worker);
        is_searching && prev >> SEARCH_SHIFT == 1
    }

    /// A worker woke up (or decided not to sleep). If it is still listed as
    /// a sleeper, nobody notified it: unlist it and count it unparked, not
    /// searching (returns false). If it is not listed, a producer picked it
    /// and already counted it unparked and searching (returns true).
    pub(crate) fn unpark_worker_by_id(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        match sleepers.iter().position(|&w| w == worker) {
            Some(index) => {
                sleepers.swap_remove(index);
                self.state.fetch_add(1, SeqCst);
                false
            }
            None => true,
        }
    }

    /// Workers currently searching.
    #[cfg(all(test, not(runtime_loom)))]
    pub(crate) fn num_searching(&self) -> usize {
        self.state.load(SeqCst) >> SEARCH_SHIFT
    }

    /// True if `worker` is on the sleepers list.
    #[cfg(all(test, not(runtime_loom)))]
    pub(crate) fn is_listed(&self, worker: usize) -> bool {
        self.sleepers.lock().contains(&worker)
    }

    /// Workers currently not parked.
    #[cfg(all(test, not(runtime_loom)))]
    pub(crate) fn num_unparked(&self) -> usize {
        self.state.load(SeqCst) & UNPARK_MASK
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;

    #[test]
    fn nobody_is_woken_while_all_workers_are_up() {
        let idle = Idle::new(2);
        assert_eq!(idle.worker_to_notify(), None);
    }

    #[test]
    fn a_parked_worker_is_woken_once() {
        let idle = Idle::new(2);
        assert!(!idle.transition_worker_to_parked(1, false));
        assert_eq!(idle.worker_to_notify(), Some(1));
        // It now counts as searching: a second producer wakes nobody.
        assert_eq!(idle.worker_to_notify(), None);
        assert_eq!(idle.num_searching(), 1);
        // The woken worker finds itself unlisted: it was notified.
        assert!(idle.unpark_worker_by_id(1));
    }

    #[test]
    fn at_most_half_the_workers_search() {
        let idle = Idle::new(4);
        assert!(idle.try_transition_to_searching());
        assert!(idle.try_transition_to_searching());
        assert!(!idle.try_transition_to_searching());
        assert!(!idle.transition_worker_from_searching());
        assert!(idle.transition_worker_from_searching());
    }

    #[test]
    fn last_searcher_to_park_is_told_so() {
        let idle = Idle::new(2);
        assert!(idle.try_transition_to_searching());
        assert!(idle.transition_worker_to_parked(0, true));
        assert_eq!(idle.num_unparked(), 1);
        assert!(!idle.unpark_worker_by_id(0));
        assert_eq!(idle.num_unparked(), 2);
    }
}
