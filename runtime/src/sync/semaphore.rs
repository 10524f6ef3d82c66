//! [`Semaphore`] (asyncio's `Semaphore`) and its permits.
//!
//! A thin shell over [`Permits`]: FIFO-fair, with no bound. The permit
//! types are shared with [`BoundedSemaphore`], whose permits return to a
//! bounded count.
//!
//! # Invariants
//!
//! 1. A [`SemaphorePermit`] / [`OwnedSemaphorePermit`] holds exactly the
//!    permits it was granted and returns them once, on drop, unless
//!    [`forget`](SemaphorePermit::forget) hands them away for good.
//! 2. [`Semaphore::release`] is asyncio's manual `release()`: it adds a
//!    permit whether or not anyone holds one (the counter may grow past its
//!    initial value; [`BoundedSemaphore`] refuses that).

use super::permits::Permits;
use super::BoundedSemaphore;
use std::fmt;
use std::mem::ManuallyDrop;
use std::sync::Arc;

/// asyncio's `Semaphore`: a counter of permits that tasks acquire and
/// release, waiting in line (FIFO) when none is free.
///
/// [`acquire`](Semaphore::acquire) returns a [`SemaphorePermit`] that gives
/// its permit back when dropped (`async with sem:`);
/// [`release`](Semaphore::release) adds a permit by hand, as asyncio's
/// `release()` does. Waiters are served strictly in arrival order, so a
/// request for many permits ([`acquire_many`](Semaphore::acquire_many)) is
/// not starved by a stream of small ones.
///
/// | asyncio | runtime |
/// |---|---|
/// | `async with sem:` | `let _permit = sem.acquire().await;` |
/// | `await sem.acquire()` … `sem.release()` | `sem.acquire().await.forget();` … `sem.release();` |
/// | `sem.locked()` | [`sem.locked()`](Semaphore::locked) |
///
/// ```
/// use runtime::sync::Semaphore;
/// use std::sync::Arc;
/// # runtime::run(async {
/// // At most two downloads at a time.
/// let slots = Arc::new(Semaphore::new(2));
/// let tasks: Vec<_> = (0..5)
///     .map(|i| {
///         let slots = slots.clone();
///         runtime::spawn(async move {
///             let _permit = slots.acquire().await;
///             runtime::yield_now().await; // "download"
///             i
///         })
///     })
///     .collect();
/// for (i, task) in tasks.into_iter().enumerate() {
///     assert_eq!(task.await.unwrap(), i);
/// }
/// assert_eq!(slots.available_permits(), 2);
/// # });
/// ```
#[derive(Debug)]
pub struct Semaphore {
    permits: Permits,
}

impl Semaphore {
    /// A semaphore with `permits` free permits.
    ///
    /// ```
    /// let sem = runtime::sync::Semaphore::new(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            permits: Permits::new(permits, None),
        }
    }

    /// Waits for one permit, in line behind earlier acquirers.
    ///
    /// Cancel-safe: dropping the future gives up its place, and a permit
    /// already granted to it goes to the next waiter.
    ///
    /// ```
    /// # runtime::run(async {
    /// let sem = runtime::sync::Semaphore::new(1);
    /// let permit = sem.acquire().await;
    /// assert_eq!(sem.available_permits(), 0);
    /// drop(permit);
    /// assert_eq!(sem.available_permits(), 1);
    /// # });
    /// ```
    pub async fn acquire(&self) -> SemaphorePermit<'_> {
        self.acquire_many(1).await
    }

    /// Waits for `n` permits at once. Nobody behind it in line is served
    /// first, even if fewer permits would do for them.
    ///
    /// ```
    /// # runtime::run(async {
    /// let sem = runtime::sync::Semaphore::new(5);
    /// let permit = sem.acquire_many(3).await;
    /// assert_eq!((permit.num_permits(), sem.available_permits()), (3, 2));
    /// # });
    /// ```
    pub async fn acquire_many(&self, n: usize) -> SemaphorePermit<'_> {
        self.permits.acquire(n).await;
        SemaphorePermit::new(&self.permits, n)
    }

    /// Takes a permit if one is free and nobody is waiting.
    ///
    /// ```
    /// let sem = runtime::sync::Semaphore::new(1);
    /// let permit = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_none());
    /// # drop(permit);
    /// ```
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody is waiting.
    pub fn try_acquire_many(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        self.permits
            .try_acquire(n)
            .then(|| SemaphorePermit::new(&self.permits, n))
    }

    /// [`acquire`](Semaphore::acquire) for a shared semaphore: the permit
    /// keeps the semaphore alive and can move into a spawned task.
    ///
    /// ```
    /// use std::sync::Arc;
    /// # runtime::run(async {
    /// let sem = Arc::new(runtime::sync::Semaphore::new(1));
    /// let permit = sem.clone().acquire_owned().await;
    /// runtime::spawn(async move {
    ///     let _permit = permit; // released when this task ends
    /// })
    /// .await
    /// .unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// # });
    /// ```
    pub async fn acquire_owned(self: Arc<Self>) -> OwnedSemaphorePermit {
        self.permits.acquire(1).await;
        OwnedSemaphorePermit::new(Holder::Plain(self), 1)
    }

    /// [`try_acquire`](Semaphore::try_acquire) for a shared semaphore.
    pub fn try_acquire_owned(self: Arc<Self>) -> Option<OwnedSemaphorePermit> {
        self.permits
            .try_acquire(1)
            .then(|| OwnedSemaphorePermit::new(Holder::Plain(self), 1))
    }

    /// Adds one permit and hands it to the first waiter, if any (asyncio's
    /// `release()`). The count may grow past its initial value.
    ///
    /// ```
    /// let sem = runtime::sync::Semaphore::new(0);
    /// sem.release();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    ///
    /// # Panics
    /// If the count would overflow `usize`.
    pub fn release(&self) {
        self.add_permits(1);
    }

    /// Adds `n` permits (as `n` calls to [`release`](Semaphore::release)).
    ///
    /// # Panics
    /// If the count would overflow `usize`.
    pub fn add_permits(&self, n: usize) {
        self.permits
            .release(n)
            .expect("an unbounded semaphore has no bound to exceed");
    }

    /// Permits free right now.
    pub fn available_permits(&self) -> usize {
        self.permits.available()
    }

    /// True if [`acquire`](Semaphore::acquire) would have to wait: no free
    /// permit, or other tasks already waiting (asyncio's `locked()`).
    ///
    /// ```
    /// let sem = runtime::sync::Semaphore::new(1);
    /// assert!(!sem.locked());
    /// let _permit = sem.try_acquire();
    /// assert!(sem.locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.permits.would_wait(1)
    }
}

