//! tokio's I/O traits on `runtime`'s streams (cargo feature `tokio-io`).
//!
//! `tokio::io::AsyncRead` / `AsyncWrite` are implemented directly on
//! [`net::TcpStream`](crate::net::TcpStream) and its owned halves,
//! [`net::UnixStream`](crate::net::UnixStream) and its owned halves, the
//! process pipes and [`io::Async<T>`](crate::io::Async), so crates written
//! against tokio's traits (tokio-postgres, tokio-util codecs,
//! tokio-rustls) take `runtime` sockets as they are. Each impl forwards to
//! the type's futures-io impl, so the two families cannot disagree.
//!
//! Only the traits come from tokio (no tokio runtime, reactor or timer is
//! linked in). A crate that calls tokio's reactor or timers itself
//! (`tokio::net`, `tokio::time::sleep`, `tokio::spawn`) still needs a
//! tokio runtime: see docs/ecosystem.md for the route that works.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A tokio read through futures-io's: the unfilled part of `buf` is
/// initialised (tokio tracks which bytes are, so a reused buffer is zeroed
/// once) and handed to `poll_read`.
fn poll_read_via_futures<R: futures_io::AsyncRead + ?Sized>(
    reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    buf: &mut tokio::io::ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    let n = ready!(reader.poll_read(cx, buf.initialize_unfilled()))?;
    buf.advance(n);
    Poll::Ready(Ok(()))
}

/// `tokio::io::AsyncRead` for `$ty` (with the generics in braces, if
/// any), through its futures-io impl.
macro_rules! tokio_read {
    ($({$($generics:tt)*})? $ty:ty) => {
        impl<$($($generics)*)?> tokio::io::AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                poll_read_via_futures(self, cx, buf)
            }
        }
    };
}

/// `tokio::io::AsyncWrite` for `$ty`, through its futures-io impl
/// (`poll_shutdown` is `poll_close`: for sockets, a write shutdown).
macro_rules! tokio_write {
    ($({$($generics:tt)*})? $ty:ty) => {
        impl<$($($generics)*)?> tokio::io::AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                futures_io::AsyncWrite::poll_write(self, cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                futures_io::AsyncWrite::poll_write_vectored(self, cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                futures_io::AsyncWrite::poll_flush(self, cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                futures_io::AsyncWrite::poll_close(self, cx)
            }
        }
    };
}

tokio_read!(crate::net::TcpStream);
tokio_read!(crate::net::tcp::OwnedReadHalf);
tokio_read!(crate::net::UnixStream);
tokio_read!(crate::net::unix::OwnedReadHalf);
tokio_read!(crate::process::ChildStdout);
tokio_read!(crate::process::ChildStderr);
tokio_read!({T: std::os::fd::AsFd + io::Read + Unpin} crate::io::Async<T>);

tokio_write!(crate::net::TcpStream);
tokio_write!(crate::net::tcp::OwnedWriteHalf);
tokio_write!(crate::net::UnixStream);
tokio_write!(crate::net::unix::OwnedWriteHalf);
tokio_write!(crate::process::ChildStdin);
tokio_write!({T: std::os::fd::AsFd + io::Write + Unpin} crate::io::Async<T>);
