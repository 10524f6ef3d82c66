//! Platform code: the only place with `#[cfg(unix)]` and `libc` calls.
//!
//! Signals and child processes are Unix concepts here; the rest of the
//! crate calls these small, documented wrappers.

#[cfg(unix)]
mod unix;

#[cfg(unix)]
pub(crate) use unix::*;
