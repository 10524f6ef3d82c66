//! [`Barrier`] (asyncio's `Barrier`) and [`BrokenBarrier`], its error.
//!
//! # State
//!
//! One mutex guards the `broken` flag and the [`WaitList`] of the tasks
//! that have arrived in the current round; each entry's value is its
//! outcome, `None` until the round ends.
//!
//! # The round protocol
//!
//! 1. A task arrives: if the barrier is broken it gets `BrokenBarrier` at
//!    once. Otherwise, if it is not the last of `parties`, it joins the
//!    line and waits.
//! 2. The last arrival trips the barrier: in one critical section it
//!    notifies every waiter, front to back, with indices `0, 1, …` and
//!    returns `parties - 1` itself. The line is then empty, so the next
//!    arrival starts a new round at once.
//! 3. [`abort`](Barrier::abort) notifies every waiter with `BrokenBarrier`
//!    and marks the barrier broken, so later arrivals fail too, until
//!    [`reset`](Barrier::reset), which also fails the current waiters but
//!    leaves the barrier usable.
//!
//! # Invariants
//!
//! 1. Fewer than `parties` tasks are ever in line, and none while broken.
//! 2. The indices of one round are a permutation of `0..parties`, in
//!    arrival order among the tasks still there when it trips.
//!
//! # Cancellation
//!
//! A waiter dropped before the barrier trips leaves the line, so it no
//! longer counts: the round needs one more arrival. That is asyncio's rule
//! (a cancelled `wait` decrements the count on its way out), and it cannot
//! deadlock the others: they trip with whoever arrives next. asyncio
//! computes the index at arrival, so after a cancellation two tasks of one
//! round may get the same index; here indices are given out when the
//! barrier trips, so they stay a permutation. A waiter dropped after the
//! barrier tripped simply discards its index: the round is over.

use super::waiters::{WaitList, WaiterKey, WakeList};
use crate::loom::sync::Mutex;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// asyncio's `Barrier`: each [`wait`](Barrier::wait) blocks until
/// `parties` tasks are waiting, then all of them go on, each with a
/// distinct index in `0..parties`. The barrier is then ready for the next
/// round.
///
/// ```
/// use runtime::sync::Barrier;
/// use std::sync::Arc;
/// # runtime::run(async {
/// let barrier = Arc::new(Barrier::new(3));
/// let tasks: Vec<_> = (0..3)
///     .map(|_| {
///         let barrier = barrier.clone();
///         runtime::spawn(async move { barrier.wait().await.unwrap() })
///     })
///     .collect();
/// let mut indices = Vec::new();
/// for task in tasks {
///     indices.push(task.await.unwrap());
/// }
/// indices.sort();
/// assert_eq!(indices, [0, 1, 2]);
/// # });
/// ```
pub struct Barrier {
    parties: usize,
    state: Mutex<State>,
}

/// A waiter's outcome: `None` while the round fills.
type Outcome = Option<Result<usize, BrokenBarrier>>;

struct State {
    broken: bool,
    waiters: WaitList<Outcome>,
}

