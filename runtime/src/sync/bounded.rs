//! [`BoundedSemaphore`] (asyncio's `BoundedSemaphore`) and
//! [`SemaphoreOverflow`], the error of a release past the bound.
//!
//! The same [`Permits`] as [`Semaphore`](super::Semaphore), created with a
//! bound equal to the initial value.
//!
//! # Invariants
//!
//! 1. `available_permits() <= bound()` at all times.
//! 2. [`BoundedSemaphore::release`] checks and adds in one critical
//!    section, so concurrent releases cannot both pass the check.
//! 3. A permit guard dropped when the count is already at the bound (some
//!    code released by hand a permit it did not hold) discards its permit
//!    rather than panicking in `Drop`; only `release` reports the error.

use super::permits::{OverBound, Permits};
use super::semaphore::{Holder, OwnedSemaphorePermit, SemaphorePermit};
use std::error::Error;
use std::fmt;
use std::sync::Arc;

/// asyncio's `BoundedSemaphore`: a [`Semaphore`](super::Semaphore) whose
/// [`release`](BoundedSemaphore::release) refuses to raise the count above
/// its initial value, catching releases without a matching acquire.
///
/// ```
/// use runtime::sync::BoundedSemaphore;
/// # runtime::run(async {
/// let sem = BoundedSemaphore::new(1);
/// sem.acquire().await.forget();
/// assert!(sem.release().is_ok());
/// assert!(sem.release().is_err(), "released more than acquired");
/// assert_eq!(sem.available_permits(), 1);
/// # });
/// ```
#[derive(Debug)]
pub struct BoundedSemaphore {
    permits: Permits,
    bound: usize,
}

impl BoundedSemaphore {
    /// A semaphore with `permits` free permits, which is also its bound.
    pub fn new(permits: usize) -> BoundedSemaphore {
        BoundedSemaphore {
            permits: Permits::new(permits, Some(permits)),
            bound: permits,
        }
    }

    pub(super) fn permits(&self) -> &Permits {
        &self.permits
    }

    /// The initial value, which the count never exceeds.
    pub fn bound(&self) -> usize {
        self.bound
    }

    /// Waits for one permit, in line (FIFO); cancel-safe like
    /// [`Semaphore::acquire`](super::Semaphore::acquire).
    ///
    /// ```
    /// # runtime::run(async {
    /// let sem = runtime::sync::BoundedSemaphore::new(2);
    /// let _permit = sem.acquire().await;
    /// assert_eq!(sem.available_permits(), 1);
    /// # });
    /// ```
    pub async fn acquire(&self) -> SemaphorePermit<'_> {
        self.acquire_many(1).await
    }

    /// Waits for `n` permits at once, in line (FIFO).
    pub async fn acquire_many(&self, n: usize) -> SemaphorePermit<'_> {
        self.permits.acquire(n).await;
        SemaphorePermit::new(&self.permits, n)
    }

    /// Takes a permit if one is free and nobody is waiting.
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody is waiting.
    pub fn try_acquire_many(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        self.permits
            .try_acquire(n)
            .then(|| SemaphorePermit::new(&self.permits, n))
    }

    /// [`acquire`](BoundedSemaphore::acquire) for a shared semaphore: the
    /// permit keeps the semaphore alive.
    pub async fn acquire_owned(self: Arc<Self>) -> OwnedSemaphorePermit {
        self.permits.acquire(1).await;
        OwnedSemaphorePermit::new(Holder::Bounded(self), 1)
    }

    /// [`try_acquire`](BoundedSemaphore::try_acquire) for a shared
    /// semaphore.
    pub fn try_acquire_owned(self: Arc<Self>) -> Option<OwnedSemaphorePermit> {
        self.permits
            .try_acquire(1)
            .then(|| OwnedSemaphorePermit::new(Holder::Bounded(self), 1))
    }

    /// Adds one permit and hands it to the first waiter, if any; fails,
    /// changing nothing, if the count is already at its bound (asyncio
    /// raises `ValueError`).
    ///
    /// ```
    /// let sem = runtime::sync::BoundedSemaphore::new(1);
    /// let err = sem.release().unwrap_err();
    /// assert_eq!(err.to_string(), "BoundedSemaphore released too many times (bound: 1)");
    /// ```
    pub fn release(&self) -> Result<(), SemaphoreOverflow> {
        self.permits
            .release(1)
            .map_err(|OverBound| SemaphoreOverflow { bound: self.bound })
    }

    /// Permits free right now.
    pub fn available_permits(&self) -> usize {
        self.permits.available()
    }

    /// True if [`acquire`](BoundedSemaphore::acquire) would have to wait
    /// (asyncio's `locked()`).
    pub fn locked(&self) -> bool {
        self.permits.would_wait(1)
    }
}

/// [`BoundedSemaphore::release`] would have raised the count above its
/// initial value (asyncio's `ValueError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SemaphoreOverflow {
    bound: usize,
}

impl SemaphoreOverflow {
    /// The semaphore's bound (its initial value).
    pub fn bound(&self) -> usize {
        self.bound
    }
}

impl fmt::Display for SemaphoreOverflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BoundedSemaphore released too many times (bound: {})",
            self.bound
        )
    }
}

impl Error for SemaphoreOverflow {}
