//! [`TaskGroupError`]: every failure of a [`TaskGroup`](crate::TaskGroup),
//! first one first (asyncio's `ExceptionGroup` raised by a `TaskGroup`).
//!
//! # Invariant
//! A `TaskGroupError` holds at least one [`TaskFailure`], in the order the
//! failures were recorded: the first is the one that made the group cancel
//! the other members; the rest happened while they were being cancelled.

use std::any::Any;
use std::error::Error;
use std::fmt;

/// How one member of a [`TaskGroup`](crate::TaskGroup) failed.
///
/// ```
/// # runtime::run(async {
/// use runtime::{TaskFailure, TaskGroup};
/// let group = TaskGroup::<u32>::new();
/// group.spawn(async { Err::<(), _>(7) }).unwrap();
/// match group.join().await.unwrap_err().into_first() {
///     TaskFailure::Error(code) => assert_eq!(code, 7),
///     TaskFailure::Panicked(payload) => std::panic::resume_unwind(payload),
/// }
/// # });
/// ```
pub enum TaskFailure<E> {
    /// The member returned `Err`.
    Error(E),
    /// The member panicked; the payload is what `panic!` was given (pass it
    /// to [`std::panic::resume_unwind`] to propagate the panic).
    Panicked(Box<dyn Any + Send + 'static>),
}

impl<E> TaskFailure<E> {
    /// True if the member panicked.
    ///
    /// ```
    /// let failure = runtime::TaskFailure::Error("disk full");
    /// assert!(!failure.is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self, TaskFailure::Panicked(_))
    }

    /// The error, if the member returned one (rather than panicking).
    ///
    /// ```
    /// let failure = runtime::TaskFailure::Error("disk full");
    /// assert_eq!(failure.into_error(), Some("disk full"));
    /// ```
    pub fn into_error(self) -> Option<E> {
        match self {
            TaskFailure::Error(error) => Some(error),
            TaskFailure::Panicked(_) => None,
        }
    }

    /// The panic message, when the member panicked with a string (as
    /// `panic!` makes).
    ///
    /// ```
    /// let failure = runtime::TaskFailure::<()>::Panicked(Box::new("boom"));
    /// assert_eq!(failure.panic_message(), Some("boom"));
    /// ```
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            TaskFailure::Panicked(payload) => payload
                .downcast_ref::<&'static str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str)),
            TaskFailure::Error(_) => None,
        }
    }
}

impl<E: fmt::Display> fmt::Display for TaskFailure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskFailure::Error(error) => error.fmt(f),
            TaskFailure::Panicked(_) => match self.panic_message() {
                Some(message) => write!(f, "task panicked: {message}"),
                None => f.write_str("task panicked"),
            },
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for TaskFailure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskFailure::Error(error) => f.debug_tuple("Error").field(error).finish(),
            TaskFailure::Panicked(_) => match self.panic_message() {
                Some(message) => f.debug_tuple("Panicked").field(&message).finish(),
                None => f.write_str("Panicked(..)"),
            },
        }
    }
}

/// The failures of a [`TaskGroup`](crate::TaskGroup)'s members, returned by
/// [`TaskGroup::join`](crate::TaskGroup::join) (asyncio's
/// `ExceptionGroup`/`BaseExceptionGroup`).
///
/// [`first`](TaskGroupError::first) is the failure that cancelled the
/// group; [`failures`](TaskGroupError::failures) lists all of them in the
/// order they happened. `Display` shows the count, the first failure and
/// the others; [`Error::source`] is the first failure's error.
///
/// ```
/// # runtime::run(async {
/// let group = runtime::TaskGroup::new();
/// group.spawn(async { Err::<(), _>("no route to host") }).unwrap();
/// let error = group.join().await.unwrap_err();
/// assert_eq!(error.len(), 1);
/// assert_eq!(error.to_string(), "a task of the group failed: no route to host");
/// # });
/// ```
pub struct TaskGroupError<E> {
    /// The module's invariant: never empty.
    failures: Vec<TaskFailure<E>>,
}

impl<E> TaskGroupError<E> {
    pub(crate) fn new(failures: Vec<TaskFailure<E>>) -> TaskGroupError<E> {
        assert!(!failures.is_empty(), "a TaskGroupError needs a failure");
        TaskGroupError { failures }
    }

