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

mod cancel_on_drop;
mod promise;

pub use cancel_on_drop::CancelOnDrop;
pub use promise::{InvalidState, Promise, PromiseError, PromiseFuture};
