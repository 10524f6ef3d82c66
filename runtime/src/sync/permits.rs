//! The fair counting semaphore inside [`Lock`](super::Lock),
//! [`Semaphore`](super::Semaphore) and
//! [`BoundedSemaphore`](super::BoundedSemaphore).
//!
//! # State
//!
//! One mutex guards `available` (permits nobody holds and nobody has been
//! granted), the optional `bound` and the [`WaitList`] of acquirers, each
//! entry holding the number of permits it wants.
//!
//! # Invariants
//!
//! 1. **FIFO, no barging.** An acquire takes permits on the spot only when
//!    nobody is queued; otherwise it queues. Permits are granted only to the
//!    front of the line, so a large request is never overtaken by smaller
//!    ones that arrived later (asyncio's semaphore and lock).
//! 2. **Grant = transfer.** Granting subtracts the permits from
//!    `available` and marks the waiter notified, in one critical section;
//!    from then on they belong to that waiter (the lock is *handed* to the
//!    next waiter, never released in between).
//! 3. After every change, the front of the line wants more than `available`
//!    (or the line is empty): [`State::grant`] runs after each release and
//!    after each waiter that leaves.
//! 4. With a `bound`, `available` never exceeds it.
//!
//! # Cancellation
//!
//! Dropping an [`Acquire`] that is still queued just leaves the line (then
//! step 3 re-runs: it may have been the large request holding others back).
//! Dropping one that was granted but not yet polled returns its permits
//! and re-runs the grant loop, so they go to the next waiter: no permit is
//! ever lost to a cancelled acquirer.

use super::waiters::{Removed, WaitList, WaiterKey, WakeList};
use crate::loom::sync::Mutex;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// See the module docs.
#[derive(Debug)]
pub(crate) struct Permits {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    available: usize,
    bound: Option<usize>,
    /// Each entry: the number of permits that waiter wants.
    waiters: WaitList<usize>,
}

/// A release that would have grown the count past the bound.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OverBound;

