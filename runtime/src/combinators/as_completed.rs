//! [`as_completed`]: the outputs of tasks as a [`Stream`], in the order the
//! tasks finish (asyncio's `asyncio.as_completed`).
//!
//! # Protocol
//! 1. On the first poll, each task gets a done callback that wakes its
//!    child waker in a [`ReadySet`] (at once if the task already finished).
//! 2. Each poll drains the finished indices into `ready`, in the order the
//!    callbacks ran, which is the order the tasks finished.
//! 3. The front of `ready` is read by polling its task, which is ready.
//!    That poll may still return `Pending` when the cooperative budget is
//!    spent (it then wakes us); the index stays at the front.
//! 4. On drop the [`ReadySet`] is closed; the tasks not yet yielded are
//!    dropped, which *detaches* them (asyncio leaves them running too).
//!    [`AsCompleted::into_pending`] takes them back instead.
//!
//! # Timeout
//! [`AsCompleted::timeout`] returns an [`AsCompletedTimeout`]: the same
//! stream, whose items are wrapped in `Ok`, and which yields one
//! `Err(TimeoutError)` when the deadline passes and ends there. Its item
//! type, `Result<Result<T, TaskError>, TimeoutError>`, is the output of
//! [`timeout`](crate::timeout)`(d, task)`: outer layer for the deadline,
//! inner layer for how the task ended.

use super::ready_set::ReadySet;
use crate::time::{sleep_until, Sleep, TimeoutError};
use crate::{Task, TaskError};
use futures_core::Stream;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Yields the outputs of `tasks` in completion order (asyncio's
/// `asyncio.as_completed`).
///
/// The result is a [`Stream`]; [`AsCompleted::next`] awaits one item
/// without any stream utility crate. For an overall deadline see
/// [`AsCompleted::timeout`].
///
/// ```
/// # runtime::run(async {
/// use std::time::Duration;
///
/// let tasks = [30u64, 10, 20].map(|ms| {
///     runtime::spawn(async move {
///         runtime::sleep(Duration::from_millis(ms)).await;
///         ms
///     })
/// });
/// let mut finished = runtime::as_completed(tasks);
/// let mut order = Vec::new();
/// while let Some(result) = finished.next().await {
///     order.push(result.unwrap());
/// }
/// assert_eq!(order, [10, 20, 30]);
/// # });
/// ```
pub fn as_completed<T, I>(tasks: I) -> AsCompleted<T>
where
    I: IntoIterator<Item = Task<T>>,
{
    let tasks: Vec<Option<Task<T>>> = tasks.into_iter().map(Some).collect();
    AsCompleted {
        set: ReadySet::new_idle(tasks.len()),
        remaining: tasks.len(),
        tasks,
        ready: VecDeque::new(),
        started: false,
        scratch: Vec::new(),
        callbacks: Vec::new(),
    }
}

/// The stream returned by [`as_completed`].
///
/// ```
/// # runtime::run(async {
/// let mut stream: runtime::AsCompleted<u8> = runtime::as_completed([runtime::spawn(async { 1 })]);
/// assert_eq!(stream.next().await.unwrap().unwrap(), 1);
/// # });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct AsCompleted<T> {
    /// `None` once yielded (or taken by `into_pending`).
    tasks: Vec<Option<Task<T>>>,
    set: ReadySet,
    /// Finished tasks not yet yielded, in completion order (step 2).
    ready: VecDeque<usize>,
    /// Tasks not yet yielded.
    remaining: usize,
    /// Step 1 done.
    started: bool,
    scratch: Vec<usize>,
    /// Step 1's done callbacks by task index; those of tasks never yielded
    /// are removed when the stream goes away.
    callbacks: Vec<Option<u64>>,
}

impl<T> AsCompleted<T> {
    /// Awaits the next output in completion order; `None` when every task
    /// has been yielded.
    ///
    /// ```
    /// # runtime::run(async {
    /// let mut stream = runtime::as_completed([runtime::spawn(async { 1 })]);
    /// assert_eq!(stream.next().await.unwrap().unwrap(), 1);
    /// assert!(stream.next().await.is_none());
    /// # });
    /// ```
    pub async fn next(&mut self) -> Option<Result<T, TaskError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The number of outputs not yet yielded.
    ///
    /// ```
    /// # runtime::run(async {
    /// let stream = runtime::as_completed([runtime::spawn(async { 1 })]);
    /// assert_eq!(stream.len(), 1);
    /// # });
    /// ```
    pub fn len(&self) -> usize {
        self.remaining
    }

