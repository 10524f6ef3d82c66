//! asyncio's queues: [`Queue`] (FIFO), [`LifoQueue`] and [`PriorityQueue`]
//! (smallest first), all one [`GenericQueue`] over a [`Storage`] order.
//!
//! A queue is a mutex around `State` (`state.rs`): the stored items, three
//! FIFO wait lists (getters, putters, joiners), the count of unfinished
//! items and the shutdown flags. It belongs to no runtime: waiters are
//! plain [`Waker`](std::task::Waker)s, so tasks on any worker of any
//! runtime, and plain threads through the `*_blocking` methods, can share
//! one queue.
//!
//! # Files
//! - `state.rs`: the invariants and every protocol (put, get, hand-off,
//!   cancellation, `task_done`/`join`, shutdown), as numbered steps.
//! - `futures.rs`: [`Get`], [`Put`], [`Join`], and what dropping each means.
//! - `wait_list.rs`: the slab-backed FIFO of waiters (O(1) cancel).
//! - `storage.rs`: the three orders.
//! - `wakeups.rs`: wakers are called after the lock is released.
//! - `blocking.rs`: driving the same futures on a plain thread.
//! - `error.rs`: the error types.
//! - `tests.rs`, `loom_queue.rs`: unit tests of the protocol, loom models
//!   of the cancellation races.
//!
//! # Guarantees
//! Listed for users on [`GenericQueue`] (this module is private; its
//! items are re-exported from `runtime::sync`): FIFO fairness among
//! getters and among putters, cancellation safety of every future, no
//! waker or user `Drop` under the lock, and shutdown waking every getter
//! and putter.

mod blocking;
mod error;
mod futures;
mod state;
mod storage;
mod wait_list;
mod wakeups;

#[cfg(all(test, runtime_loom))]
mod loom_queue;

pub use error::{GetError, PutError, QueueEmpty, QueueFull, QueueShutDown, TaskDoneError};
pub use futures::{Get, Join, Put};
pub use storage::{Fifo, Lifo, Priority, Storage};

use crate::loom::sync::Mutex;
use state::State;
use std::fmt;
use std::time::{Duration, Instant};
use wakeups::Wakeups;

/// A first-in, first-out queue (`asyncio.Queue`).
///
/// Share it with `Arc`; every method takes `&self`. See [`GenericQueue`]
/// for the methods and the guarantees.
///
/// ```
/// use runtime::sync::Queue;
///
/// # runtime::run(async {
/// let queue = Queue::new(0);
/// queue.put("first").await.unwrap();
/// queue.put("second").await.unwrap();
/// assert_eq!(queue.get().await.unwrap(), "first");
/// assert_eq!(queue.get().await.unwrap(), "second");
/// # });
/// ```
pub type Queue<T> = GenericQueue<T, Fifo<T>>;

/// A last-in, first-out queue: a stack (`asyncio.LifoQueue`).
///
/// ```
/// use runtime::sync::LifoQueue;
///
/// let stack = LifoQueue::new(0);
/// for i in 1..=3 {
///     stack.put_nowait(i).unwrap();
/// }
/// assert_eq!(stack.get_nowait(), Ok(3));
/// assert_eq!(stack.get_nowait(), Ok(2));
/// ```
pub type LifoQueue<T> = GenericQueue<T, Lifo<T>>;

/// A queue that hands out its smallest item first (`asyncio.PriorityQueue`,
/// a `heapq` min-heap); `T` must be [`Ord`]. As in asyncio, the usual item
/// is a `(priority, data)` tuple; wrap a key in [`std::cmp::Reverse`] for
/// largest first.
///
/// ```
/// use runtime::sync::PriorityQueue;
///
/// let jobs = PriorityQueue::new(0);
/// jobs.put_nowait((2, "write report")).unwrap();
/// jobs.put_nowait((0, "fix outage")).unwrap();
/// jobs.put_nowait((1, "answer mail")).unwrap();
/// assert_eq!(jobs.get_nowait().unwrap().1, "fix outage");
/// assert_eq!(jobs.get_nowait().unwrap().1, "answer mail");
/// ```
pub type PriorityQueue<T> = GenericQueue<T, Priority<T>>;

