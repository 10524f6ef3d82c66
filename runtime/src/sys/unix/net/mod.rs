//! Unix domain sockets: [`UnixListener`], [`UnixStream`], [`UnixDatagram`],
//! re-exported by `runtime::net`, and the halves of a split stream in
//! [`unix`] (`runtime::net::unix`).
//!
//! They mirror the TCP and UDP types (same method names, same edge cases:
//! `net/stream_io.rs`), with paths for addresses. `bind` and `pair` are
//! plain functions: nothing about them waits.

mod datagram;
mod listener;
mod split;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use stream::UnixStream;

/// Types that come with [`UnixStream`](crate::net::UnixStream): the owned
/// halves of a split stream.
pub mod unix {
    pub use super::split::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
    pub use std::os::unix::net::SocketAddr;
}