    /// True when every output has been yielded.
    ///
    /// ```
    /// # runtime::run(async {
    /// let stream = runtime::as_completed(Vec::<runtime::Task<()>>::new());
    /// assert!(stream.is_empty());
    /// # });
    /// ```
    pub fn is_empty(&self) -> bool {
        self.remaining == 0
    }

    /// Gives back the tasks not yet yielded, in input order, to await,
    /// cancel or detach.
    ///
    /// ```
    /// # runtime::run(async {
    /// let stream = runtime::as_completed([runtime::spawn(std::future::pending::<()>())]);
    /// for task in stream.into_pending() {
    ///     task.cancel();
    /// }
    /// # });
    /// ```
    pub fn into_pending(mut self) -> Vec<Task<T>> {
        self.set.close();
        self.remove_callbacks();
        std::mem::take(&mut self.tasks)
            .into_iter()
            .flatten()
            .collect()
    }

    /// Adds an overall deadline `duration` from now: see
    /// [`AsCompletedTimeout`].
    ///
    /// ```
    /// # runtime::run(async {
    /// use std::time::Duration;
    /// let tasks = [runtime::spawn(async { 1 }), runtime::spawn(std::future::pending())];
    /// let mut stream = runtime::as_completed(tasks).timeout(Duration::from_millis(20));
    /// assert_eq!(stream.next().await.unwrap().unwrap().unwrap(), 1);
    /// assert!(stream.next().await.unwrap().is_err()); // the deadline passed
    /// assert!(stream.next().await.is_none());
    /// for task in stream.into_pending() {
    ///     task.cancel();
    /// }
    /// # });
    /// ```
    pub fn timeout(self, duration: Duration) -> AsCompletedTimeout<T> {
        let deadline = Instant::now()
            .checked_add(duration)
            .unwrap_or_else(crate::time::far_future_instant);
        self.timeout_at(deadline)
    }

    /// Adds an overall deadline at `deadline`: see [`AsCompletedTimeout`].
    ///
    /// ```
    /// # runtime::run(async {
    /// use std::time::{Duration, Instant};
    /// let deadline = Instant::now() + Duration::from_secs(5);
    /// let mut stream = runtime::as_completed([runtime::spawn(async { 1 })]).timeout_at(deadline);
    /// assert_eq!(stream.next().await.unwrap().unwrap().unwrap(), 1);
    /// # });
    /// ```
    pub fn timeout_at(self, deadline: Instant) -> AsCompletedTimeout<T> {
        AsCompletedTimeout {
            inner: self,
            sleep: sleep_until(deadline),
            timed_out: false,
        }
    }
}

impl<T> Stream for AsCompleted<T> {
    type Item = Result<T, TaskError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        if !this.started {
            // Step 1.
            for (index, task) in this.tasks.iter().enumerate() {
                let id = task.as_ref().and_then(|task| {
                    let waker = this.set.waker(index).clone();
                    task.add_done_callback_keyed(move |_| waker.wake())
                });
                this.callbacks.push(id);
            }
            this.started = true;
        }
        // Step 2.
        this.set.drain(cx.waker(), &mut this.scratch);
        this.ready.extend(this.scratch.drain(..));
        // Step 3.
        let Some(&index) = this.ready.front() else {
            return Poll::Pending;
        };
        let task = this.tasks[index]
            .as_mut()
            .expect("a yielded task came back");
        match Pin::new(task).poll(cx) {
            Poll::Ready(output) => {
                this.ready.pop_front();
                this.tasks[index] = None;
                this.remaining -= 1;
                if this.remaining == 0 {
                    this.set.close();
                }
                Poll::Ready(Some(output))
            }
            // Budget spent: the poll woke us, the index stays in front.
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<T> AsCompleted<T> {
    fn remove_callbacks(&mut self) {
        for (task, id) in self.tasks.iter().zip(self.callbacks.drain(..)) {
            if let (Some(task), Some(id)) = (task, id) {
                task.remove_done_callback(id);
            }
        }
    }
}

impl<T> Drop for AsCompleted<T> {
    fn drop(&mut self) {
        // Step 4.
        self.set.close();
        self.remove_callbacks();
    }
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("remaining", &self.remaining)
            .field("ready", &self.ready.len())
            .finish()
    }
}

/// [`as_completed`] with an overall deadline (asyncio's
/// `as_completed(aws, timeout=...)`), made by [`AsCompleted::timeout`].
///
/// Items are `Ok(output)` in completion order while the deadline has not
/// passed. Outputs that are ready are always yielded first; then, if tasks
/// remain when the deadline passes, the stream yields one
/// `Err(TimeoutError)` and ends. The remaining tasks are *not* cancelled:
/// take them back with [`into_pending`](AsCompletedTimeout::into_pending),
/// or drop the stream to detach them (asyncio leaves them running too).
///
/// ```
/// # runtime::run(async {
/// use runtime::{AsCompletedTimeout, TimeoutError};
/// use std::time::Duration;
///
/// let tasks = [runtime::spawn(std::future::pending::<u8>())];
/// let mut stream: AsCompletedTimeout<u8> =
///     runtime::as_completed(tasks).timeout(Duration::from_millis(5));
/// assert_eq!(stream.next().await.unwrap().unwrap_err(), TimeoutError::new());
/// assert!(stream.next().await.is_none());
/// # for task in stream.into_pending() { task.cancel(); }
/// # });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct AsCompletedTimeout<T> {
    inner: AsCompleted<T>,
    sleep: Sleep,
    timed_out: bool,
}

