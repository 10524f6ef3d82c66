//! The read/write plumbing shared by every stream socket and its halves
//! (`TcpStream`, `UnixStream` and their `OwnedReadHalf`/`OwnedWriteHalf`).
//!
//! Each of those types reaches a [`Source`] of a std stream; the functions
//! here run the std stream's non-blocking calls through it, and the
//! [`impl_read!`](crate::net::stream_io) / `impl_write!` macros give every
//! type the same inherent methods (`read`, `read_exact`, `read_to_end`,
//! `write`, `write_all`, `flush`) and the same `futures_io::AsyncRead` /
//! `AsyncWrite` impls, so the behaviour cannot drift between them.
//!
//! # Behaviour at the edges
//! - End of stream: `read` returns `Ok(0)` once everything the peer sent
//!   has been read (a peer that closes mid-message yields what arrived,
//!   then `Ok(0)`); `read_exact` then fails with `UnexpectedEof`.
//! - A reset peer: the next `read` or `write` fails (`ConnectionReset`,
//!   `BrokenPipe`); never a panic. (std sends TCP data with `MSG_NOSIGNAL`
//!   on Linux; a Unix stream write to a closed peer raises `SIGPIPE`, which
//!   Rust programs ignore unless they opt out, as with std's own sockets.)
//! - `poll_close` (`AsyncWrite::close`) shuts the write direction down: the
//!   peer reads EOF, and this side can still read its reply.
//! - Nothing is buffered here, so `flush` has nothing to do.

use crate::reactor::{Direction, Source};
use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::os::fd::AsFd;
use std::task::{Context, Poll};

/// Bytes `read_to_end` reserves ahead of each read when the vector is full.
const READ_TO_END_CHUNK: usize = 8 * 1024;

