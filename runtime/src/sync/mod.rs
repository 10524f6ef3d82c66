//! Synchronisation between tasks, and between tasks and plain threads
//! (asyncio's synchronisation primitives and queues).
//!
//! - Queues: [`Queue`] (FIFO), [`LifoQueue`], [`PriorityQueue`], with
//!   asyncio's `maxsize`, `put`/`get`, `put_nowait`/`get_nowait`,
//!   `task_done`/`join` and `shutdown`, plus `put_blocking`/`get_blocking`
//!   for plain threads.

mod queue;

pub use queue::*;
