//! Why a queue operation did not happen: asyncio's `QueueEmpty`,
//! `QueueFull`, `QueueShutDown` and `ValueError` (from `task_done`), plus
//! the two enums the non-waiting and thread-blocking methods return.
//!
//! Every error of an operation that was given an item carries the item
//! back, so nothing is lost when a put fails.
//!
//! | method | error |
//! |---|---|
//! | `put(item).await` | [`QueueShutDown<T>`] |
//! | `get().await` | [`QueueShutDown`] |
//! | `put_nowait(item)` | [`PutError::Full`] or [`PutError::ShutDown`] |
//! | `get_nowait()` | [`GetError::Empty`] or [`GetError::ShutDown`] |
//! | `put_blocking(item)` | [`PutError::ShutDown`] or [`PutError::WouldDeadlock`] |
//! | `get_blocking()` | [`GetError::ShutDown`] or [`GetError::WouldDeadlock`] |
//! | `*_blocking_timeout` | as above, or `Full` / `Empty` at the deadline |
//! | `task_done()` | [`TaskDoneError`] |

use std::error::Error;
use std::fmt;

/// The queue is empty (asyncio's `QueueEmpty`). The
/// [`Empty`](GetError::Empty) case of [`GetError`], which it converts into.
///
/// ```
/// use runtime::sync::{GetError, QueueEmpty};
///
/// assert_eq!(GetError::from(QueueEmpty), GetError::Empty);
/// assert_eq!(QueueEmpty.to_string(), "the queue is empty");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueEmpty;

/// The queue is full (asyncio's `QueueFull`); carries the item back. The
/// [`Full`](PutError::Full) case of [`PutError`], which it converts into.
///
/// ```
/// use runtime::sync::{PutError, QueueFull};
///
/// let error: PutError<&str> = QueueFull("item").into();
/// assert!(error.is_full());
/// assert_eq!(error.into_inner(), "item");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct QueueFull<T>(pub T);

/// The queue was shut down (asyncio 3.13's `QueueShutDown`).
///
/// `put(item).await` returns `QueueShutDown<T>` with the item that was not
/// put; `get().await` returns `QueueShutDown` (`T = ()`) once the queue is
/// shut down and has nothing left to hand out.
///
/// ```
/// use runtime::sync::{Queue, QueueShutDown};
///
/// # runtime::run(async {
/// let queue = Queue::new(0);
/// queue.shutdown(false);
/// assert_eq!(queue.put("late").await, Err(QueueShutDown("late")));
/// assert_eq!(queue.get().await, Err(QueueShutDown(())));
/// # });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueShutDown<T = ()>(pub T);

/// `task_done()` was called more times than items were put (asyncio's
/// `ValueError`).
///
/// ```
/// let queue = runtime::sync::Queue::<u8>::new(0);
/// let error = queue.task_done().unwrap_err();
/// assert_eq!(error.to_string(), "task_done() called too many times");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TaskDoneError;

/// Why `put_nowait`, `put_blocking` or `put_blocking_timeout` did not put
/// the item; every case gives the item back.
///
/// ```
/// use runtime::sync::{PutError, Queue};
///
/// let queue = Queue::new(1);
/// queue.put_nowait(1).unwrap();
/// match queue.put_nowait(2) {
///     Ok(()) => unreachable!(),
///     Err(PutError::Full(item)) => assert_eq!(item, 2), // try again later
///     Err(PutError::ShutDown(_) | PutError::WouldDeadlock(_)) => unreachable!(),
/// }
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PutError<T> {
    /// The queue is full (`put_nowait`, or a timeout ran out).
    Full(T),
    /// The queue was shut down.
    ShutDown(T),
    /// A `*_blocking` method was called on a runtime worker thread, where
    /// blocking could deadlock the runtime; `.await` the queue there.
    WouldDeadlock(T),
}