impl Default for Semaphore {
    /// One permit, as asyncio's `Semaphore()`.
    fn default() -> Semaphore {
        Semaphore::new(1)
    }
}

/// Permits taken from a [`Semaphore`] or [`BoundedSemaphore`]; given back
/// when dropped.
#[must_use = "the permit is released as soon as it is dropped"]
pub struct SemaphorePermit<'a> {
    permits: &'a Permits,
    n: usize,
}

impl<'a> SemaphorePermit<'a> {
    pub(super) fn new(permits: &'a Permits, n: usize) -> SemaphorePermit<'a> {
        SemaphorePermit { permits, n }
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.n
    }

    /// Keeps the permits taken for good: dropping nothing returns them. The
    /// asyncio pattern `await sem.acquire()` … `sem.release()` is
    /// `sem.acquire().await.forget()` … [`Semaphore::release`].
    ///
    /// ```
    /// # runtime::run(async {
    /// let sem = runtime::sync::Semaphore::new(1);
    /// sem.acquire().await.forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// sem.release();
    /// assert_eq!(sem.available_permits(), 1);
    /// # });
    /// ```
    pub fn forget(self) {
        let _ = ManuallyDrop::new(self);
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        // A bounded semaphore over-released by hand meanwhile discards what
        // would exceed its bound: a drop cannot report an error.
        self.permits.release_saturating(self.n);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.n)
            .finish()
    }
}

/// The semaphore an [`OwnedSemaphorePermit`] keeps alive.
#[derive(Debug)]
pub(super) enum Holder {
    Plain(Arc<Semaphore>),
    Bounded(Arc<BoundedSemaphore>),
}

impl Holder {
    fn permits(&self) -> &Permits {
        match self {
            Holder::Plain(sem) => &sem.permits,
            Holder::Bounded(sem) => sem.permits(),
        }
    }
}

/// A permit that owns a reference to its semaphore (from
/// [`Semaphore::acquire_owned`] or [`BoundedSemaphore::acquire_owned`]), so
/// it can be moved into a spawned task; given back when dropped.
#[must_use = "the permit is released as soon as it is dropped"]
#[derive(Debug)]
pub struct OwnedSemaphorePermit {
    /// `None` once forgotten.
    holder: Option<Holder>,
    n: usize,
}

impl OwnedSemaphorePermit {
    pub(super) fn new(holder: Holder, n: usize) -> OwnedSemaphorePermit {
        OwnedSemaphorePermit {
            holder: Some(holder),
            n,
        }
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.n
    }

    /// Keeps the permits taken for good (see [`SemaphorePermit::forget`]).
    pub fn forget(mut self) {
        self.holder = None;
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        if let Some(holder) = &self.holder {
            holder.permits().release_saturating(self.n);
        }
    }
}
