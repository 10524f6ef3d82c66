//! [`wait`]: asyncio's `asyncio.wait`: wait for tasks until a condition
//! holds, then hand every task back, split into `(done, pending)`.
//!
//! # Protocol
//! 1. On the first poll, each task gets a done callback that wakes its
//!    child waker in a [`ReadySet`]; a task that already finished runs the
//!    callback at once. (Callbacks leave the task's output alone: the
//!    handles go back to the caller with their outputs unread.)
//! 2. Each poll drains the finished indices, counts them, and notes whether
//!    one of them *failed* (ended in [`TaskError`](crate::TaskError):
//!    cancelled or panicked).
//! 3. When the [`ReturnWhen`] condition holds, or the timeout has passed,
//!    every task is sorted by [`Task::is_done`] at that moment, keeping
//!    input order within each list, and the two lists are returned.
//!    Nothing is cancelled, timeout or not.
//! 4. On drop (or completion) the [`ReadySet`] is closed, so callbacks of
//!    tasks still running no longer wake the waiting task.
//!
//! # Invariant
//! `done_count` is the number of distinct tasks whose callback has been
//! drained; each callback fires once, so each task is counted once.

use super::ready_set::ReadySet;
use crate::time::{sleep, Sleep};
use crate::{Task, TaskState};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// When [`wait`] returns (asyncio's `return_when` constants).
///
/// ```
/// assert_eq!(runtime::ReturnWhen::default(), runtime::ReturnWhen::AllCompleted);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReturnWhen {
    /// As soon as any task finishes, however it finishes
    /// (`FIRST_COMPLETED`).
    FirstCompleted,
    /// As soon as a task *fails*, or when all have finished
    /// (`FIRST_EXCEPTION`).
    ///
    /// A task fails when it ends in a [`TaskError`](crate::TaskError): it
    /// panicked (asyncio: raised) or was cancelled. A task whose output is
    /// itself an `Err` completed normally as far as `wait` can tell — its
    /// output type is opaque here, and its output is left unread for the
    /// caller. Let such a task panic, or use
    /// [`try_gather`](crate::try_gather) / [`TaskGroup`](crate::TaskGroup),
    /// which do look at `Result` outputs.
    FirstException,
    /// When every task has finished (`ALL_COMPLETED`, the default).
    #[default]
    AllCompleted,
}

/// Waits for `tasks` until `return_when` holds or `timeout` passes, then
/// returns them all as `(done, pending)` (asyncio's `asyncio.wait`).
///
/// Both lists keep the input order. The timeout cancels nothing: pending
/// tasks are returned running, to await again, cancel or drop (dropping a
/// [`Task`] detaches it). With no tasks, returns two empty lists at once
/// (asyncio raises `ValueError`).
///
/// ```
/// # runtime::run(async {
/// use runtime::ReturnWhen;
/// use std::time::Duration;
///
/// let fast = runtime::spawn(async { "fast" });
/// let slow = runtime::spawn(async {
///     runtime::sleep(Duration::from_secs(60)).await;
///     "slow"
/// });
/// let (done, pending) = runtime::wait([fast, slow], ReturnWhen::FirstCompleted, None).await;
/// assert_eq!(done.len(), 1);
/// assert_eq!(pending.len(), 1);
/// for task in done {
///     assert_eq!(task.await.unwrap(), "fast");
/// }
/// for task in pending {
///     task.cancel();
/// }
/// # });
/// ```
pub fn wait<T, I>(tasks: I, return_when: ReturnWhen, timeout: Option<Duration>) -> Wait<T>
where
    I: IntoIterator<Item = Task<T>>,
{
    let tasks: Vec<Task<T>> = tasks.into_iter().collect();
    let set = ReadySet::new_idle(tasks.len());
    Wait {
        tasks,
        set,
        return_when,
        timeout: timeout.map(sleep),
        started: false,
        done_count: 0,
        failed: false,
        woken: Vec::new(),
        callbacks: Vec::new(),
    }
}

