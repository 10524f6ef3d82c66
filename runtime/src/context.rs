//! The thread-local context: which runtime this thread is in, whether it is
//! one of that runtime's workers, and which task it is polling.
//!
//! This is the only thread-local state of the crate besides the
//! cooperative budget and the cached thread parker. Everything else hangs
//! off a runtime's `Shared`, so several runtimes in one process share
//! nothing by accident.

use crate::scheduler::Core;
use crate::task::RawTask;
use crate::Handle;
use std::cell::{Cell, RefCell};
use std::time::Instant;

struct Context {
    handle: RefCell<Option<Handle>>,
    /// The worker this thread runs, if any.
    ///
    /// # Invariant
    /// Non-null only between `enter_worker` and its guard's drop, while the
    /// `Core` it points to is alive on this thread's stack.
    core: Cell<*const Core>,
    current_task: Cell<Option<RawTask>>,
}

thread_local! {
    static CONTEXT: Context = const {
        Context {
            handle: RefCell::new(None),
            core: Cell::new(std::ptr::null()),
            current_task: Cell::new(None),
        }
    };
}

/// Runs `f` with the current runtime's handle.
///
/// # Panics
/// Outside a runtime, with a message naming `what` was called.
#[track_caller]
pub(crate) fn with_handle<R>(what: &str, f: impl FnOnce(&Handle) -> R) -> R {
    let f = CONTEXT.with(|cx| {
        let handle = cx.handle.borrow();
        match &*handle {
            Some(handle) => Ok(f(handle)),
            None => Err(f),
        }
    });
    match f {
        Ok(output) => output,
        Err(_) => panic!(
            "{what} called outside of a runtime: there is no current runtime on this thread. \
             Call it from inside a task or `block_on`, or use a `Handle` (for example \
             `handle.spawn(..)`, or `let _guard = handle.enter();`)"
        ),
    }
}

/// The current runtime's handle, if this thread is in one.
pub(crate) fn try_handle() -> Option<Handle> {
    CONTEXT
        .try_with(|cx| cx.handle.borrow().clone())
        .ok()
        .flatten()
}

/// Makes `handle` current until the guard drops.
pub(crate) fn enter(handle: Handle) -> EnterGuard {
    let previous = CONTEXT.with(|cx| cx.handle.replace(Some(handle)));
    EnterGuard {
        previous,
        _not_send: std::marker::PhantomData,
    }
}

/// Restores the previously current runtime when dropped.
///
/// It is `!Send`: it must be dropped on the thread that entered.
#[derive(Debug)]
pub struct EnterGuard {
    previous: Option<Handle>,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CONTEXT.try_with(|cx| cx.handle.replace(previous));
    }
}

/// Marks this thread as running `core` until the guard drops.
pub(crate) fn enter_worker(core: &Core) -> WorkerGuard {
    let handle = enter(Handle::from_shared(core.shared.clone()));
    CONTEXT.with(|cx| cx.core.set(core));
    WorkerGuard { _handle: handle }
}

pub(crate) struct WorkerGuard {
    _handle: EnterGuard,
}

impl Drop for WorkerGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|cx| cx.core.set(std::ptr::null()));
    }
}

/// Runs `f` with this thread's worker, if it is one.
#[inline]
pub(crate) fn with_core<R>(f: impl FnOnce(Option<&Core>) -> R) -> R {
    let core = CONTEXT
        .try_with(|cx| cx.core.get())
        .unwrap_or(std::ptr::null());
    // SAFETY: a non-null pointer is only stored while the `Core` is alive on
    // this thread's stack (invariant on `Context::core`).
    f(unsafe { core.as_ref() })
}

/// True on any runtime's worker thread.
pub(crate) fn is_worker_thread() -> bool {
    with_core(|core| core.is_some())
}

pub(crate) fn set_current_task(task: Option<RawTask>) -> Option<RawTask> {
    CONTEXT.with(|cx| cx.current_task.replace(task))
}

pub(crate) fn current_task() -> Option<RawTask> {
    CONTEXT.try_with(|cx| cx.current_task.get()).ok().flatten()
}

/// A cheap "now" for bookkeeping (task ages), as a spawn stamp
/// (`task::info::spawn_stamp_of`): the worker's cached one, or a real clock
/// read elsewhere.
pub(crate) fn spawn_stamp() -> u64 {
    with_core(|core| match core {
        Some(core) => core.spawn_stamp(),
        None => crate::task::spawn_stamp_of(Instant::now()),
    })
}
