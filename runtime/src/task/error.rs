//! Why a task produced no output.

use std::any::Any;
use std::fmt;

/// The error a [`Task`](crate::Task) resolves to when its future did not
/// run to completion: asyncio's `CancelledError`, or the exception a task
/// raised.
#[non_exhaustive]
pub enum TaskError {
    /// The task was cancelled (by [`Task::cancel`](crate::Task::cancel), or
    /// because its runtime shut down) before it finished; its future was
    /// dropped.
    Cancelled,
    /// The task panicked; the payload is what `panic!` was given. The
    /// worker that polled it carries on.
    Panicked(PanicPayload),
    /// [`Task::join_blocking`](crate::Task::join_blocking) was called on a
    /// runtime worker thread, where blocking could deadlock the runtime.
    /// The task itself keeps running, detached.
    WouldDeadlock,
}

impl TaskError {
    pub(crate) fn panicked(payload: Box<dyn Any + Send + 'static>) -> TaskError {
        TaskError::Panicked(PanicPayload::new(payload))
    }

    /// True if the task was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, TaskError::Cancelled)
    }

    /// True if the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, TaskError::Panicked(_))
    }

    /// The panic payload, or `Err(self)` if the task did not panic. Pass it
    /// to [`std::panic::resume_unwind`] to propagate the panic.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, TaskError> {
        match self {
            TaskError::Panicked(payload) => Ok(payload.into_inner()),
            other => Err(other),
        }
    }

    /// The panic message, when the payload is a string (as `panic!` makes).
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            TaskError::Panicked(payload) => payload.message(),
            _ => None,
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Cancelled => f.write_str("task was cancelled"),
            TaskError::Panicked(_) => match self.panic_message() {
                Some(message) => write!(f, "task panicked: {message}"),
                None => f.write_str("task panicked"),
            },
            TaskError::WouldDeadlock => f.write_str(
                "join_blocking() was called on a runtime worker thread, where blocking could \
                 deadlock the runtime; `.await` the task instead",
            ),
        }
    }
}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Cancelled => f.write_str("Cancelled"),
            TaskError::Panicked(_) => match self.panic_message() {
                Some(message) => f.debug_tuple("Panicked").field(&message).finish(),
                None => f.write_str("Panicked(..)"),
            },
            TaskError::WouldDeadlock => f.write_str("WouldDeadlock"),
        }
    }
}

impl std::error::Error for TaskError {}

/// What a panicking task's `panic!` was given, as the runtime caught it.
///
/// `Send + Sync`, so [`TaskError`] is too (and `?` turns it into a
/// `Box<dyn Error + Send + Sync>`): the payload itself (a `dyn Any + Send`,
/// not necessarily `Sync`) is reachable only by value, through
/// [`into_inner`](Self::into_inner) or [`resume`](Self::resume); `&self`
/// gives the message, copied out when the panic was caught.
///
/// ```
/// let rt = runtime::Runtime::new().unwrap();
/// let error = rt.block_on(rt.spawn(async { panic!("boom") })).unwrap_err();
/// let runtime::TaskError::Panicked(payload) = error else { unreachable!() };
/// assert_eq!(payload.message(), Some("boom"));
/// let inner: Box<dyn std::any::Any + Send> = payload.into_inner();
/// assert_eq!(inner.downcast_ref::<&str>(), Some(&"boom"));
/// ```
pub struct PanicPayload(Box<Caught>);

/// Boxed, so a `TaskError` stays two words wide (it sits in every
/// finished task's output slot) and only a panic pays for the allocation.
struct Caught {
    payload: Box<dyn Any + Send + 'static>,
    /// The payload as text, when it is a `&str` or a `String` (what
    /// `panic!` makes).
    message: Option<String>,
}

impl PanicPayload {
    /// Wraps a payload (as `std::panic::catch_unwind` returns it).
    pub fn new(payload: Box<dyn Any + Send + 'static>) -> PanicPayload {
        let message = payload
            .downcast_ref::<&'static str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned());
        PanicPayload(Box::new(Caught { payload, message }))
    }

    /// The panic message, when the payload is a string.
    pub fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }

    /// The payload, to downcast or to hand to
    /// [`std::panic::resume_unwind`].
    pub fn into_inner(self) -> Box<dyn Any + Send + 'static> {
        self.0.payload
    }

    /// Resumes the panic on this thread.
    pub fn resume(self) -> ! {
        std::panic::resume_unwind(self.0.payload)
    }
}

impl From<Box<dyn Any + Send + 'static>> for PanicPayload {
    fn from(payload: Box<dyn Any + Send + 'static>) -> PanicPayload {
        PanicPayload::new(payload)
    }
}

// SAFETY: no `&self` method reaches `Caught::payload` (only `message`, an
// owned `String`); the payload leaves only by value (`into_inner`, `resume`),
// which needs the `PanicPayload` itself, never a shared reference. So a
// `&PanicPayload` on many threads never becomes a `&dyn Any` on many
// threads, and `Sync` holds whatever the payload's type.
unsafe impl Sync for PanicPayload {}

impl fmt::Debug for PanicPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.message() {
            Some(message) => f.debug_tuple("PanicPayload").field(&message).finish(),
            None => f.write_str("PanicPayload(..)"),
        }
    }
}
