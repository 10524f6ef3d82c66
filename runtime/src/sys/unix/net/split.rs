//! The owned halves of a split `UnixStream`: the same design as TCP's
//! (`net/tcp/split.rs`).
//!
//! Both halves share the stream through an `Arc`. They can be used from
//! two tasks at once because they wait on different directions, and the
//! reactor keeps one waiting task per direction (`reactor/scheduled_io.rs`,
//! "Waiters").
//!
//! # Drop and reunite
//! 1. Dropping the write half shuts the write direction down (the peer
//!    reads EOF), as closing a writer does in asyncio; the connection
//!    itself closes when both halves are gone.
//! 2. `reunite` checks that the halves come from the same stream, disarms
//!    the write half's shutdown, drops it, and unwraps the `Arc`, which is
//!    then unique.

use super::stream::UnixStream;
use std::io;
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;
use std::sync::Arc;

/// The read half of a [`UnixStream`], from [`UnixStream::split`].
///
/// Has the stream's read methods and implements
/// [`futures_io::AsyncRead`].
pub struct OwnedReadHalf {
    stream: Arc<UnixStream>,
}

/// The write half of a [`UnixStream`], from [`UnixStream::split`].
///
/// Has the stream's write methods and implements
/// [`futures_io::AsyncWrite`]. Dropping it shuts the write direction down.
pub struct OwnedWriteHalf {
    stream: Arc<UnixStream>,
    shutdown_on_drop: bool,
}

pub(super) fn split(stream: UnixStream) -> (OwnedReadHalf, OwnedWriteHalf) {
    let stream = Arc::new(stream);
    (
        OwnedReadHalf {
            stream: stream.clone(),
        },
        OwnedWriteHalf {
            stream,
            shutdown_on_drop: true,
        },
    )
}

impl OwnedReadHalf {
    /// Puts the halves back together into the stream they came from.
    ///
    /// # Errors
    /// If they come from different streams; the error gives both back.
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<UnixStream, ReuniteError> {
        reunite(self, other)
    }

    /// The remote address of the connection.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// The local address of the connection.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }
}

impl OwnedWriteHalf {
    /// Puts the halves back together (see [`OwnedReadHalf::reunite`]).
    ///
    /// # Errors
    /// If they come from different streams.
    pub fn reunite(self, other: OwnedReadHalf) -> Result<UnixStream, ReuniteError> {
        reunite(other, self)
    }

    /// Shuts the write direction down now (the peer reads EOF).
    pub fn shutdown(&self) -> io::Result<()> {
        self.stream.shutdown(Shutdown::Write)
    }

    /// The remote address of the connection.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// The local address of the connection.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }
}

crate::net::stream_io::owned_halves_common!(UnixStream, "Unix");