/// The queue behind [`Queue`], [`LifoQueue`] and [`PriorityQueue`]: `S`
/// decides the order items come out in. Use the aliases.
///
/// `GenericQueue<T, S>` is `Send + Sync` when `T: Send`, and is not tied to
/// a runtime: tasks on any worker of any runtime, and plain threads
/// (through the `*_blocking` methods), can use one queue at the same time.
///
/// # Guarantees
/// 1. **FIFO fairness.** Waiting getters are served in the order they
///    started waiting, and so are waiting putters; a newcomer never
///    overtakes a waiter.
/// 2. **Cancellation safety.** Dropping a get future never loses an item,
///    even after it was served; dropping a put future before its item went
///    in leaves the queue as if it had never been called.
/// 3. **No waker and no item's `Drop` runs under the queue's lock**, so
///    an item's destructor may itself use the queue.
/// 4. **Shutdown wakes every getter and putter** (asyncio 3.13 semantics,
///    see [`shutdown`](GenericQueue::shutdown)).
/// 5. **Plain threads wait in the same lines** as tasks
///    ([`get_blocking`](GenericQueue::get_blocking),
///    [`put_blocking`](GenericQueue::put_blocking)); on a runtime worker
///    thread those methods refuse with a `WouldDeadlock` error instead of
///    blocking it.
///
/// # Example: a thread with its own loop consuming a queue
///
/// ```
/// use runtime::sync::Queue;
/// use std::sync::Arc;
///
/// async fn process_queue(queue: Arc<Queue<Option<String>>>) -> Vec<String> {
///     let mut processed = Vec::new();
///     while let Ok(Some(data)) = queue.get().await {
///         processed.push(format!("Processed in thread: {data}"));
///         queue.task_done().unwrap();
///     }
///     processed
/// }
///
/// runtime::run(async {
///     let queue = Arc::new(Queue::new(0));
///     let for_thread = queue.clone();
///     // A second runtime on another thread, sharing the queue.
///     let thread = std::thread::spawn(move || runtime::run(process_queue(for_thread)));
///     for i in 0..5 {
///         queue.put(Some(format!("Task {i}"))).await.unwrap();
///     }
///     queue.put(None).await.unwrap(); // tell the thread to exit
///     let processed = thread.join().unwrap();
///     assert_eq!(processed.len(), 5);
///     assert_eq!(processed[0], "Processed in thread: Task 0");
/// });
/// ```
pub struct GenericQueue<T, S: Storage<T>> {
    state: Mutex<State<T, S>>,
    /// A copy of the state's `maxsize`, which never changes.
    maxsize: usize,
}

impl<T, S: Storage<T>> GenericQueue<T, S> {
    /// A queue holding at most `maxsize` items; `0` means unbounded, as in
    /// asyncio.
    ///
    /// ```
    /// use runtime::sync::Queue;
    ///
    /// let bounded: Queue<u32> = Queue::new(2);
    /// assert_eq!(bounded.maxsize(), 2);
    /// let unbounded: Queue<u32> = Queue::new(0);
    /// assert!(!unbounded.full());
    /// ```
    pub fn new(maxsize: usize) -> Self {
        GenericQueue {
            state: Mutex::new(State::new(maxsize)),
            maxsize,
        }
    }

    /// The capacity given to [`new`](Self::new) (`0`: unbounded).
    ///
    /// ```
    /// assert_eq!(runtime::sync::Queue::<u8>::new(7).maxsize(), 7);
    /// ```
    pub fn maxsize(&self) -> usize {
        self.maxsize
    }

    /// How many items the queue holds now.
    ///
    /// An item handed straight to a waiting getter is never counted: it was
    /// the getter's as soon as it was put.
    ///
    /// ```
    /// let queue = runtime::sync::Queue::new(0);
    /// queue.put_nowait('a').unwrap();
    /// assert_eq!(queue.qsize(), 1);
    /// ```
    pub fn qsize(&self) -> usize {
        self.state.lock().len()
    }

    /// True if the queue holds no items.
    ///
    /// ```
    /// let queue = runtime::sync::Queue::<u8>::new(0);
    /// assert!(queue.empty());
    /// ```
    pub fn empty(&self) -> bool {
        self.qsize() == 0
    }

    /// True if the queue holds `maxsize` items (never for an unbounded
    /// queue): a put would wait.
    ///
    /// ```
    /// let queue = runtime::sync::Queue::new(1);
    /// queue.put_nowait(1).unwrap();
    /// assert!(queue.full());
    /// ```
    pub fn full(&self) -> bool {
        self.state.lock().is_full()
    }

