//! Platform code: the only place with `#[cfg(unix)]` and `libc` calls.
//!
//! The rest of the crate reaches the platform through these names:
//! - [`connect_in_progress`]: whether a non-blocking `connect` error means
//!   "started, wait until writable".
//! - [`unix_net`]: Unix domain sockets, which `runtime::net` re-exports;
//!   empty on platforms without them.
//! - pipes, pidfds, signal handlers (`unix/os.rs`) for `process` and
//!   `signal`, which are Unix concepts here.

#[cfg(unix)]
mod unix;

#[cfg(unix)]
pub(crate) use unix::*;

/// Unix domain sockets (empty where there are none).
pub(crate) mod unix_net {
    #[cfg(unix)]
    pub use super::unix::net::*;
}