impl<T> AsCompletedTimeout<T> {
    /// Awaits the next item; `None` when every task has been yielded or
    /// after the timeout was reported.
    ///
    /// ```
    /// # runtime::run(async {
    /// use std::time::Duration;
    /// let tasks = [runtime::spawn(async { 1 })];
    /// let mut stream = runtime::as_completed(tasks).timeout(Duration::from_secs(5));
    /// while let Some(item) = stream.next().await {
    ///     let output = item.expect("in time").expect("no panic");
    ///     assert_eq!(output, 1);
    /// }
    /// # });
    /// ```
    pub async fn next(&mut self) -> Option<Result<Result<T, TaskError>, TimeoutError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The number of outputs not yet yielded.
    ///
    /// ```
    /// # runtime::run(async {
    /// use std::time::Duration;
    /// let tasks = [runtime::spawn(async { 1 })];
    /// assert_eq!(runtime::as_completed(tasks).timeout(Duration::from_secs(1)).len(), 1);
    /// # });
    /// ```
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// True when every output has been yielded.
    ///
    /// ```
    /// # runtime::run(async {
    /// use std::time::Duration;
    /// let none = Vec::<runtime::Task<()>>::new();
    /// assert!(runtime::as_completed(none).timeout(Duration::from_secs(1)).is_empty());
    /// # });
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// True once the deadline passed with tasks left.
    ///
    /// ```
    /// # runtime::run(async {
    /// use std::time::Duration;
    /// let tasks = [runtime::spawn(std::future::pending::<()>())];
    /// let mut stream = runtime::as_completed(tasks).timeout(Duration::from_millis(1));
    /// assert!(stream.next().await.unwrap().is_err());
    /// assert!(stream.timed_out());
    /// # for task in stream.into_pending() { task.cancel(); }
    /// # });
    /// ```
    pub fn timed_out(&self) -> bool {
        self.timed_out
    }

    /// Gives back the tasks not yet yielded, in input order.
    ///
    /// ```
    /// # runtime::run(async {
    /// use std::time::Duration;
    /// let tasks = [runtime::spawn(std::future::pending::<()>())];
    /// let stream = runtime::as_completed(tasks).timeout(Duration::from_secs(1));
    /// assert_eq!(stream.into_pending().len(), 1);
    /// # });
    /// ```
    pub fn into_pending(self) -> Vec<Task<T>> {
        self.inner.into_pending()
    }
}

impl<T> Stream for AsCompletedTimeout<T> {
    type Item = Result<Result<T, TaskError>, TimeoutError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.timed_out {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(item) => return Poll::Ready(item.map(Ok)),
            Poll::Pending => {}
        }
        match Pin::new(&mut this.sleep).poll(cx) {
            Poll::Ready(()) => {
                this.timed_out = true;
                Poll::Ready(Some(Err(TimeoutError::new())))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.timed_out {
            return (0, Some(0));
        }
        // Up to one more item: the timeout.
        (0, Some(self.inner.len() + 1))
    }
}

impl<T> fmt::Debug for AsCompletedTimeout<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompletedTimeout")
            .field("inner", &self.inner)
            .field("deadline", &self.sleep.deadline())
            .field("timed_out", &self.timed_out)
            .finish()
    }
}