    /// True once [`shutdown`](Self::shutdown) was called.
    ///
    /// ```
    /// let queue = runtime::sync::Queue::<u8>::new(0);
    /// queue.shutdown(false);
    /// assert!(queue.is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        self.state.lock().is_shut_down()
    }

    /// Puts `item`, waiting while the queue is full (asyncio's `put`).
    ///
    /// Waiting putters go in first come, first served. If the queue is
    /// shut down before the item goes in, the future resolves to
    /// [`QueueShutDown`] carrying the item. Dropping the future before the
    /// item went in drops the item and leaves the queue unchanged.
    ///
    /// ```
    /// use runtime::sync::Queue;
    /// use std::sync::Arc;
    ///
    /// # runtime::run(async {
    /// let queue = Arc::new(Queue::new(1));
    /// queue.put(1).await.unwrap();
    /// let q = queue.clone();
    /// // Full: this put waits until the get below makes room.
    /// let putter = runtime::spawn(async move { q.put(2).await.unwrap() });
    /// assert_eq!(queue.get().await.unwrap(), 1);
    /// putter.await.unwrap();
    /// assert_eq!(queue.get().await.unwrap(), 2);
    /// # });
    /// ```
    pub fn put(&self, item: T) -> Put<'_, T, S> {
        Put::new(self, item)
    }

    /// Removes and returns the next item, waiting while the queue is empty
    /// (asyncio's `get`).
    ///
    /// Waiting getters are served first come, first served: an item put
    /// while getters wait goes straight to the first of them. Once the
    /// queue is shut down, gets still return what is left (unless the
    /// shutdown was immediate), then fail with [`QueueShutDown`].
    ///
    /// **Cancellation safe**: if the future is dropped after an item was
    /// handed to it, the item goes to the next waiting getter, or back to
    /// the front of the queue; it is never lost.
    ///
    /// ```
    /// use runtime::sync::Queue;
    /// use std::sync::Arc;
    ///
    /// # runtime::run(async {
    /// let queue = Arc::new(Queue::new(0));
    /// let q = queue.clone();
    /// let consumer = runtime::spawn(async move { q.get().await.unwrap() });
    /// queue.put("hello").await.unwrap();
    /// assert_eq!(consumer.await.unwrap(), "hello");
    /// # });
    /// ```
    pub fn get(&self) -> Get<'_, T, S> {
        Get::new(self)
    }

    /// Puts `item` if there is room, without waiting (asyncio's
    /// `put_nowait`). Fails with [`PutError::Full`] or
    /// [`PutError::ShutDown`], giving the item back.
    ///
    /// ```
    /// use runtime::sync::{PutError, Queue};
    ///
    /// let queue = Queue::new(1);
    /// assert_eq!(queue.put_nowait("a"), Ok(()));
    /// assert_eq!(queue.put_nowait("b"), Err(PutError::Full("b")));
    /// queue.shutdown(false);
    /// assert_eq!(queue.put_nowait("c"), Err(PutError::ShutDown("c")));
    /// ```
    pub fn put_nowait(&self, item: T) -> Result<(), PutError<T>> {
        self.locked(|state, wakeups| state.try_put(item, wakeups))
    }

    /// Removes and returns the next item if there is one, without waiting
    /// (asyncio's `get_nowait`). Fails with [`GetError::Empty`], or
    /// [`GetError::ShutDown`] once the queue is shut down and empty.
    ///
    /// ```
    /// use runtime::sync::{GetError, Queue};
    ///
    /// let queue = Queue::new(0);
    /// assert_eq!(queue.get_nowait(), Err(GetError::Empty));
    /// queue.put_nowait(5).unwrap();
    /// queue.shutdown(false);
    /// assert_eq!(queue.get_nowait(), Ok(5)); // what is left is still handed out
    /// assert_eq!(queue.get_nowait(), Err(GetError::ShutDown));
    /// ```
    pub fn get_nowait(&self) -> Result<T, GetError> {
        self.locked(|state, wakeups| state.try_get(wakeups))
    }

    /// Marks one item as processed (asyncio's `task_done`): call it once
    /// per item got, when done with it. When every item put has been
    /// marked, [`join`](Self::join) returns. Fails with [`TaskDoneError`]
    /// ("task_done() called too many times") if nothing is unfinished.
    ///
    /// ```
    /// use runtime::sync::{Queue, TaskDoneError};
    ///
    /// let queue = Queue::new(0);
    /// queue.put_nowait(1).unwrap();
    /// let _ = queue.get_nowait().unwrap();
    /// assert_eq!(queue.task_done(), Ok(()));
    /// assert_eq!(queue.task_done(), Err(TaskDoneError));
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        self.locked(|state, wakeups| state.task_done(wakeups))
    }

    /// Waits until every item put has been marked done with
    /// [`task_done`](Self::task_done) (asyncio's `join`). Returns at once if
    /// nothing is unfinished.
    ///
    /// ```
    /// use runtime::sync::Queue;
    /// use std::sync::Arc;
    ///
    /// # runtime::run(async {
    /// let queue = Arc::new(Queue::new(0));
    /// for i in 0..3 {
    ///     queue.put(i).await.unwrap();
    /// }
    /// let q = queue.clone();
    /// runtime::spawn(async move {
    ///     while let Ok(_item) = q.get().await {
    ///         q.task_done().unwrap();
    ///     }
    /// });
    /// queue.join().await; // all three processed
    /// assert!(queue.empty());
    /// # });
    /// ```
    pub fn join(&self) -> Join<'_, T, S> {
        Join::new(self)
    }

    /// Shuts the queue down (asyncio 3.13's `shutdown`).
    ///
    /// 1. From now on every put fails with a shut-down error, giving its
    ///    item back; waiting putters are woken and fail the same way.
    /// 2. Waiting getters are woken and fail with a shut-down error.
    /// 3. Graceful (`immediate == false`): later gets still return the
    ///    items left in the queue, then fail; `join` still waits for those
    ///    items to be marked done.
    /// 4. Immediate: the items left are dropped at once and counted as
    ///    done, so joiners are released unless an item already got is still
    ///    unfinished (its consumer still calls `task_done`, as in asyncio).
    ///
    /// Calling it again is allowed: an immediate shutdown after a graceful
    /// one drains what is left.
    ///
    /// ```
    /// use runtime::sync::{GetError, Queue};
    ///
    /// # runtime::run(async {
    /// let queue = Queue::new(0);
    /// queue.put_nowait(1).unwrap();
    /// queue.shutdown(true);
    /// assert_eq!(queue.qsize(), 0); // dropped
    /// assert!(queue.get().await.is_err());
    /// queue.join().await; // the dropped item counts as done
    /// assert_eq!(queue.put(2).await.unwrap_err().into_inner(), 2);
    /// # });
    /// ```
    pub fn shutdown(&self, immediate: bool) {
        let drained = self.locked(|state, wakeups| state.shutdown(immediate, wakeups));
        // The dropped items' destructors run after the lock was released.
        drop(drained);
    }

    /// Puts `item`, blocking this thread while the queue is full: for a
    /// plain thread (a GUI or other synchronous code) feeding async tasks.
    /// It waits in the same FIFO as async putters and needs no runtime.
    ///
    /// Fails with [`PutError::ShutDown`], or at once with
    /// [`PutError::WouldDeadlock`] on a runtime worker thread, where
    /// blocking could starve the very task that would make room: `.await`
    /// [`put`](Self::put) there, or use [`put_nowait`](Self::put_nowait).
    /// Every error gives the item back.
    ///
    /// ```
    /// use runtime::sync::Queue;
    /// use std::sync::Arc;
    ///
    /// let queue = Arc::new(Queue::new(1));
    /// let q = queue.clone();
    /// let feeder = std::thread::spawn(move || {
    ///     for i in 0..3 {
    ///         q.put_blocking(i).unwrap();
    ///     }
    /// });
    /// let got = runtime::run(async move {
    ///     let mut got = Vec::new();
    ///     for _ in 0..3 {
    ///         got.push(queue.get().await.unwrap());
    ///     }
    ///     got
    /// });
    /// feeder.join().unwrap();
    /// assert_eq!(got, [0, 1, 2]);
    /// ```
    pub fn put_blocking(&self, item: T) -> Result<(), PutError<T>> {
        self.put_blocking_until(item, None)
    }

    /// [`put_blocking`](Self::put_blocking), giving up after `timeout`: then
    /// it fails with [`PutError::Full`], giving the item back.
    ///
    /// ```
    /// use runtime::sync::Queue;
    /// use std::time::Duration;
    ///
    /// let queue = Queue::new(1);
    /// queue.put_blocking_timeout(1, Duration::from_millis(1)).unwrap();
    /// let err = queue.put_blocking_timeout(2, Duration::from_millis(1)).unwrap_err();
    /// assert!(err.is_full());
    /// assert_eq!(err.into_inner(), 2);
    /// ```
    pub fn put_blocking_timeout(&self, item: T, timeout: Duration) -> Result<(), PutError<T>> {
        self.put_blocking_until(item, Instant::now().checked_add(timeout))
    }

    /// Removes and returns the next item, blocking this thread while the
    /// queue is empty: for a plain thread reading what async tasks
    /// produce. It waits in the same FIFO as async getters and needs no
    /// runtime.
    ///
    /// Fails with [`GetError::ShutDown`] once the queue is shut down and
    /// empty, or at once with [`GetError::WouldDeadlock`] on a runtime
    /// worker thread, where blocking could starve the very task that would
    /// put: `.await` [`get`](Self::get) there, or use
    /// [`get_nowait`](Self::get_nowait).
    ///
    /// ```
    /// use runtime::sync::Queue;
    /// use std::sync::Arc;
    ///
    /// let rt = runtime::Runtime::new().unwrap();
    /// let queue = Arc::new(Queue::new(0));
    /// let q = queue.clone();
    /// rt.handle().spawn(async move {
    ///     for word in ["hello", "from", "the", "loop"] {
    ///         q.put(word).await.unwrap();
    ///     }
    ///     q.shutdown(false);
    /// });
    /// let mut words = Vec::new();
    /// while let Ok(word) = queue.get_blocking() {
    ///     words.push(word);
    /// }
    /// assert_eq!(words.join(" "), "hello from the loop");
    /// ```
    pub fn get_blocking(&self) -> Result<T, GetError> {
        self.get_blocking_until(None)
    }

    /// [`get_blocking`](Self::get_blocking), giving up after `timeout`: then
    /// it fails with [`GetError::Empty`].
    ///
    /// ```
    /// use runtime::sync::{GetError, Queue};
    /// use std::time::Duration;
    ///
    /// let queue = Queue::<u8>::new(0);
    /// let timeout = Duration::from_millis(1);
    /// assert_eq!(queue.get_blocking_timeout(timeout), Err(GetError::Empty));
    /// ```
    pub fn get_blocking_timeout(&self, timeout: Duration) -> Result<T, GetError> {
        self.get_blocking_until(Instant::now().checked_add(timeout))
    }

    fn put_blocking_until(&self, item: T, deadline: Option<Instant>) -> Result<(), PutError<T>> {
        if crate::context::is_worker_thread() {
            return Err(PutError::WouldDeadlock(item));
        }
        let mut put = self.put(item);
        match blocking::block_on(&mut put, deadline) {
            Some(result) => result.map_err(PutError::from),
            None => put.give_up(),
        }
    }

    fn get_blocking_until(&self, deadline: Option<Instant>) -> Result<T, GetError> {
        if crate::context::is_worker_thread() {
            return Err(GetError::WouldDeadlock);
        }
        let mut get = self.get();
        match blocking::block_on(&mut get, deadline) {
            Some(result) => result.map_err(GetError::from),
            None => get.give_up(),
        }
    }

    /// Runs `f` on the locked state, then, with the lock released, calls
    /// the wakers `f` collected (`wakeups.rs`). Values `f` returns, such as
    /// items to drop, are dropped by the caller, after the lock too.
    fn locked<R>(&self, f: impl FnOnce(&mut State<T, S>, &mut Wakeups) -> R) -> R {
        let mut wakeups = Wakeups::new();
        // The guard is a temporary: it is released at the end of this
        // statement, before `wakeups` is dropped.
        let result = f(&mut self.state.lock(), &mut wakeups);
        drop(wakeups);
        result
    }
}

impl<T, S: Storage<T>> Default for GenericQueue<T, S> {
    /// An unbounded queue.
    fn default() -> Self {
        GenericQueue::new(0)
    }
}

impl<T, S: Storage<T>> fmt::Debug for GenericQueue<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.state.lock().fmt(f)
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests;
