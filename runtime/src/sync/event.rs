//! [`Event`]: a flag tasks can wait for (asyncio's `Event`).
//!
//! # State
//!
//! One mutex guards the flag and the [`WaitList`] of waiters.
//!
//! # Invariants
//!
//! 1. While the flag is set, the list is empty: `set` notifies every
//!    queued waiter in the same critical section, and `wait` on a set event
//!    returns without queueing.
//! 2. A waiter notified by `set` returns even if `clear` runs before it is
//!    polled again (as in asyncio: `set` *wakes* the waiters; it does not
//!    ask them to re-check the flag).
//!
//! # Cancellation
//!
//! A dropped `wait` leaves the line. A notification it never collected is
//! not passed on: `set` wakes everybody, so there is nobody left to pass
//! it to.

use super::waiters::{WaitList, WaiterKey, WakeList};
use crate::loom::sync::Mutex;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// asyncio's `Event`: tasks [`wait`](Event::wait) until someone
/// [`set`](Event::set)s the flag; [`clear`](Event::clear) resets it.
///
/// ```
/// use runtime::sync::Event;
/// use std::sync::Arc;
/// # runtime::run(async {
/// let ready = Arc::new(Event::new());
/// let waiter = runtime::spawn({
///     let ready = ready.clone();
///     async move {
///         ready.wait().await;
///         "go"
///     }
/// });
/// ready.set();
/// assert_eq!(waiter.await.unwrap(), "go");
/// assert!(ready.is_set());
/// # });
/// ```
pub struct Event {
    state: Mutex<State>,
}

struct State {
    set: bool,
    waiters: WaitList<()>,
}

impl Event {
    /// A new event, not set.
    pub fn new() -> Event {
        Event {
            state: Mutex::new(State {
                set: false,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Sets the flag and wakes every task waiting for it. Tasks that call
    /// [`wait`](Event::wait) afterwards return at once, until
    /// [`clear`](Event::clear).
    ///
    /// ```
    /// let event = runtime::sync::Event::new();
    /// event.set();
    /// assert!(event.is_set());
    /// ```
    pub fn set(&self) {
        let mut wakers = WakeList::new();
        let mut state = self.state.lock();
        if !state.set {
            state.set = true;
            while state.waiters.notify_front(&mut wakers).is_some() {}
        }
        drop(state);
        wakers.wake_all();
    }

    /// Clears the flag: later [`wait`](Event::wait)s block until the next
    /// [`set`](Event::set). Waiters already woken still return.
    ///
    /// ```
    /// let event = runtime::sync::Event::new();
    /// event.set();
    /// event.clear();
    /// assert!(!event.is_set());
    /// ```
    pub fn clear(&self) {
        self.state.lock().set = false;
    }

    /// True while the flag is set.
    pub fn is_set(&self) -> bool {
        self.state.lock().set
    }

    /// Waits until the flag is set; returns at once if it already is.
    ///
    /// Cancel-safe: dropping the future just stops waiting.
    ///
    /// ```
    /// # runtime::run(async {
    /// let event = runtime::sync::Event::new();
    /// event.set();
    /// event.wait().await; // already set: returns at once
    /// # });
    /// ```
    pub async fn wait(&self) {
        Wait {
            event: self,
            key: None,
        }
        .await
    }
}

impl Default for Event {
    fn default() -> Event {
        Event::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("Event")
            .field("set", &state.set)
            .field("waiters", &state.waiters.len())
            .finish()
    }
}

/// The future inside [`Event::wait`].
struct Wait<'a> {
    event: &'a Event,
    /// `Some` while queued or notified-but-not-collected.
    key: Option<WaiterKey>,
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Waiting on an event that stays set must still yield now and then.
        let coop = ready!(crate::coop::poll_proceed(cx));
        let this = &mut *self;
        let mut state = this.event.state.lock();
        match this.key.take() {
            None if state.set => {}
            None => {
                this.key = Some(state.waiters.push_back((), cx.waker()));
                return Poll::Pending;
            }
            Some(key) => {
                if let Err(key) = state.waiters.poll_notified(key, cx.waker()) {
                    this.key = Some(key);
                    return Poll::Pending;
                }
            }
        }
        drop(state);
        coop.made_progress();
        Poll::Ready(())
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            // Queued or notified, nothing to pass on (module docs).
            let _ = self.event.state.lock().waiters.remove(key);
        }
    }
}
