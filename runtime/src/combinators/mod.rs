//! Composition: running several futures or tasks together, and the
//! primitives that give structure to concurrency (asyncio's `gather`,
//! `wait`, `as_completed`, `shield`, `wait_for`, `TaskGroup`, `Future`).
//!
//! | asyncio | runtime | file |
//! |---|---|---|
//! | `await gather(a, b, return_exceptions=True)` | [`gather!`]`(a, b).await` → tuple | `gather.rs` |
//! | `await gather(*aws, return_exceptions=True)` | [`gather`]`(iter).await` → `Vec` | `gather.rs` |
//! | `await gather(*aws)` (first exception) | [`try_gather`]`(iter).await` → `Result<Vec<T>, E>` | `try_gather.rs` |
//! | `asyncio.wait(aws, timeout, return_when)` | [`wait`]`(tasks, ReturnWhen, timeout).await` → `(done, pending)` | `wait.rs` |
//! | `asyncio.as_completed(aws, timeout)` | [`as_completed`]`(tasks)` (a `Stream`), `.timeout(d)` | `as_completed.rs` |
//! | `asyncio.shield(aw)` | [`shield`]`(fut)` | `shield.rs` |
//! | `asyncio.wait_for(task, t)` | [`wait_for`]`(t, task)` | `wait_for.rs` |
//! | `asyncio.TaskGroup()` | [`TaskGroup`] | `task_group.rs`, `task_group_error.rs` |
//! | `asyncio.Future()` | [`Promise`] | `promise.rs` |
//! | — | [`Task::cancel_on_drop`](crate::Task::cancel_on_drop) → [`CancelOnDrop`] | `cancel_on_drop.rs` |
//!
//! `asyncio.timeout()` lives with the other timers:
//! [`time::deadline`](crate::time::deadline).
//!
//! # Cancellation, in one place
//! A Rust future is cancelled by dropping it; a [`Task`](crate::Task) is
//! cancelled by [`Task::cancel`](crate::Task::cancel), and *detached* (left
//! running) when its handle is dropped. The combinators follow from that:
//! - `gather!`, `gather` and `try_gather` poll futures in place: dropping
//!   them drops (cancels) those futures; tasks passed in are detached unless
//!   wrapped with `cancel_on_drop`.
//! - `wait` and `as_completed` take tasks and never cancel them (asyncio's
//!   behaviour, timeouts included); they hand the handles back.
//! - `wait_for` and `TaskGroup` cancel the tasks they own when they give up
//!   on them, and wait until they are gone.
//! - `shield` is the opposite: its task survives whatever happens to the
//!   awaiting side.
//!
//! # Waking
//! Combinators over many children give each child its own waker
//! (`ready_set.rs`) and poll only the children that were woken.

mod as_completed;
mod cancel_on_drop;
mod gather;
mod maybe_done;
mod promise;
mod ready_set;
mod shield;
mod task_group;
mod task_group_error;
mod try_gather;
mod wait;
mod wait_for;

pub use as_completed::{as_completed, AsCompleted, AsCompletedTimeout};
pub use cancel_on_drop::CancelOnDrop;
pub use gather::{gather, Gather};
pub use promise::{InvalidState, Promise, PromiseError, PromiseFuture};
pub use shield::{shield, Shield};
pub use task_group::{TaskGroup, TaskGroupClosed, TaskGroupHandle, TaskGroupJoin};
pub use task_group_error::{TaskFailure, TaskGroupError};
pub use try_gather::{try_gather, TryGather};
pub use wait::{wait, ReturnWhen, Wait};
pub use wait_for::{wait_for, WaitFor};

/// What the [`gather!`](crate::gather!) macro expands to; not a public API.
#[doc(hidden)]
pub mod macro_support {
    pub use super::maybe_done::MaybeDone;
    pub use super::ready_set::ReadySet;

    /// Counts the macro's futures: `0 $(+ one(&slot))*`.
    pub fn one<T: ?Sized>(_: &T) -> usize {
        1
    }

    /// The woken indices of one poll, as flags the macro can test by index.
    #[derive(Debug)]
    pub struct Woken {
        flags: Vec<bool>,
        scratch: Vec<usize>,
    }

    impl Woken {
        /// Room for `len` futures.
        pub fn new(len: usize) -> Woken {
            Woken {
                flags: vec![false; len],
                scratch: Vec::with_capacity(len),
            }
        }

        /// Drains `set` (installing `waker` as the parent) into the flags.
        pub fn collect(&mut self, set: &ReadySet, waker: &std::task::Waker) {
            set.drain(waker, &mut self.scratch);
            for index in self.scratch.drain(..) {
                self.flags[index] = true;
            }
        }

        /// True (once) if future `index` was woken.
        pub fn take(&mut self, index: usize) -> bool {
            std::mem::replace(&mut self.flags[index], false)
        }
    }
}