impl Permits {
    /// `available` permits; with `bound`, releases may never raise the
    /// count above it.
    pub(crate) fn new(available: usize, bound: Option<usize>) -> Permits {
        Permits {
            state: Mutex::new(State {
                available,
                bound,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Waits for `n` permits, in line with the other acquirers.
    pub(crate) fn acquire(&self, n: usize) -> Acquire<'_> {
        Acquire {
            permits: self,
            wanted: n,
            key: None,
            done: false,
        }
    }

    /// Takes `n` permits if they are free and nobody is waiting.
    pub(crate) fn try_acquire(&self, n: usize) -> bool {
        self.state.lock().take_now(n)
    }

    /// Returns `n` permits and grants them to waiters.
    ///
    /// With a bound, a release that would exceed it changes nothing and
    /// fails.
    pub(crate) fn release(&self, n: usize) -> Result<(), OverBound> {
        let mut wakers = WakeList::new();
        let mut state = self.state.lock();
        let total = state.checked_total(n);
        if state.bound.is_some_and(|bound| total > bound) {
            return Err(OverBound);
        }
        state.available = total;
        state.grant(&mut wakers);
        drop(state);
        wakers.wake_all();
        Ok(())
    }

    /// Returns `n` permits, discarding any that would exceed the bound:
    /// used where no error can be reported (a permit's `Drop`).
    pub(crate) fn release_saturating(&self, n: usize) {
        let mut wakers = WakeList::new();
        let mut state = self.state.lock();
        state.add_saturating(n);
        state.grant(&mut wakers);
        drop(state);
        wakers.wake_all();
    }

    /// Permits free right now.
    pub(crate) fn available(&self) -> usize {
        self.state.lock().available
    }

    /// True when an acquire of `n` would have to wait (asyncio's
    /// `locked()`: no free permit, or someone already waiting).
    pub(crate) fn would_wait(&self, n: usize) -> bool {
        let state = self.state.lock();
        !state.waiters.is_empty() || state.available < n
    }
}

impl State {
    /// The fast path: free permits and an empty line.
    fn take_now(&mut self, n: usize) -> bool {
        if self.waiters.is_empty() && self.available >= n {
            self.available -= n;
            true
        } else {
            false
        }
    }

    fn checked_total(&self, n: usize) -> usize {
        self.available
            .checked_add(n)
            .expect("semaphore permit count overflowed usize")
    }

    fn add_saturating(&mut self, n: usize) {
        let total = self.checked_total(n);
        self.available = match self.bound {
            Some(bound) => total.min(bound),
            None => total,
        };
    }

    /// Invariant 3: grants the front of the line while it can be served.
    fn grant(&mut self, wakers: &mut WakeList) {
        while let Some(&wanted) = self.waiters.front() {
            if wanted > self.available {
                break;
            }
            self.available -= wanted;
            self.waiters.notify_front(wakers);
        }
    }
}

/// The future of [`Permits::acquire`]: resolves once its permits are
/// taken. Dropping it before then gives them back (module docs).
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub(crate) struct Acquire<'a> {
    permits: &'a Permits,
    wanted: usize,
    /// `Some` while queued or granted-but-not-collected.
    key: Option<WaiterKey>,
    done: bool,
}

impl Future for Acquire<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        assert!(!self.done, "Acquire polled after completion");
        // A loop of uncontended acquires must still yield now and then.
        let coop = ready!(crate::coop::poll_proceed(cx));
        let this = &mut *self;
        let mut state = this.permits.state.lock();
        match this.key.take() {
            None if state.take_now(this.wanted) => {}
            None => {
                this.key = Some(state.waiters.push_back(this.wanted, cx.waker()));
                return Poll::Pending;
            }
            Some(key) => match state.waiters.poll_notified(key, cx.waker()) {
                Ok(_granted) => {}
                Err(key) => {
                    this.key = Some(key);
                    return Poll::Pending;
                }
            },
        }
        drop(state);
        this.done = true;
        coop.made_progress();
        Poll::Ready(())
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let mut wakers = WakeList::new();
        let mut state = self.permits.state.lock();
        if let Removed::Notified(granted) = state.waiters.remove(key) {
            state.add_saturating(granted);
        }
        state.grant(&mut wakers);
        drop(state);
        wakers.wake_all();
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use std::task::Waker;

    fn poll(acquire: &mut Acquire<'_>) -> Poll<()> {
        Pin::new(acquire).poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn a_large_request_at_the_head_holds_smaller_ones_back() {
        let permits = Permits::new(1, None);
        let mut big = permits.acquire(3);
        let mut small = permits.acquire(1);
        assert!(poll(&mut big).is_pending());
        assert!(poll(&mut small).is_pending(), "no barging past the head");
        assert!(!permits.try_acquire(1));
        permits.release(2).unwrap();
        assert!(poll(&mut big).is_ready());
        assert!(poll(&mut small).is_pending());
        permits.release(3).unwrap();
        assert!(poll(&mut small).is_ready());
        assert_eq!(permits.available(), 2);
    }

    #[test]
    fn a_cancelled_head_lets_the_line_move() {
        let permits = Permits::new(2, None);
        let mut big = permits.acquire(5);
        let mut small = permits.acquire(2);
        assert!(poll(&mut big).is_pending());
        assert!(poll(&mut small).is_pending());
        drop(big);
        assert!(poll(&mut small).is_ready());
        assert_eq!(permits.available(), 0);
    }

    #[test]
    fn a_granted_but_cancelled_acquire_passes_its_permits_on() {
        let permits = Permits::new(0, None);
        let mut first = permits.acquire(2);
        let mut second = permits.acquire(2);
        assert!(poll(&mut first).is_pending());
        assert!(poll(&mut second).is_pending());
        permits.release(2).unwrap(); // granted to `first`
        drop(first);
        assert!(poll(&mut second).is_ready());
        drop(second);
        assert_eq!(permits.available(), 0, "the permits left with `second`");
    }

    #[test]
    fn the_bound_caps_releases() {
        let permits = Permits::new(1, Some(1));
        assert_eq!(permits.release(1), Err(OverBound));
        assert!(permits.try_acquire(1));
        assert_eq!(permits.release(1), Ok(()));
        permits.release_saturating(1);
        assert_eq!(permits.available(), 1);
    }
}
