//! [`Builder`]: configure a task (its name) before spawning it.

use super::Task;
use crate::Handle;
use std::future::Future;
use std::sync::Arc;

/// Configures a task before it is spawned.
///
/// ```
/// # runtime::run(async {
/// let task = runtime::task::Builder::new().name("fetch").spawn(async { 1 });
/// assert_eq!(task.name().as_deref(), Some("fetch"));
/// # let _ = task.await;
/// # });
/// ```
#[derive(Debug, Default, Clone)]
pub struct Builder {
    name: Option<Arc<str>>,
}

impl Builder {
    /// A builder with no name set.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the task (shown by `all_tasks`, `dump`, and debug warnings).
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(Arc::from(name.into()));
        self
    }

    /// Spawns the task on the current runtime.
    ///
    /// # Panics
    /// Panics outside a runtime (see [`crate::spawn`]).
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let location = std::panic::Location::caller();
        crate::context::with_handle("task::Builder::spawn", |handle| {
            handle.shared().spawn(future, self.name, location)
        })
    }

    /// Spawns the task on `handle`'s runtime, from any thread.
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        handle
            .shared()
            .spawn(future, self.name, std::panic::Location::caller())
    }

    /// Spawns a `!Send` task pinned to the current worker.
    ///
    /// # Panics
    /// Panics when not called on a runtime worker thread (see
    /// [`crate::spawn_local`]).
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        crate::scheduler::spawn_local(future, self.name, std::panic::Location::caller())
    }
}
