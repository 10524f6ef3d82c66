//! The futures that wait on a queue: [`Get`], [`Put`] and [`Join`].
//!
//! Each holds the key of its node in one of the queue's wait lists while
//! it waits; every poll and the `Drop` lock the queue once and call the
//! matching `State` method, whose module docs give the protocol. A poll
//! first spends a unit of the cooperative budget
//! ([`crate::coop::poll_proceed`]) and refunds it if it ends up pending,
//! so a task looping over always-ready gets still yields to its peers.
//!
//! # Cancellation (dropping the future)
//! - `Get`: a getter that was served but not yet polled gives its item
//!   back to the next waiting getter, or to the front of the queue. An
//!   item is never lost, and never handed out twice.
//! - `Put`: if its item is still waiting outside the queue, it is dropped
//!   with the future and the queue is unchanged: no slot was reserved. If
//!   the item went in, the put happened.
//! - `Join`: leaves the joiners' list.

use super::error::{GetError, PutError, QueueShutDown};
use super::storage::Storage;
use super::GenericQueue;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// The future of [`GenericQueue::get`]: resolves to the next item, or to
/// [`QueueShutDown`] once the queue is shut down and empty. Dropping it
/// never loses an item (see [`get`](GenericQueue::get)).
///
/// ```
/// use runtime::sync::Queue;
/// use std::time::Duration;
///
/// # runtime::run(async {
/// let queue = Queue::new(0);
/// // A get that times out is dropped, which is always safe.
/// let waited = runtime::timeout(Duration::from_millis(1), queue.get()).await;
/// assert!(waited.is_err());
/// queue.put_nowait(1).unwrap();
/// assert_eq!(queue.get().await, Ok(1));
/// # });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Get<'a, T, S: Storage<T>> {
    queue: &'a GenericQueue<T, S>,
    /// Our node in the getters' list, while we have one.
    key: Option<usize>,
}

/// The future of [`GenericQueue::put`]: resolves once the item is in the
/// queue, or to [`QueueShutDown`] with the item if the queue is (or gets)
/// shut down first. Dropping it before the item went in drops the item
/// and leaves the queue as it was.
///
/// ```
/// use runtime::sync::Queue;
/// use std::time::Duration;
///
/// # runtime::run(async {
/// let queue = Queue::new(1);
/// queue.put(1).await.unwrap();
/// // Full: the put times out, its item is dropped, nothing changes.
/// let waited = runtime::timeout(Duration::from_millis(1), queue.put(2)).await;
/// assert!(waited.is_err());
/// assert_eq!(queue.qsize(), 1);
/// # });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Put<'a, T, S: Storage<T>> {
    queue: &'a GenericQueue<T, S>,
    /// Our item, until it moves into the queue or into our node.
    item: Option<T>,
    /// Our node in the putters' list, while we have one.
    key: Option<usize>,
}

/// The future of [`GenericQueue::join`]: resolves once every item put has
/// been marked done with [`task_done`](GenericQueue::task_done).
///
/// ```
/// # runtime::run(async {
/// let queue = runtime::sync::Queue::new(0);
/// queue.put_nowait("job").unwrap();
/// let _job = queue.get().await.unwrap();
/// queue.task_done().unwrap();
/// queue.join().await;
/// # });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Join<'a, T, S: Storage<T>> {
    queue: &'a GenericQueue<T, S>,
    /// Our node in the joiners' list, while we have one.
    key: Option<usize>,
}

impl<'a, T, S: Storage<T>> Get<'a, T, S> {
    pub(super) fn new(queue: &'a GenericQueue<T, S>) -> Self {
        Get { queue, key: None }
    }

    /// Stops waiting after a pending poll (a blocking timeout): the item if
    /// one was handed over since, `Empty` if not, `ShutDown` if released.
    pub(super) fn give_up(&mut self) -> Result<T, GetError> {
        let key = &mut self.key;
        self.queue
            .locked(|state, wakeups| state.give_up_get(key, wakeups))
    }
}

impl<'a, T, S: Storage<T>> Put<'a, T, S> {
    pub(super) fn new(queue: &'a GenericQueue<T, S>, item: T) -> Self {
        Put {
            queue,
            item: Some(item),
            key: None,
        }
    }

    /// Stops waiting after a pending poll (a blocking timeout): `Ok` if the
    /// item went in since, else the item back with `Full` (or `ShutDown`).
    pub(super) fn give_up(&mut self) -> Result<(), PutError<T>> {
        let key = &mut self.key;
        self.queue
            .locked(|state, wakeups| state.give_up_put(key, wakeups))
    }
}

impl<'a, T, S: Storage<T>> Join<'a, T, S> {
    pub(super) fn new(queue: &'a GenericQueue<T, S>) -> Self {
        Join { queue, key: None }
    }
}

// `Put` never pins its item: it only moves it, so it is `Unpin` whatever
// `T` is.
impl<T, S: Storage<T>> Unpin for Put<'_, T, S> {}

impl<T, S: Storage<T>> Future for Get<'_, T, S> {
    type Output = Result<T, QueueShutDown>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let coop = ready!(crate::coop::poll_proceed(cx));
        let key = &mut this.key;
        let out = this
            .queue
            .locked(|state, wakeups| state.poll_get(key, cx.waker(), wakeups));
        if out.is_ready() {
            coop.made_progress();
        }
        out
    }
}

impl<T, S: Storage<T>> Future for Put<'_, T, S> {
    type Output = Result<(), QueueShutDown<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let coop = ready!(crate::coop::poll_proceed(cx));
        let (key, item) = (&mut this.key, &mut this.item);
        let out = this
            .queue
            .locked(|state, wakeups| state.poll_put(key, item, cx.waker(), wakeups));
        if out.is_ready() {
            coop.made_progress();
        }
        out
    }
}

impl<T, S: Storage<T>> Future for Join<'_, T, S> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let coop = ready!(crate::coop::poll_proceed(cx));
        let key = &mut this.key;
        let out = this
            .queue
            .locked(|state, wakeups| state.poll_join(key, cx.waker(), wakeups));
        if out.is_ready() {
            coop.made_progress();
        }
        out
    }
}

impl<T, S: Storage<T>> Drop for Get<'_, T, S> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let item = self
                .queue
                .locked(|state, wakeups| state.cancel_get(key, wakeups));
            // Only after an immediate shutdown is an item handed back to be
            // dropped; it is dropped here, after the lock was released.
            drop(item);
        }
    }
}

impl<T, S: Storage<T>> Drop for Put<'_, T, S> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let item = self
                .queue
                .locked(|state, wakeups| state.cancel_put(key, wakeups));
            // The item never went in; dropped after the lock was released.
            drop(item);
        }
    }
}

impl<T, S: Storage<T>> Drop for Join<'_, T, S> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.queue
                .locked(|state, wakeups| state.cancel_join(key, wakeups));
        }
    }
}

impl<T, S: Storage<T>> fmt::Debug for Get<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get")
            .field("waiting", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

impl<T, S: Storage<T>> fmt::Debug for Put<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Put")
            .field("waiting", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

impl<T, S: Storage<T>> fmt::Debug for Join<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join")
            .field("waiting", &self.key.is_some())
            .finish_non_exhaustive()
    }
}
