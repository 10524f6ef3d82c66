//! The owned halves of a split `TcpStream`.
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

use super::TcpStream;
use crate::net::stream_io::StdStream;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};

/// The read half of a [`TcpStream`], from [`TcpStream::split`].
///
/// Has the stream's read methods and implements
/// [`futures_io::AsyncRead`].
pub struct OwnedReadHalf {
    stream: Arc<TcpStream>,
}

/// The write half of a [`TcpStream`], from [`TcpStream::split`].
///
/// Has the stream's write methods and implements
/// [`futures_io::AsyncWrite`]. Dropping it shuts the write direction down.
pub struct OwnedWriteHalf {
    stream: Arc<TcpStream>,
    shutdown_on_drop: bool,
}

pub(super) fn split(stream: TcpStream) -> (OwnedReadHalf, OwnedWriteHalf) {
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
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        reunite(self, other)
    }

    /// Reads without consuming (see [`TcpStream::peek`]).
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.peek(buf).await
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
    pub fn reunite(self, other: OwnedReadHalf) -> Result<TcpStream, ReuniteError> {
        reunite(other, self)
    }

    /// Shuts the write direction down now (the peer reads EOF).
    pub fn shutdown(&self) -> io::Result<()> {
        self.stream.shutdown(Shutdown::Write)
    }

    /// Shuts both directions down (`streams::StreamWriter::close`): the
    /// peer reads EOF and a read pending on the other half returns EOF.
    pub(crate) fn shutdown_both(&self) -> io::Result<()> {
        self.stream.shutdown(Shutdown::Both)
    }

    /// One non-blocking write through a shared reference, without
    /// registering for readiness: `WouldBlock` when the socket is full.
    /// (The readiness word is left as it is; the next `poll_write_ref`
    /// retries the write and registers then.)
    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.stream.io.get_ref().write_nb(buf)
    }

    /// `poll_write` through a shared reference, for a writer whose buffer
    /// is flushed by another task (`streams/writer.rs`).
    pub(crate) fn poll_write_ref(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        crate::net::stream_io::poll_write(&self.stream.io, cx, buf)
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

crate::net::stream_io::owned_halves_common!(TcpStream, "TCP");
