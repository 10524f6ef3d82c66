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
    Panicked(Box<dyn Any + Send + 'static>),
    /// [`Task::join_blocking`](crate::Task::join_blocking) was called on a
    /// runtime worker thread, where blocking could deadlock the runtime.
    /// The task itself keeps running, detached.
    WouldDeadlock,
}

impl TaskError {
    pub(crate) fn panicked(payload: Box<dyn Any + Send + 'static>) -> TaskError {
        TaskError::Panicked(payload)
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
            TaskError::Panicked(payload) => Ok(payload),
            other => Err(other),
        }
    }

    /// The panic message, when the payload is a string (as `panic!` makes).
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            TaskError::Panicked(payload) => payload
                .downcast_ref::<&'static str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str)),
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