/// The future returned by [`wait`].
///
/// ```
/// # runtime::run(async {
/// use runtime::{ReturnWhen, Wait};
/// let waiting: Wait<u8> = runtime::wait([runtime::spawn(async { 1 })], ReturnWhen::AllCompleted, None);
/// let (done, pending) = waiting.await;
/// assert_eq!((done.len(), pending.len()), (1, 0));
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Wait<T> {
    /// Emptied when the future completes.
    tasks: Vec<Task<T>>,
    set: ReadySet,
    return_when: ReturnWhen,
    timeout: Option<Sleep>,
    /// Step 1 done.
    started: bool,
    /// The module's invariant.
    done_count: usize,
    /// A finished task failed (see [`ReturnWhen::FirstException`]).
    failed: bool,
    woken: Vec<usize>,
    /// The done callbacks registered in step 1, removed when the wait ends
    /// (a loop of `wait` calls must not pile callbacks onto its tasks).
    callbacks: Vec<Option<u64>>,
}

impl<T> Wait<T> {
    fn condition_holds(&self) -> bool {
        let all = self.done_count == self.tasks.len();
        match self.return_when {
            ReturnWhen::FirstCompleted => self.done_count > 0 || all,
            ReturnWhen::FirstException => self.failed || all,
            ReturnWhen::AllCompleted => all,
        }
    }

    /// Step 3: split by done-ness now.
    fn finish(&mut self) -> (Vec<Task<T>>, Vec<Task<T>>) {
        self.set.close();
        self.remove_callbacks();
        std::mem::take(&mut self.tasks)
            .into_iter()
            .partition(Task::is_done)
    }
}

impl<T> Wait<T> {
    fn remove_callbacks(&mut self) {
        for (task, id) in self.tasks.iter().zip(self.callbacks.drain(..)) {
            if let Some(id) = id {
                task.remove_done_callback(id);
            }
        }
    }
}

impl<T> Future for Wait<T> {
    type Output = (Vec<Task<T>>, Vec<Task<T>>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if !this.started {
            // Step 1. A callback firing before the drain below only queues
            // its index; the drain returns it.
            for (index, task) in this.tasks.iter().enumerate() {
                let waker = this.set.waker(index).clone();
                this.callbacks
                    .push(task.add_done_callback_keyed(move |_| waker.wake()));
            }
            this.started = true;
        }
        // Step 2.
        this.set.drain(cx.waker(), &mut this.woken);
        for index in this.woken.drain(..) {
            let task = &this.tasks[index];
            debug_assert!(task.is_done(), "a done callback ran before completion");
            this.done_count += 1;
            if matches!(
                task.info().state(),
                TaskState::Cancelled | TaskState::Panicked
            ) {
                this.failed = true;
            }
        }
        if this.condition_holds() {
            return Poll::Ready(this.finish());
        }
        if let Some(timeout) = &mut this.timeout {
            if Pin::new(timeout).poll(cx).is_ready() {
                return Poll::Ready(this.finish());
            }
        }
        Poll::Pending
    }
}

impl<T> Drop for Wait<T> {
    fn drop(&mut self) {
        // Step 4.
        self.set.close();
        self.remove_callbacks();
    }
}

impl<T> fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("tasks", &self.tasks.len())
            .field("done", &self.done_count)
            .field("return_when", &self.return_when)
            .finish()
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;

    #[test]
    fn waits_that_time_out_take_their_callbacks_back() {
        crate::run(async {
            let task = crate::spawn(std::future::pending::<()>());
            let mut pending = vec![task];
            for _ in 0..100 {
                let (done, rest) =
                    wait(pending, ReturnWhen::AllCompleted, Some(Duration::ZERO)).await;
                assert!(done.is_empty());
                pending = rest;
            }
            let raw = pending[0].raw();
            assert_eq!(raw.header().meta.pending_callbacks(), 0);
            // A wait dropped before it finishes takes its callback back too.
            let waiting = wait(pending, ReturnWhen::AllCompleted, None);
            drop(waiting);
        });
    }
}
