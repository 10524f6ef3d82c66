//! Any file descriptor on the event loop: [`Async<T>`].
//!
//! `runtime::net` covers sockets; `Async` covers everything else the
//! kernel can watch with epoll: a serial port or a pty, a pipe, an
//! `eventfd`, an inotify fd, a device node, a socket from another crate.
//! It is async-io's `Async<T>` (and tokio's `AsyncFd`) for this runtime.
//!
//! ```
//! use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
//! use runtime::io::Async;
//! use std::os::unix::net::UnixStream;
//!
//! # runtime::run(async {
//! // A std socket pair stands in for any pollable fd.
//! let (a, b) = UnixStream::pair()?;
//! let (mut a, mut b) = (Async::new(a)?, Async::new(b)?);
//! a.write_all(b"ping").await?;
//! let mut buf = [0; 4];
//! b.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"ping");
//! # Ok::<(), std::io::Error>(())
//! # }).unwrap();
//! ```
//!
//! # Which fds
//! Anything epoll accepts. Regular files and directories are not: they
//! are always "ready" and their reads block on the disk regardless, so
//! `Async::new` refuses them with an error saying so; use
//! [`runtime::fs`](crate::fs) or [`to_thread`](crate::to_thread) for files.

use crate::reactor::{Direction, Source};
use std::fmt;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

/// An I/O object on the event loop: `T`'s fd in non-blocking mode,
/// registered with the reactor for as long as the `Async` lives.
///
/// Operations run `T`'s own (non-blocking) calls, retrying when the fd
/// becomes ready after a `WouldBlock`:
/// - [`read_with`](Self::read_with) / [`write_with`](Self::write_with) for
///   any call on `&T` (and `_mut` variants on `&mut T`);
/// - [`readable`](Self::readable) / [`writable`](Self::writable) to wait
///   for readiness alone;
/// - futures-io [`AsyncRead`](futures_io::AsyncRead) /
///   [`AsyncWrite`](futures_io::AsyncWrite) when `T: Read` / `Write` (and
///   on `&Async<T>` when `&T` is, as for sockets).
///
/// The fd joins the calling worker's loop (off the workers: the least
/// loaded one); dropping the `Async` deregisters it and then drops `T`.
pub struct Async<T: AsFd> {
    source: Source<T>,
}