/// A std stream socket whose calls never block once it is non-blocking.
pub(crate) trait StdStream: AsFd {
    fn read_nb(&self, buf: &mut [u8]) -> io::Result<usize>;
    fn write_nb(&self, buf: &[u8]) -> io::Result<usize>;
    fn write_vectored_nb(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize>;
    fn shutdown(&self, how: Shutdown) -> io::Result<()>;
}

/// Implements [`StdStream`] for a std stream type by delegation.
macro_rules! std_stream {
    ($ty:ty) => {
        impl $crate::net::stream_io::StdStream for $ty {
            fn read_nb(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                std::io::Read::read(&mut &*self, buf)
            }
            fn write_nb(&self, buf: &[u8]) -> std::io::Result<usize> {
                std::io::Write::write(&mut &*self, buf)
            }
            fn write_vectored_nb(&self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
                std::io::Write::write_vectored(&mut &*self, bufs)
            }
            fn shutdown(&self, how: std::net::Shutdown) -> std::io::Result<()> {
                <$ty>::shutdown(self, how)
            }
        }
    };
}

pub(crate) use std_stream;

std_stream!(std::net::TcpStream);
// `std::os::unix::net::UnixStream`'s impl is in `sys/unix/net/stream.rs`.

pub(crate) fn poll_read<S: StdStream>(
    source: &Source<S>,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    let len = buf.len();
    source.poll_stream_io(cx, Direction::Read, len, |s| s.read_nb(buf))
}

/// Reads into uninitialised memory: `recv` writes exactly the bytes it
/// returns, so nothing needs zeroing first (for adapters that are handed
/// uninitialised buffers, as hyper's reads are).
#[cfg_attr(not(feature = "hyper"), allow(dead_code))]
pub(crate) fn poll_read_uninit<S: StdStream>(
    source: &Source<S>,
    cx: &mut Context<'_>,
    buf: &mut [std::mem::MaybeUninit<u8>],
) -> Poll<io::Result<usize>> {
    let len = buf.len();
    source.poll_stream_io(cx, Direction::Read, len, |s| {
        socket2::SockRef::from(s).recv(buf)
    })
}

pub(crate) fn poll_write<S: StdStream>(
    source: &Source<S>,
    cx: &mut Context<'_>,
    buf: &[u8],
) -> Poll<io::Result<usize>> {
    source.poll_stream_io(cx, Direction::Write, buf.len(), |s| s.write_nb(buf))
}

pub(crate) fn poll_write_vectored<S: StdStream>(
    source: &Source<S>,
    cx: &mut Context<'_>,
    bufs: &[IoSlice<'_>],
) -> Poll<io::Result<usize>> {
    let len = bufs.iter().map(|b| b.len()).sum();
    source.poll_stream_io(cx, Direction::Write, len, |s| s.write_vectored_nb(bufs))
}

pub(crate) fn poll_close<S: StdStream>(source: &Source<S>) -> Poll<io::Result<()>> {
    Poll::Ready(match source.get_ref().shutdown(Shutdown::Write) {
        // Already shut down, or the peer is gone: either way nothing more
        // will be written, which is what closing asked for.
        Err(error) if error.kind() == io::ErrorKind::NotConnected => Ok(()),
        result => result,
    })
}

pub(crate) async fn read<S: StdStream>(source: &Source<S>, buf: &mut [u8]) -> io::Result<usize> {
    poll_fn(|cx| poll_read(source, cx, buf)).await
}

pub(crate) async fn read_exact<S: StdStream>(
    source: &Source<S>,
    mut buf: &mut [u8],
) -> io::Result<()> {
    while !buf.is_empty() {
        match read(source, buf).await {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the peer closed the stream before the buffer was filled",
                ))
            }
            Ok(n) => buf = &mut buf[n..],
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

pub(crate) async fn read_to_end<S: StdStream>(
    source: &Source<S>,
    out: &mut Vec<u8>,
) -> io::Result<usize> {
    let start = out.len();
    loop {
        if out.len() == out.capacity() {
            out.reserve(READ_TO_END_CHUNK);
        }
        let filled = out.len();
        out.resize(out.capacity(), 0);
        let result = read(source, &mut out[filled..]).await;
        match result {
            Ok(0) => {
                out.truncate(filled);
                return Ok(filled - start);
            }
            Ok(n) => out.truncate(filled + n),
            Err(error) => {
                out.truncate(filled);
                if error.kind() != io::ErrorKind::Interrupted {
                    return Err(error);
                }
            }
        }
    }
}

pub(crate) async fn write<S: StdStream>(source: &Source<S>, buf: &[u8]) -> io::Result<usize> {
    poll_fn(|cx| poll_write(source, cx, buf)).await
}

pub(crate) async fn write_all<S: StdStream>(source: &Source<S>, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match write(source, buf).await {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "the stream accepted no more bytes",
                ))
            }
            Ok(n) => buf = &buf[n..],
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// Inherent read methods and `futures_io::AsyncRead` for a type whose
/// `Source` is reached by `|self_ref| expr`.
macro_rules! impl_read {
    ($ty:ty, |$this:ident| $source:expr) => {
        impl $ty {
            /// Reads some bytes into `buf`, waiting until at least one is
            /// available; returns how many, or `Ok(0)` at end of stream (or
            /// if `buf` is empty).
            ///
            /// # Cancel safety
            /// Dropping the future before it completes loses no data.
            pub async fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let $this = &*self;
                $crate::net::stream_io::read($source, buf).await
            }

            /// Reads exactly `buf.len()` bytes.
            ///
            /// # Errors
            /// `UnexpectedEof` if the stream ends first (the bytes read so
            /// far are in `buf`, but how many is not reported); any error
            /// of the underlying reads.
            pub async fn read_exact(&mut self, buf: &mut [u8]) -> std::io::Result<()> {
                let $this = &*self;
                $crate::net::stream_io::read_exact($source, buf).await
            }

            /// Reads until end of stream, appending to `out`; returns how
            /// many bytes were appended.
            pub async fn read_to_end(&mut self, out: &mut Vec<u8>) -> std::io::Result<usize> {
                let $this = &*self;
                $crate::net::stream_io::read_to_end($source, out).await
            }

            /// One read into uninitialised memory (for `runtime::hyper::Io`).
            #[allow(dead_code)]
            pub(crate) fn poll_read_uninit(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &mut [std::mem::MaybeUninit<u8>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = self;
                $crate::net::stream_io::poll_read_uninit($source, cx, buf)
            }
        }

        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = &*self;
                $crate::net::stream_io::poll_read($source, cx, buf)
            }
        }
    };
}

