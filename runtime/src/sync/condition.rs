//! [`Condition`]: asyncio's `Condition`, a [`Lock`] plus a line of tasks
//! waiting to be notified.
//!
//! # Shape
//!
//! The condition owns its lock and the value the lock protects (like
//! `Lock<T>`), so the state a predicate reads can only change under the
//! lock. asyncio's
//!
//! ```python
//! async with cond:
//!     while not ready():
//!         await cond.wait()
//!     use_it()
//! ```
//!
//! becomes `let guard = cond.wait_for(cond.lock().await, ready).await;`, or
//! with an explicit loop, `guard = cond.wait(guard).await;`. `wait` takes
//! the guard by value and gives it back, so "the lock is held around
//! `wait`" is checked by the compiler instead of raising `RuntimeError`.
//!
//! # The wait protocol
//!
//! 1. Join the condition's line (under its own small mutex) *while still
//!    holding the lock*.
//! 2. Release the lock (drop the guard).
//! 3. Wait to be notified.
//! 4. Re-acquire the lock, in line with every other `lock()` caller.
//! 5. Return the guard.
//!
//! A notifier must hold the lock to change the state, so it changes it
//! either before the waiter's predicate check or after step 2 — and then
//! the waiter is already in line (step 1) and the notification finds it.
//! No wake-up is lost whether `notify` is called with the guard held (as
//! asyncio requires) or just after dropping it.
//!
//! # Cancellation
//!
//! A `wait` dropped in step 3 before being notified just leaves the line.
//! A `wait` dropped after being notified — in step 3 before it saw the
//! notification, or in step 4 before it got the lock back — passes the
//! notification on to the next waiter in line, so `notify(1)` still wakes
//! someone who will run (asyncio does the same since Python 3.13, CPython
//! gh-112202). The lock itself is never held by a dropped `wait`: step 4 is
//! a `Lock::lock`, cancel-safe on its own.

use super::lock::{Lock, LockGuard};
use super::waiters::{Removed, WaitList, WaiterKey, WakeList};
use crate::loom::sync::Mutex;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::ptr;
use std::task::{Context, Poll, Waker};

/// asyncio's `Condition`: tasks holding the [`lock`](Condition::lock) can
/// [`wait`](Condition::wait) until another task
/// [`notify`](Condition::notify)s them.
///
/// The condition owns the value its lock protects (`()` by default, the
/// plain asyncio condition); see the module docs for how
/// `async with cond: await cond.wait()` maps onto it.
///
/// | asyncio | runtime |
/// |---|---|
/// | `async with cond:` | `let guard = cond.lock().await;` |
/// | `await cond.wait()` | `guard = cond.wait(guard).await;` |
/// | `await cond.wait_for(pred)` | `guard = cond.wait_for(guard, pred).await;` |
/// | `cond.notify(n)` / `cond.notify_all()` | [`cond.notify(n)`](Condition::notify) / [`cond.notify_all()`](Condition::notify_all) |
///
/// ```
/// use runtime::sync::Condition;
/// use std::sync::Arc;
/// # runtime::run(async {
/// let queue = Arc::new(Condition::new(Vec::<u32>::new()));
/// let consumer = runtime::spawn({
///     let queue = queue.clone();
///     async move {
///         let mut items = queue.wait_for(queue.lock().await, |v| !v.is_empty()).await;
///         items.pop().unwrap()
///     }
/// });
/// queue.lock().await.push(7);
/// queue.notify(1);
/// assert_eq!(consumer.await.unwrap(), 7);
/// # });
/// ```
pub struct Condition<T: ?Sized = ()> {
    waiters: Mutex<WaitList<()>>,
    lock: Lock<T>,
}

impl<T> Condition<T> {
    /// A condition whose lock protects `value`.
    pub fn new(value: T) -> Condition<T> {
        Condition {
            waiters: Mutex::new(WaitList::new()),
            lock: Lock::new(value),
        }
    }

    /// Consumes the condition, returning the value.
    pub fn into_inner(self) -> T {
        self.lock.into_inner()
    }
}

