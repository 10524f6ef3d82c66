//! Containing panics of user code that runs outside a task's poll: thread
//! hooks (`on_thread_start`/`on_thread_stop`) on workers and blocking
//! threads, and the event loop itself.
//!
//! A task's panic is caught where the task is polled (`task/raw.rs`) and
//! becomes `TaskError::Panicked`. Everything else a runtime thread runs
//! goes through [`contain`], so a panic there is logged at `error` and the
//! thread carries on with its duties — a worker keeps its loop, a blocking
//! thread keeps its place in the pool's counters — instead of unwinding
//! out of the thread and leaving state half-updated.

use std::fmt;

/// Runs `f`; a panic is logged (naming `thread` and `what` panicked)
/// instead of unwinding. True if `f` returned.
pub(crate) fn contain(thread: fmt::Arguments<'_>, what: &str, f: impl FnOnce()) -> bool {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(()) => true,
        Err(payload) => {
            let message = crate::TaskError::Panicked(payload).to_string();
            tracing::error!("{thread}: {what} panicked ({message}); the thread carries on");
            false
        }
    }
}