/// Inherent write methods and `futures_io::AsyncWrite` for a type whose
/// `Source` is reached by `|self_ref| expr`.
macro_rules! impl_write {
    ($ty:ty, |$this:ident| $source:expr) => {
        impl $ty {
            /// Writes some of `buf`, waiting until the socket can take at
            /// least one byte; returns how many bytes were written.
            ///
            /// # Cancel safety
            /// Dropping the future before it completes writes nothing.
            pub async fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                let $this = &*self;
                $crate::net::stream_io::write($source, buf).await
            }

            /// Writes all of `buf`.
            ///
            /// # Errors
            /// Any error of the underlying writes, for example
            /// `BrokenPipe` or `ConnectionReset` once the peer is gone.
            /// If the future is dropped, or fails, part of `buf` may have
            /// been written.
            pub async fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
                let $this = &*self;
                $crate::net::stream_io::write_all($source, buf).await
            }

            /// Does nothing: writes are not buffered. Present so code
            /// written for buffered writers reads the same.
            pub async fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }

        impl futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = &*self;
                $crate::net::stream_io::poll_write($source, cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = &*self;
                $crate::net::stream_io::poll_write_vectored($source, cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            /// Shuts the write direction down (the peer reads EOF).
            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $this = &*self;
                $crate::net::stream_io::poll_close($source)
            }
        }
    };
}

pub(crate) use impl_read;
pub(crate) use impl_write;

/// The parts of a stream's owned halves that do not depend on the socket
/// family: the write half's shutdown on drop, `reunite` and its error, and
/// the `Debug` impls (protocol in `net/tcp/split.rs`). `$stream` is the
/// stream type the halves share through an `Arc`; `$family` names it in
/// the error message.
macro_rules! owned_halves_common {
    ($stream:ty, $family:literal) => {
        impl Drop for OwnedWriteHalf {
            fn drop(&mut self) {
                if self.shutdown_on_drop {
                    // The peer may already be gone; nothing to report then.
                    let _ = self.stream.shutdown(std::net::Shutdown::Write);
                }
            }
        }

        fn reunite(
            read: OwnedReadHalf,
            mut write: OwnedWriteHalf,
        ) -> Result<$stream, ReuniteError> {
            if !std::sync::Arc::ptr_eq(&read.stream, &write.stream) {
                return Err(ReuniteError(read, write));
            }
            write.shutdown_on_drop = false;
            drop(write);
            Ok(std::sync::Arc::into_inner(read.stream)
                .expect("the two halves held the only references"))
        }

        $crate::net::stream_io::impl_read!(OwnedReadHalf, |this| &this.stream.io);
        $crate::net::stream_io::impl_write!(OwnedWriteHalf, |this| &this.stream.io);

        /// The halves given to `reunite` came from different streams.
        pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

        impl std::fmt::Debug for ReuniteError {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("ReuniteError(..)")
            }
        }

        impl std::fmt::Display for ReuniteError {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(
                    "tried to reunite halves of two different ",
                    $family,
                    " streams"
                ))
            }
        }

        impl std::error::Error for ReuniteError {}

        impl std::fmt::Debug for OwnedReadHalf {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple("OwnedReadHalf").field(&*self.stream).finish()
            }
        }

        impl std::fmt::Debug for OwnedWriteHalf {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple("OwnedWriteHalf")
                    .field(&*self.stream)
                    .finish()
            }
        }
    };
}

