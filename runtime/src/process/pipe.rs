//! A child's stdin/stdout/stderr as non-blocking pipes on the reactor.

use crate::reactor::Source;
use std::fmt;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::pin::Pin;
use std::task::{Context, Poll};

/// A non-blocking pipe end registered with the reactor (a `Source`, which
/// deregisters it before the fd closes).
struct Pipe(Source<std::fs::File>);

impl Pipe {
    fn new(fd: OwnedFd) -> io::Result<Pipe> {
        crate::sys::set_nonblocking(fd.as_fd())?;
        Source::new(std::fs::File::from(fd)).map(Pipe)
    }

    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.0.poll_read_io(cx, |mut file| file.read(buf))
    }

    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.0.poll_write_io(cx, |mut file| file.write(buf))
    }
}

macro_rules! reader {
    ($(#[$doc:meta])* $name:ident, $std:ty) => {
        $(#[$doc])*
        pub struct $name(Pipe);

        impl $name {
            pub(crate) fn from_std(std: $std) -> io::Result<$name> {
                Pipe::new(OwnedFd::from(std)).map($name)
            }

            /// Reads up to `buf.len()` bytes; `Ok(0)` once the child closed
            /// its end.
            pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                std::future::poll_fn(|cx| self.0.poll_read(cx, buf)).await
            }

            /// Reads until the child closes its end, appending to `buf`.
            pub async fn read_to_end(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
                let start = buf.len();
                let mut chunk = [0u8; 8192];
                loop {
                    match self.read(&mut chunk).await? {
                        0 => return Ok(buf.len() - start),
                        n => buf.extend_from_slice(&chunk[..n]),
                    }
                }
            }

            /// Reads until the child closes its end, as UTF-8.
            pub async fn read_to_string(&mut self, buf: &mut String) -> io::Result<usize> {
                let mut bytes = Vec::new();
                self.read_to_end(&mut bytes).await?;
                let text = String::from_utf8(bytes)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                buf.push_str(&text);
                Ok(text.len())
            }
        }

        impl futures_io::AsyncRead for $name {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.0.poll_read(cx, buf)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

reader!(
    /// The child's standard output, readable without blocking a worker.
    ChildStdout,
    std::process::ChildStdout
);
reader!(
    /// The child's standard error, readable without blocking a worker.
    ChildStderr,
    std::process::ChildStderr
);

/// The child's standard input, writable without blocking a worker. Drop it
/// (or call [`close`](ChildStdin::close)) to send end-of-file.
pub struct ChildStdin(Pipe);

impl ChildStdin {
    pub(crate) fn from_std(std: std::process::ChildStdin) -> io::Result<ChildStdin> {
        Pipe::new(OwnedFd::from(std)).map(ChildStdin)
    }

    /// Writes some of `buf`; returns how much.
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.0.poll_write(cx, buf)).await
    }

    /// Writes all of `buf` (`BrokenPipe` if the child closed its end).
    pub async fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    /// Closes the pipe: the child reads end-of-file.
    pub fn close(self) {}
}

impl futures_io::AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Pipes have no user-space buffer.
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl fmt::Debug for ChildStdin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildStdin").finish_non_exhaustive()
    }
}
