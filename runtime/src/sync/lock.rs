//! [`Lock`]: a fair async mutex (asyncio's `Lock`), and its [`LockGuard`].
//!
//! The lock is a one-permit [`Permits`] semaphore plus the protected value.
//!
//! # Invariants
//!
//! 1. The permit and a live [`LockGuard`] are in one-to-one correspondence:
//!    a guard exists exactly when the permit is taken, so the guard's access
//!    to the value is exclusive.
//! 2. **Hand-off, no barging.** Dropping a guard with tasks waiting grants
//!    the permit straight to the first of them (`Permits`' invariant 2): the
//!    lock never looks free in between, so a newcomer (or `try_lock`)
//!    cannot overtake the line. This is asyncio's behaviour, and what makes
//!    `lock()` FIFO-fair.
//! 3. A `lock()` future dropped after being handed the lock but before
//!    returning the guard hands it on to the next waiter.

use super::permits::Permits;
use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

/// A fair async mutex: asyncio's `Lock`, holding a value like
/// `std::sync::Mutex`.
///
/// [`lock`](Lock::lock) waits in line: the lock is handed to waiters in the
/// order they arrived, and a release gives it directly to the first one, so
/// nobody can barge in. `Lock<()>` (the default) is asyncio's plain lock.
/// The guard may be held across `.await` points and is `Send`, so the task
/// holding it may move between workers.
///
/// | asyncio | runtime |
/// |---|---|
/// | `async with lock:` | `let guard = lock.lock().await;` (released when `guard` drops) |
/// | `lock.locked()` | [`lock.locked()`](Lock::locked) |
///
/// ```
/// use runtime::sync::Lock;
/// use std::sync::Arc;
/// # runtime::run(async {
/// let counter = Arc::new(Lock::new(0));
/// let tasks: Vec<_> = (0..10)
///     .map(|_| {
///         let counter = counter.clone();
///         runtime::spawn(async move {
///             let mut n = counter.lock().await;
///             runtime::yield_now().await; // still held across the await
///             *n += 1;
///         })
///     })
///     .collect();
/// for task in tasks {
///     task.await.unwrap();
/// }
/// assert_eq!(*counter.lock().await, 10);
/// # });
/// ```
pub struct Lock<T: ?Sized = ()> {
    permits: Permits,
    /// # Invariant
    /// Accessed only through a [`LockGuard`] (invariant 1), or through
    /// `&mut Lock` / by value, which exclude every guard.
    value: UnsafeCell<T>,
}

// SAFETY: the lock owns the value and moves it along with itself.
unsafe impl<T: ?Sized + Send> Send for Lock<T> {}
// SAFETY: `&Lock` gives access to the value only through a guard, one at a
// time (invariant 1), so sharing the lock is sending the value, never
// sharing it: `T: Send` suffices, as for `std::sync::Mutex`.
unsafe impl<T: ?Sized + Send> Sync for Lock<T> {}

/// Exclusive access to a [`Lock`]'s value; the lock is released (handed to
/// the next waiter) when the guard is dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a, T: ?Sized> {
    pub(super) lock: &'a Lock<T>,
    /// Opts out of the auto traits, which would make the guard `Sync` for
    /// any `T: Send`; the impls below state the real conditions.
    _not_auto: PhantomData<*const ()>,
}

// SAFETY: the guard is a `&mut T` in disguise: moving it to another thread
// moves that access, which `T: Send` allows. Releasing the lock from
// another thread is fine: `Permits` is a plain `Sync` structure.
unsafe impl<T: ?Sized + Send> Send for LockGuard<'_, T> {}
// SAFETY: `&LockGuard` only gives `&T`, so sharing it needs `T: Sync`.
unsafe impl<T: ?Sized + Send + Sync> Sync for LockGuard<'_, T> {}

impl<T> Lock<T> {
    /// A new, unlocked lock holding `value`.
    ///
    /// ```
    /// let lock = runtime::sync::Lock::new(vec![1, 2]);
    /// assert!(!lock.locked());
    /// ```
    pub fn new(value: T) -> Lock<T> {
        Lock {
            permits: Permits::new(1, None),
            value: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock, returning the value.
    ///
    /// ```
    /// let lock = runtime::sync::Lock::new(5);
    /// assert_eq!(lock.into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Lock<T> {
    /// Waits for the lock, in line behind the tasks already waiting, and
    /// returns the guard (asyncio's `await lock.acquire()`).
    ///
    /// Cancel-safe: dropping the future before it completes gives up its
    /// place; if the lock had already been handed to it, it is handed on.
    ///
    /// ```
    /// # runtime::run(async {
    /// let lock = runtime::sync::Lock::new(String::new());
    /// lock.lock().await.push_str("hello");
    /// assert_eq!(*lock.lock().await, "hello");
    /// # });
    /// ```
    pub async fn lock(&self) -> LockGuard<'_, T> {
        self.permits.acquire(1).await;
        LockGuard::new(self)
    }

    /// Takes the lock if it is free and nobody is waiting for it.
    ///
    /// ```
    /// let lock = runtime::sync::Lock::new(0);
    /// let guard = lock.try_lock().unwrap();
    /// assert!(lock.try_lock().is_none());
    /// drop(guard);
    /// assert!(lock.try_lock().is_some());
    /// ```
    pub fn try_lock(&self) -> Option<LockGuard<'_, T>> {
        self.permits.try_acquire(1).then(|| LockGuard::new(self))
    }

    /// True while the lock is held (asyncio's `locked()`).
    ///
    /// ```
    /// let lock = runtime::sync::Lock::new(());
    /// let guard = lock.try_lock();
    /// assert!(lock.locked());
    /// drop(guard);
    /// assert!(!lock.locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.permits.available() == 0
    }

    /// The value, through a unique reference: no locking needed.
    ///
    /// ```
    /// let mut lock = runtime::sync::Lock::new(1);
    /// *lock.get_mut() += 1;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }
}

impl<T: Default> Default for Lock<T> {
    fn default() -> Lock<T> {
        Lock::new(T::default())
    }
}

impl<T> From<T> for Lock<T> {
    fn from(value: T) -> Lock<T> {
        Lock::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Lock");
        match self.try_lock() {
            Some(guard) => d.field("value", &&*guard),
            None => d.field("value", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<'a, T: ?Sized> LockGuard<'a, T> {
    /// Invariant 1: called only by whoever just took the permit.
    fn new(lock: &'a Lock<T>) -> LockGuard<'a, T> {
        LockGuard {
            lock,
            _not_auto: PhantomData,
        }
    }
}

impl<T: ?Sized> Deref for LockGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock's only permit (invariant 1), so
        // no `&mut T` exists elsewhere while this borrow of the guard lives.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T: ?Sized> DerefMut for LockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only
        // reference derived from the guard.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T: ?Sized> Drop for LockGuard<'_, T> {
    fn drop(&mut self) {
        // Invariant 2: hands the permit to the first waiter, if any.
        self.lock.permits.release_saturating(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
