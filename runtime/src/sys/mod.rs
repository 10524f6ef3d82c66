//! Platform code: the only place with `#[cfg(unix)]` and friends.
//!
//! The rest of the crate reaches the platform through these names:
//! - [`connect_in_progress`]: whether a non-blocking `connect` error means
//!   "started, wait until writable".
//! - [`unix_net`]: Unix domain sockets, which `runtime::net` re-exports;
//!   empty on platforms without them.

#[cfg(unix)]
mod unix;

#[cfg(unix)]
pub(crate) use unix::connect_in_progress;

/// Unix domain sockets (empty where there are none).
pub(crate) mod unix_net {
    #[cfg(unix)]
    pub use super::unix::net::*;
}
