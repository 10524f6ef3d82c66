//! Synchronisation between tasks: asyncio's `Lock`, `Event`, `Condition`,
//! `Semaphore`, `BoundedSemaphore`, `Barrier` and queues. The queues also
//! connect tasks with plain threads (`put_blocking`, `get_blocking`).
//!
//! Every type here is `Send + Sync` and works across workers: tasks on
//! different threads may use one primitive at the same time. None of them
//! blocks a thread; waiting tasks are parked and woken.
//!
//! | asyncio | runtime |
//! |---|---|
//! | `asyncio.Lock()` | [`Lock`] (optionally holding the data it protects) |
//! | `asyncio.Event()` | [`Event`] |
//! | `asyncio.Condition()` | [`Condition`] |
//! | `asyncio.Semaphore(n)` | [`Semaphore`] |
//! | `asyncio.BoundedSemaphore(n)` | [`BoundedSemaphore`] ([`SemaphoreOverflow`] for `ValueError`) |
//! | `asyncio.Barrier(n)` | [`Barrier`] ([`BrokenBarrier`] for `BrokenBarrierError`) |
//! | `asyncio.Queue(maxsize)` | [`Queue`] ([`QueueFull`], [`QueueEmpty`], [`QueueShutDown`]) |
//! | `asyncio.PriorityQueue`, `asyncio.LifoQueue` | [`PriorityQueue`], [`LifoQueue`] |
//!
//! Queues also work from plain threads (`put_blocking`, `get_blocking`),
//! which asyncio's do not, so a GUI or other sync thread can feed a loop.
//!
//! # Guarantees shared by all of them
//!
//! 1. **FIFO.** Waiters are served in the order they started waiting. A
//!    release hands the lock or permits directly to the first waiter, so a
//!    newcomer never barges ahead of the line (as in asyncio).
//! 2. **Cancel-safe.** Dropping a waiting future (a cancelled task, a
//!    `timeout` that expired) gives up its place. If it had already been
//!    granted the lock, permits or a notification but had not yet returned,
//!    the grant goes to the next waiter: nothing is lost.
//! 3. **Cooperative.** An acquire that succeeds at once spends the task's
//!    scheduling budget, so a loop of always-ready acquires still yields to
//!    other tasks.
//!
//! The primitives are built on one waiter queue (`waiters.rs`): a FIFO list,
//! guarded by the primitive's own mutex together with its state, whose
//! entries record each waiter's waker and whether it has been notified.
//! Wakers are called after that mutex is released. Loom models
//! (`loom_tests.rs`) check that a grant racing the cancellation of its
//! waiter is never lost.

mod barrier;
mod bounded;
mod condition;
mod event;
mod lock;
#[cfg(all(test, runtime_loom))]
mod loom_tests;
mod permits;
mod queue;
mod semaphore;
mod waiters;

pub use barrier::{Barrier, BrokenBarrier};
pub use bounded::{BoundedSemaphore, SemaphoreOverflow};
pub use condition::Condition;
pub use event::Event;
pub use lock::{Lock, LockGuard};
pub use queue::*;
pub use semaphore::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};