pub(crate) use owned_halves_common;

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    use std::task::Waker;

    /// A one-worker runtime and a socket pair: `sent` runs on the peer's
    /// end (a plain blocking socket) before ours is registered, so all of
    /// it reaches ours as the one edge its registration raises.
    fn pair(
        sent: impl FnOnce(&mut UnixStream),
    ) -> (crate::Runtime, Source<UnixStream>, UnixStream) {
        let rt = crate::Runtime::builder().workers(1).build().unwrap();
        let (ours, mut peer) = UnixStream::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        sent(&mut peer);
        let source = {
            let _runtime = rt.enter();
            Source::new(ours).unwrap()
        };
        (rt, source, peer)
    }

    /// Waits (bounded) until the worker has dispatched the registration's
    /// edge: from then on, only what the test does raises another.
    async fn first_edge(source: &Source<UnixStream>) {
        for _ in 0..10_000 {
            if source.events_seen() > 0 {
                break;
            }
            crate::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        assert_eq!(source.events_seen(), 1, "registration raises one edge");
    }

    fn read(
        source: &Source<UnixStream>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        source.poll_stream_io(cx, Direction::Read, buf.len(), |s| (&*s).read(buf))
    }

    /// A read shorter than its buffer emptied the socket: the next read
    /// waits for the next edge instead of asking the kernel again (the
    /// syscall that only says `WouldBlock`), and data sent later still
    /// wakes it.
    #[test]
    fn a_short_read_clears_readiness_and_new_data_still_arrives() {
        let (rt, source, mut peer) = pair(|peer| peer.write_all(b"hello").unwrap());
        rt.block_on(async {
            first_edge(&source).await;
            let mut buf = [0u8; 64];
            let n = poll_fn(|cx| read(&source, cx, &mut buf)).await.unwrap();
            assert_eq!(&buf[..n], b"hello");

            let calls = Cell::new(0);
            let mut cx = Context::from_waker(Waker::noop());
            let again = source.poll_stream_io(&mut cx, Direction::Read, buf.len(), |s| {
                calls.set(calls.get() + 1);
                (&*s).read(&mut buf)
            });
            assert!(again.is_pending());
            assert_eq!(calls.get(), 0, "a short read said the socket was empty");

            peer.write_all(b"more").unwrap();
            let n = poll_fn(|cx| read(&source, cx, &mut buf)).await.unwrap();
            assert_eq!(&buf[..n], b"more", "the next edge wakes the reader");
        });
    }

    /// The peer's data and its FIN can arrive in one edge: the short read
    /// that takes the data clears `READABLE` and no edge is left to come,
    /// so the FIN must be remembered (`EPOLLRDHUP`, `READ_CLOSED`) or the
    /// reader waits forever for the end-of-file already queued.
    #[test]
    fn a_short_read_before_the_peers_fin_still_sees_end_of_file() {
        let (rt, source, _peer) = pair(|peer| {
            peer.write_all(b"!").unwrap();
            // A half close, as a TCP peer's FIN is (a full close would also
            // raise a hang-up, which was always final).
            peer.shutdown(Shutdown::Write).unwrap();
        });
        rt.block_on(async {
            first_edge(&source).await;
            let mut buf = [0u8; 64];
            assert_eq!(poll_fn(|cx| read(&source, cx, &mut buf)).await.unwrap(), 1);
            let eof = crate::time::timeout(
                std::time::Duration::from_secs(30),
                poll_fn(|cx| read(&source, cx, &mut buf)),
            )
            .await
            .expect("the end-of-file queued with the data was never read");
            assert_eq!(eof.unwrap(), 0);
        });
    }

    /// A read that fills its buffer says nothing about what is left: the
    /// readiness stays, and the rest is read without waiting for an edge.
    #[test]
    fn a_full_read_keeps_readiness() {
        let (rt, source, _peer) = pair(|peer| peer.write_all(b"0123456789").unwrap());
        rt.block_on(async {
            first_edge(&source).await;
            let mut buf = [0u8; 4];
            let n = poll_fn(|cx| read(&source, cx, &mut buf)).await.unwrap();
            assert_eq!(&buf[..n], b"0123");
            let mut cx = Context::from_waker(Waker::noop());
            match read(&source, &mut cx, &mut buf) {
                Poll::Ready(Ok(n)) => assert_eq!(&buf[..n], b"4567"),
                other => panic!("the rest should be read at once, got {other:?}"),
            }
        });
    }
}
