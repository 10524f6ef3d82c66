//! The platform layer: system calls and Unix domain sockets.
//!
//! The crate targets **Linux** only (`lib.rs` stops any other build with
//! one `compile_error!`): each event loop's sockets live in an epoll set
//! (`unix/epoll.rs`), children are watched through pidfds, signals use
//! Linux's numbers. System calls are made here; elsewhere the crate uses
//! `std::os::fd` types and `libc`'s signal numbers directly, which are
//! as Linux-specific as this module.
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