impl Barrier {
    /// A barrier for `parties` tasks.
    ///
    /// # Panics
    /// If `parties` is 0 (asyncio raises `ValueError`).
    ///
    /// ```
    /// let barrier = runtime::sync::Barrier::new(2);
    /// assert_eq!((barrier.parties(), barrier.n_waiting()), (2, 0));
    /// ```
    #[track_caller]
    pub fn new(parties: usize) -> Barrier {
        assert!(parties > 0, "Barrier::new: parties must be at least 1");
        Barrier {
            parties,
            state: Mutex::new(State {
                broken: false,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Waits until `parties` tasks are waiting, and returns this task's
    /// arrival index in `0..parties` (the last to arrive gets
    /// `parties - 1`), or [`BrokenBarrier`] if the barrier is broken or gets
    /// aborted or reset meanwhile.
    ///
    /// Cancel-safe: a task that stops waiting before the barrier trips no
    /// longer counts towards it (module docs).
    ///
    /// ```
    /// # runtime::run(async {
    /// let barrier = runtime::sync::Barrier::new(1);
    /// assert_eq!(barrier.wait().await, Ok(0));
    /// # });
    /// ```
    pub async fn wait(&self) -> Result<usize, BrokenBarrier> {
        Wait {
            barrier: self,
            key: None,
        }
        .await
    }

    /// Breaks the barrier: every task waiting, and every later
    /// [`wait`](Barrier::wait), gets [`BrokenBarrier`] until
    /// [`reset`](Barrier::reset).
    ///
    /// ```
    /// # runtime::run(async {
    /// let barrier = runtime::sync::Barrier::new(2);
    /// barrier.abort();
    /// assert!(barrier.broken());
    /// assert_eq!(barrier.wait().await, Err(runtime::sync::BrokenBarrier));
    /// # });
    /// ```
    pub fn abort(&self) {
        self.fail_waiters(true);
    }

    /// Returns the barrier to its initial, empty state: tasks waiting now
    /// get [`BrokenBarrier`]; later ones start a new round. Also repairs a
    /// broken barrier.
    ///
    /// ```
    /// # runtime::run(async {
    /// let barrier = runtime::sync::Barrier::new(1);
    /// barrier.abort();
    /// barrier.reset();
    /// assert!(!barrier.broken());
    /// assert_eq!(barrier.wait().await, Ok(0));
    /// # });
    /// ```
    pub fn reset(&self) {
        self.fail_waiters(false);
    }

    fn fail_waiters(&self, broken: bool) {
        let mut wakers = WakeList::new();
        let mut state = self.state.lock();
        state.broken = broken;
        while let Some(outcome) = state.waiters.notify_front(&mut wakers) {
            *outcome = Some(Err(BrokenBarrier));
        }
        drop(state);
        wakers.wake_all();
    }

    /// The number of tasks needed to trip the barrier.
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// Tasks waiting in the current round.
    pub fn n_waiting(&self) -> usize {
        self.state.lock().waiters.len()
    }

    /// True after [`abort`](Barrier::abort), until [`reset`](Barrier::reset).
    pub fn broken(&self) -> bool {
        self.state.lock().broken
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("n_waiting", &state.waiters.len())
            .field("broken", &state.broken)
            .finish()
    }
}

/// The future inside [`Barrier::wait`].
struct Wait<'a> {
    barrier: &'a Barrier,
    /// `Some` while in line, or notified but not yet polled.
    key: Option<WaiterKey>,
}

impl Future for Wait<'_> {
    type Output = Result<usize, BrokenBarrier>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Returning at once (broken, or last arrival) spends budget.
        let coop = ready!(crate::coop::poll_proceed(cx));
        let this = &mut *self;
        let parties = this.barrier.parties;
        let mut wakers = WakeList::new();
        let mut state = this.barrier.state.lock();
        let outcome = match this.key.take() {
            // Step 1.
            None if state.broken => Err(BrokenBarrier),
            // Step 2: the last arrival trips the barrier.
            None if state.waiters.len() + 1 == parties => {
                let mut index = 0;
                while let Some(outcome) = state.waiters.notify_front(&mut wakers) {
                    *outcome = Some(Ok(index));
                    index += 1;
                }
                debug_assert_eq!(index, parties - 1);
                Ok(index)
            }
            None => {
                this.key = Some(state.waiters.push_back(None, cx.waker()));
                return Poll::Pending;
            }
            Some(key) => match state.waiters.poll_notified(key, cx.waker()) {
                Ok(outcome) => outcome.expect("a notified waiter has an outcome"),
                Err(key) => {
                    this.key = Some(key);
                    return Poll::Pending;
                }
            },
        };
        drop(state);
        wakers.wake_all();
        coop.made_progress();
        Poll::Ready(outcome)
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            // In line: it leaves the round. Notified: the round is over.
            // Either way there is nothing to hand on.
            let _ = self.barrier.state.lock().waiters.remove(key);
        }
    }
}

/// The barrier was aborted or reset while waiting, or is broken (asyncio's
/// `BrokenBarrierError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokenBarrier;

impl fmt::Display for BrokenBarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the barrier is broken (aborted, or reset while waiting)")
    }
}

impl Error for BrokenBarrier {}
