//! The errors of [`StreamReader`](super::StreamReader)'s framed reads,
//! named after asyncio's.
//!
//! - [`IncompleteReadError`]: the stream ended before `readexactly(n)` had
//!   `n` bytes or before `readuntil` found its separator. It carries every
//!   byte that was read (`partial`), which are no longer in the reader.
//! - [`LimitOverrunError`]: a line or separator search went past the
//!   reader's limit. The bytes stay in the reader (`readuntil`) or are
//!   discarded as asyncio documents (`readline`); `consumed` says how many
//!   bytes the search had looked at.
//! - [`StreamError`] gathers them with I/O errors, and converts into
//!   [`io::Error`] (`UnexpectedEof` and `InvalidData`, the original error
//!   inside) so `?` works in functions returning `io::Result`.

use std::error::Error;
use std::fmt;
use std::io;

/// The stream ended before the read was complete (asyncio's
/// `IncompleteReadError`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncompleteReadError {
    /// The bytes read before the end of the stream.
    pub partial: Vec<u8>,
    /// How many bytes were asked for: `Some(n)` from `readexactly(n)`,
    /// `None` from `readuntil` (any number up to the separator).
    pub expected: Option<usize>,
}

impl fmt::Display for IncompleteReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expected {
            Some(expected) => write!(
                f,
                "the stream ended after {} of {expected} expected bytes",
                self.partial.len()
            ),
            None => write!(
                f,
                "the stream ended after {} bytes, before the separator",
                self.partial.len()
            ),
        }
    }
}

impl Error for IncompleteReadError {}

/// A line or separator search went past the reader's limit (asyncio's
/// `LimitOverrunError`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitOverrunError {
    /// How many bytes the search had consumed: the separator's offset if it
    /// was found beyond the limit, else how far the search got.
    pub consumed: usize,
    /// Whether the separator was found (beyond the limit).
    pub separator_found: bool,
    /// The reader's limit.
    pub limit: usize,
}

impl fmt::Display for LimitOverrunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.separator_found {
            write!(
                f,
                "the separator is found, but the chunk ({} bytes) is longer than the limit ({})",
                self.consumed, self.limit
            )
        } else {
            write!(
                f,
                "the separator is not found, and the chunk ({} bytes) exceeds the limit ({})",
                self.consumed, self.limit
            )
        }
    }
}

impl Error for LimitOverrunError {}

/// What a framed read of a [`StreamReader`](super::StreamReader) can fail
/// with.
#[derive(Debug)]
pub enum StreamError {
    /// The socket failed.
    Io(io::Error),
    /// The stream ended first; the partial bytes are inside.
    IncompleteRead(IncompleteReadError),
    /// The search went past the limit.
    LimitOverrun(LimitOverrunError),
}

impl StreamError {
    /// The partial bytes, if this is an [`IncompleteReadError`].
    pub fn partial(&self) -> Option<&[u8]> {
        match self {
            StreamError::IncompleteRead(error) => Some(&error.partial),
            _ => None,
        }
    }
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Io(error) => write!(f, "stream I/O failed: {error}"),
            StreamError::IncompleteRead(error) => error.fmt(f),
            StreamError::LimitOverrun(error) => error.fmt(f),
        }
    }
}

impl Error for StreamError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            StreamError::Io(error) => Some(error),
            StreamError::IncompleteRead(error) => Some(error),
            StreamError::LimitOverrun(error) => Some(error),
        }
    }
}

impl From<io::Error> for StreamError {
    fn from(error: io::Error) -> StreamError {
        StreamError::Io(error)
    }
}

impl From<IncompleteReadError> for StreamError {
    fn from(error: IncompleteReadError) -> StreamError {
        StreamError::IncompleteRead(error)
    }
}

impl From<LimitOverrunError> for StreamError {
    fn from(error: LimitOverrunError) -> StreamError {
        StreamError::LimitOverrun(error)
    }
}

/// `Io` unwraps; `IncompleteRead` becomes `UnexpectedEof` and
/// `LimitOverrun` becomes `InvalidData`, each with the original error
/// inside (`io::Error::get_ref` / `into_inner` and `downcast` give it
/// back, partial bytes included).
impl From<StreamError> for io::Error {
    fn from(error: StreamError) -> io::Error {
        match error {
            StreamError::Io(error) => error,
            StreamError::IncompleteRead(error) => {
                io::Error::new(io::ErrorKind::UnexpectedEof, error)
            }
            StreamError::LimitOverrun(error) => io::Error::new(io::ErrorKind::InvalidData, error),
        }
    }
}