impl<T: AsFd> Async<T> {
    /// Puts `io`'s fd in non-blocking mode and registers it with the
    /// current runtime's reactor.
    ///
    /// # Errors
    /// - The fd cannot be watched by epoll (a regular file or a
    ///   directory): an error of kind `PermissionDenied` saying so.
    /// - Any other error of `fcntl` or `epoll_ctl`, as the OS gave it.
    /// - Not inside a runtime, or the runtime is shutting down.
    ///
    /// On error `io` is dropped (and its fd closed).
    pub fn new(io: T) -> io::Result<Async<T>> {
        crate::sys::set_nonblocking(io.as_fd())?;
        match Source::new(io) {
            Ok(source) => Ok(Async { source }),
            Err(error) if error.raw_os_error() == Some(libc::EPERM) => Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "Async::new: this file descriptor cannot be watched by epoll ({error}); \
                         regular files and directories are always ready and block on the \
                         disk: use runtime::fs or runtime::to_thread for them"
                ),
            )),
            Err(error) => Err(error),
        }
    }

    /// The inner object.
    pub fn get_ref(&self) -> &T {
        self.source.get_ref()
    }

    /// The inner object, mutably. Do not replace it (`mem::swap` or
    /// similar) with another: the registration would go on watching the
    /// old fd.
    pub fn get_mut(&mut self) -> &mut T {
        self.source.get_mut()
    }

    /// Deregisters the fd and returns the object, still in non-blocking
    /// mode.
    pub fn into_inner(self) -> T {
        self.source.into_inner()
    }

    /// Waits until the fd may be readable. Readiness is not consumed: the
    /// next read that says `WouldBlock` (through [`read_with`](Self::read_with))
    /// clears it.
    ///
    /// # Errors
    /// The runtime shut down.
    pub async fn readable(&self) -> io::Result<()> {
        self.source.ready(Direction::Read).await
    }

    /// Waits until the fd may be writable; see [`readable`](Self::readable).
    ///
    /// # Errors
    /// The runtime shut down.
    pub async fn writable(&self) -> io::Result<()> {
        self.source.ready(Direction::Write).await
    }

    /// Polls for read readiness (one waiting task per `Async`, as for
    /// `poll_read`). Readiness is not consumed.
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.source.poll_ready(cx, Direction::Read)
    }

    /// Polls for write readiness; see [`poll_readable`](Self::poll_readable).
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.source.poll_ready(cx, Direction::Write)
    }

    /// Runs `op` until it does not fail with `WouldBlock`, waiting for
    /// read readiness in between: for any read-side call of `T`.
    ///
    /// ```
    /// use runtime::io::Async;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// # runtime::run(async {
    /// let (a, mut b) = UnixStream::pair()?;
    /// let a = Async::new(a)?;
    /// b.write_all(b"hi")?;
    /// let mut buf = [0; 2];
    /// let n = a.read_with(|s| (&*s).read(&mut buf)).await?;
    /// assert_eq!(&buf[..n], b"hi");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    /// What `op` returns other than `WouldBlock`; or the runtime shut
    /// down.
    pub async fn read_with<R>(&self, op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        self.source.io(Direction::Read, op).await
    }

    /// [`read_with`](Self::read_with) for calls that need `&mut T`.
    ///
    /// # Errors
    /// As [`read_with`](Self::read_with).
    pub async fn read_with_mut<R>(
        &mut self,
        op: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.source.io_mut(Direction::Read, op).await
    }

    /// Runs `op` until it does not fail with `WouldBlock`, waiting for
    /// write readiness in between: for any write-side call of `T`.
    ///
    /// # Errors
    /// What `op` returns other than `WouldBlock`; or the runtime shut
    /// down.
    pub async fn write_with<R>(&self, op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        self.source.io(Direction::Write, op).await
    }

    /// [`write_with`](Self::write_with) for calls that need `&mut T`.
    ///
    /// # Errors
    /// As [`write_with`](Self::write_with).
    pub async fn write_with_mut<R>(
        &mut self,
        op: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.source.io_mut(Direction::Write, op).await
    }
}

impl<T: AsFd> AsFd for Async<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<T: AsFd> AsRawFd for Async<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.as_fd().as_raw_fd()
    }
}

impl<T: AsFd + fmt::Debug> fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Async").field(self.get_ref()).finish()
    }
}

impl<T: AsFd + Read + Unpin> futures_io::AsyncRead for Async<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .source
            .poll_io_mut(cx, Direction::Read, |io| io.read(buf))
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .source
            .poll_io_mut(cx, Direction::Read, |io| io.read_vectored(bufs))
    }
}

impl<T: AsFd + Write + Unpin> futures_io::AsyncWrite for Async<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .source
            .poll_io_mut(cx, Direction::Write, |io| io.write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .source
            .poll_io_mut(cx, Direction::Write, |io| io.write_vectored(bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut()
            .source
            .poll_io_mut(cx, Direction::Write, |io| io.flush())
    }

    /// Flushes; the fd itself is closed when the `Async` is dropped.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl<T: AsFd> futures_io::AsyncRead for &Async<T>
where
    for<'a> &'a T: Read,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.source.poll_read_io(cx, |mut io: &T| io.read(buf))
    }
}

impl<T: AsFd> futures_io::AsyncWrite for &Async<T>
where
    for<'a> &'a T: Write,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.source.poll_write_io(cx, |mut io: &T| io.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.source.poll_write_io(cx, |mut io: &T| io.flush())
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}