impl<T: ?Sized> Condition<T> {
    /// Waits for the condition's lock (asyncio's `async with cond:`); see
    /// [`Lock::lock`].
    pub async fn lock(&self) -> LockGuard<'_, T> {
        self.lock.lock().await
    }

    /// Takes the lock if it is free and nobody is waiting for it.
    pub fn try_lock(&self) -> Option<LockGuard<'_, T>> {
        self.lock.try_lock()
    }

    /// True while the lock is held.
    pub fn locked(&self) -> bool {
        self.lock.locked()
    }

    /// The value, through a unique reference: no locking needed.
    pub fn get_mut(&mut self) -> &mut T {
        self.lock.get_mut()
    }

    /// Releases the lock, waits to be notified, then takes the lock back and
    /// returns its guard (asyncio's `await cond.wait()`; the module docs
    /// list the steps).
    ///
    /// Like asyncio (and every condition variable), a return does not prove
    /// the awaited state holds: check it in a loop, or use
    /// [`wait_for`](Condition::wait_for).
    ///
    /// Cancel-safe: dropping the future releases nothing it does not hold,
    /// and a notification it received is passed to the next waiter.
    ///
    /// ```
    /// use std::sync::Arc;
    /// # runtime::run(async {
    /// let cond = Arc::new(runtime::sync::Condition::new(false));
    /// let waiter = runtime::spawn({
    ///     let cond = cond.clone();
    ///     async move {
    ///         let mut done = cond.lock().await;
    ///         while !*done {
    ///             done = cond.wait(done).await;
    ///         }
    ///     }
    /// });
    /// *cond.lock().await = true;
    /// cond.notify_all();
    /// waiter.await.unwrap();
    /// # });
    /// ```
    ///
    /// # Panics
    /// If `guard` belongs to another lock than this condition's.
    pub async fn wait<'a>(&'a self, guard: LockGuard<'a, T>) -> LockGuard<'a, T> {
        assert!(
            ptr::eq(guard.lock, &self.lock),
            "Condition::wait: the guard belongs to another condition's lock"
        );
        // Step 1: in line before the lock is released. The real waker is
        // stored by the first poll below, right after step 2; a notification
        // in between marks the entry, which that poll then sees.
        let key = self.waiters.lock().push_back((), Waker::noop());
        let mut waiter = Waiter {
            cond: self,
            key: Some(key),
            holds_notification: false,
        };
        // Step 2.
        drop(guard);
        // Step 3.
        (&mut waiter).await;
        // Step 4: if this is cancelled, `waiter`'s drop passes the
        // notification on.
        let guard = self.lock.lock().await;
        // Step 5: the notification is used up.
        waiter.holds_notification = false;
        guard
    }

    /// Waits until `predicate` holds for the protected value, then returns
    /// the guard: asyncio's `await cond.wait_for(predicate)`, with the
    /// value passed to the predicate. Returns at once if it already holds.
    ///
    /// ```
    /// # runtime::run(async {
    /// let cond = runtime::sync::Condition::new(3);
    /// let guard = cond.wait_for(cond.lock().await, |n| *n == 3).await;
    /// assert_eq!(*guard, 3);
    /// # });
    /// ```
    ///
    /// # Panics
    /// If `guard` belongs to another lock than this condition's.
    pub async fn wait_for<'a, F>(
        &'a self,
        mut guard: LockGuard<'a, T>,
        mut predicate: F,
    ) -> LockGuard<'a, T>
    where
        F: FnMut(&T) -> bool,
    {
        while !predicate(&guard) {
            guard = self.wait(guard).await;
        }
        guard
    }

    /// Wakes up to `n` waiting tasks, longest-waiting first; returns how
    /// many were woken (asyncio's `notify(n)`).
    ///
    /// asyncio requires the lock to be held; here the caller may also call
    /// it just after releasing the lock (module docs: no wake-up is lost as
    /// long as the awaited state changes under the lock).
    ///
    /// ```
    /// let cond = runtime::sync::Condition::new(());
    /// assert_eq!(cond.notify(1), 0, "nobody is waiting");
    /// ```
    pub fn notify(&self, n: usize) -> usize {
        let mut wakers = WakeList::new();
        let mut waiters = self.waiters.lock();
        let woken = notify_locked(&mut waiters, n, &mut wakers);
        drop(waiters);
        wakers.wake_all();
        woken
    }

    /// Wakes every waiting task; returns how many were woken.
    pub fn notify_all(&self) -> usize {
        self.notify(usize::MAX)
    }

    /// Tasks currently waiting to be notified.
    pub fn waiters(&self) -> usize {
        self.waiters.lock().len()
    }
}

fn notify_locked(waiters: &mut WaitList<()>, n: usize, wakers: &mut WakeList) -> usize {
    let mut woken = 0;
    while woken < n && waiters.notify_front(wakers).is_some() {
        woken += 1;
    }
    woken
}

impl<T: Default> Default for Condition<T> {
    fn default() -> Condition<T> {
        Condition::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Condition<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("lock", &&self.lock)
            .field("waiters", &self.waiters())
            .finish()
    }
}

/// One `wait` call's place in line (step 3), and its notification until the
/// lock is back (step 4).
struct Waiter<'a, T: ?Sized> {
    cond: &'a Condition<T>,
    /// `Some` while queued, or notified but not yet polled.
    key: Option<WaiterKey>,
    /// The notification was collected, but the wait has not returned.
    holds_notification: bool,
}

impl<T: ?Sized> Future for Waiter<'_, T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let key = this.key.take().expect("Waiter polled after completion");
        match this.cond.waiters.lock().poll_notified(key, cx.waker()) {
            Ok(()) => {
                this.holds_notification = true;
                Poll::Ready(())
            }
            Err(key) => {
                this.key = Some(key);
                Poll::Pending
            }
        }
    }
}

impl<T: ?Sized> Drop for Waiter<'_, T> {
    fn drop(&mut self) {
        let mut pass_on = self.holds_notification;
        if !pass_on && self.key.is_none() {
            return;
        }
        let mut wakers = WakeList::new();
        let mut waiters = self.cond.waiters.lock();
        if let Some(key) = self.key.take() {
            pass_on |= matches!(waiters.remove(key), Removed::Notified(()));
        }
        if pass_on {
            notify_locked(&mut waiters, 1, &mut wakers);
        }
        drop(waiters);
        wakers.wake_all();
    }
}
