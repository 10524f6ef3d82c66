//! The concurrency facade: `std`/`parking_lot` normally, [loom] under
//! `--cfg runtime_loom`.
//!
//! Every lock-free protocol in the crate (the task state machine, the idle
//! counters that decide who to wake, the registry of live tasks) takes its
//! atomics, `Arc`, `Mutex` and `UnsafeCell` from here, so the loom models in
//! `tests` check the very code that ships. Blocking primitives that loom does
//! not model (the thread parker, the blocking pool's condition variable) use
//! `parking_lot` directly and stay out of the models.
//!
//! [loom]: https://docs.rs/loom

#[cfg(not(runtime_loom))]
pub(crate) mod sync {
    pub(crate) use parking_lot::Mutex;

    pub(crate) mod atomic {
        pub(crate) use std::sync::atomic::{fence, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
    }
}

#[cfg(runtime_loom)]
pub(crate) mod sync {
    pub(crate) use loom::sync::MutexGuard;

    pub(crate) mod atomic {
        pub(crate) use loom::sync::atomic::{fence, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
    }

    /// `loom`'s mutex with `parking_lot`'s signature (no poisoning).
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().expect("loom mutex poisoned")
        }
    }
}

#[cfg(not(runtime_loom))]
pub(crate) mod cell {
    /// `std`'s `UnsafeCell` with `loom`'s closure-based access API, so that
    /// loom can track every access to the cell's contents.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> Self {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        #[inline(always)]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

#[cfg(runtime_loom)]
pub(crate) mod cell {
    pub(crate) use loom::cell::UnsafeCell;
}