    /// The failure that made the group cancel its other members.
    ///
    /// ```
    /// # runtime::run(async {
    /// let group = runtime::TaskGroup::new();
    /// group.spawn(async { Err::<(), _>(404) }).unwrap();
    /// let error = group.join().await.unwrap_err();
    /// assert!(matches!(error.first(), runtime::TaskFailure::Error(404)));
    /// # });
    /// ```
    pub fn first(&self) -> &TaskFailure<E> {
        &self.failures[0]
    }

    /// Every failure, in the order they happened (never empty).
    ///
    /// ```
    /// # runtime::run(async {
    /// let group = runtime::TaskGroup::new();
    /// group.spawn(async { Err::<(), _>(1) }).unwrap();
    /// let error = group.join().await.unwrap_err();
    /// assert_eq!(error.failures().len(), 1);
    /// # });
    /// ```
    pub fn failures(&self) -> &[TaskFailure<E>] {
        &self.failures
    }

    /// The number of failures (at least one).
    ///
    /// ```
    /// # runtime::run(async {
    /// let group = runtime::TaskGroup::new();
    /// group.spawn(async { Err::<(), _>(1) }).unwrap();
    /// assert_eq!(group.join().await.unwrap_err().len(), 1);
    /// # });
    /// ```
    #[allow(clippy::len_without_is_empty)] // never empty
    pub fn len(&self) -> usize {
        self.failures.len()
    }

    /// The first failure, by value.
    ///
    /// ```
    /// # runtime::run(async {
    /// let group = runtime::TaskGroup::new();
    /// group.spawn(async { Err::<(), _>("boom") }).unwrap();
    /// let first = group.join().await.unwrap_err().into_first();
    /// assert_eq!(first.into_error(), Some("boom"));
    /// # });
    /// ```
    pub fn into_first(self) -> TaskFailure<E> {
        self.failures
            .into_iter()
            .next()
            .expect("a TaskGroupError is never empty")
    }

    /// Every failure, by value, in the order they happened.
    ///
    /// ```
    /// # runtime::run(async {
    /// let group = runtime::TaskGroup::new();
    /// group.spawn(async { Err::<(), _>("boom") }).unwrap();
    /// let failures = group.join().await.unwrap_err().into_failures();
    /// assert_eq!(failures.len(), 1);
    /// # });
    /// ```
    pub fn into_failures(self) -> Vec<TaskFailure<E>> {
        self.failures
    }
}

impl<E: fmt::Display> fmt::Display for TaskGroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (first, others) = self.failures.split_first().expect("never empty");
        if others.is_empty() {
            return write!(f, "a task of the group failed: {first}");
        }
        write!(
            f,
            "{} tasks of the group failed; first: {first}; then: ",
            self.failures.len()
        )?;
        for (index, failure) in others.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{failure}")?;
        }
        Ok(())
    }
}

impl<E: fmt::Debug> fmt::Debug for TaskGroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroupError")
            .field("failures", &self.failures)
            .finish()
    }
}

impl<E: Error + 'static> Error for TaskGroupError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self.first() {
            TaskFailure::Error(error) => Some(error),
            TaskFailure::Panicked(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_first_failure_then_the_others() {
        let error = TaskGroupError::new(vec![
            TaskFailure::Error("disk full"),
            TaskFailure::Panicked(Box::new("boom")),
            TaskFailure::Error("timeout"),
        ]);
        assert_eq!(
            error.to_string(),
            "3 tasks of the group failed; first: disk full; then: task panicked: boom; timeout"
        );
        assert_eq!(
            format!("{error:?}"),
            r#"TaskGroupError { failures: [Error("disk full"), Panicked("boom"), Error("timeout")] }"#
        );
        assert!(matches!(
            error.into_first(),
            TaskFailure::Error("disk full")
        ));
    }

    #[test]
    fn the_source_is_the_first_error() {
        let io = std::io::Error::other("unplugged");
        let error = TaskGroupError::new(vec![TaskFailure::Error(io)]);
        assert_eq!(error.source().unwrap().to_string(), "unplugged");
        let panicked = TaskGroupError::<std::io::Error>::new(vec![TaskFailure::Panicked(
            Box::new(String::from("boom")),
        )]);
        assert!(panicked.source().is_none());
    }
}