/// Why `get_nowait`, `get_blocking` or `get_blocking_timeout` returned no
/// item.
///
/// ```
/// use runtime::sync::{GetError, Queue};
///
/// let queue = Queue::<u8>::new(0);
/// assert_eq!(queue.get_nowait(), Err(GetError::Empty));
/// queue.shutdown(false);
/// assert!(queue.get_nowait().unwrap_err().is_shut_down());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetError {
    /// The queue is empty (`get_nowait`, or a timeout ran out).
    Empty,
    /// The queue was shut down and has nothing left to hand out.
    ShutDown,
    /// A `*_blocking` method was called on a runtime worker thread, where
    /// blocking could deadlock the runtime; `.await` the queue there.
    WouldDeadlock,
}

impl<T> QueueFull<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> QueueShutDown<T> {
    /// The item that was not put (`()` for a get).
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> PutError<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        match self {
            PutError::Full(item) | PutError::ShutDown(item) | PutError::WouldDeadlock(item) => item,
        }
    }

    /// True if the queue was full.
    pub fn is_full(&self) -> bool {
        matches!(self, PutError::Full(_))
    }

    /// True if the queue was shut down.
    pub fn is_shut_down(&self) -> bool {
        matches!(self, PutError::ShutDown(_))
    }

    /// True if the call was refused on a runtime worker thread.
    pub fn is_would_deadlock(&self) -> bool {
        matches!(self, PutError::WouldDeadlock(_))
    }
}

impl GetError {
    /// True if the queue was empty.
    pub fn is_empty(&self) -> bool {
        matches!(self, GetError::Empty)
    }

    /// True if the queue was shut down (and empty).
    pub fn is_shut_down(&self) -> bool {
        matches!(self, GetError::ShutDown)
    }

    /// True if the call was refused on a runtime worker thread.
    pub fn is_would_deadlock(&self) -> bool {
        matches!(self, GetError::WouldDeadlock)
    }
}

impl<T> From<QueueFull<T>> for PutError<T> {
    fn from(QueueFull(item): QueueFull<T>) -> Self {
        PutError::Full(item)
    }
}

impl<T> From<QueueShutDown<T>> for PutError<T> {
    fn from(QueueShutDown(item): QueueShutDown<T>) -> Self {
        PutError::ShutDown(item)
    }
}

impl From<QueueEmpty> for GetError {
    fn from(QueueEmpty: QueueEmpty) -> Self {
        GetError::Empty
    }
}

impl From<QueueShutDown> for GetError {
    fn from(QueueShutDown(()): QueueShutDown) -> Self {
        GetError::ShutDown
    }
}

const FULL: &str = "the queue is full";
const EMPTY: &str = "the queue is empty";
const SHUT_DOWN: &str = "the queue was shut down";
const WOULD_DEADLOCK: &str = "a blocking queue method was called on a runtime worker thread, \
                              where blocking could deadlock the runtime; `.await` the queue \
                              (or use the `_nowait` methods) instead";

impl fmt::Display for QueueEmpty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EMPTY)
    }
}

impl<T> fmt::Display for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(FULL)
    }
}

impl<T> fmt::Display for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SHUT_DOWN)
    }
}

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called too many times")
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PutError::Full(_) => FULL,
            PutError::ShutDown(_) => SHUT_DOWN,
            PutError::WouldDeadlock(_) => WOULD_DEADLOCK,
        })
    }
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GetError::Empty => EMPTY,
            GetError::ShutDown => SHUT_DOWN,
            GetError::WouldDeadlock => WOULD_DEADLOCK,
        })
    }
}

// `Debug` without `T: Debug`, like `std::sync::mpsc::SendError`: the item
// is often not printable, and `unwrap()` should work on any `T`.
impl<T> fmt::Debug for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueFull(..)")
    }
}

impl<T> fmt::Debug for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueShutDown(..)")
    }
}

impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PutError::Full(_) => "Full(..)",
            PutError::ShutDown(_) => "ShutDown(..)",
            PutError::WouldDeadlock(_) => "WouldDeadlock(..)",
        })
    }
}

impl Error for QueueEmpty {}
impl<T> Error for QueueFull<T> {}
impl<T> Error for QueueShutDown<T> {}
impl Error for TaskDoneError {}
impl<T> Error for PutError<T> {}
impl Error for GetError {}
