//! `UnixListener`: accepting Unix domain stream connections.
//!
//! `bind` is std's (a path needs no lookup, and binding never waits);
//! `accept` follows the TCP listener (`net/tcp/listener.rs`): any number of
//! tasks may wait in it at once, and each accepted stream is registered
//! with the accepting worker's poller.

use super::stream::UnixStream;
use crate::reactor::Source;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{Context, Poll};

/// A Unix domain socket listening for connections (asyncio's
/// `start_unix_server` underneath).
///
/// The socket file stays behind when the listener is dropped; remove it
/// before binding the same path again.
///
/// ```
/// use runtime::net::{UnixListener, UnixStream};
///
/// # runtime::run(async {
/// let dir = std::env::temp_dir().join(format!("rt-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("listener.sock");
/// # let _ = std::fs::remove_file(&path);
/// let listener = UnixListener::bind(&path)?;
/// let client = runtime::spawn({
///     let path = path.clone();
///     async move {
///         let mut stream = UnixStream::connect(path).await?;
///         stream.write_all(b"hi").await
///     }
/// });
/// let (mut stream, _addr) = listener.accept().await?;
/// let mut buf = Vec::new();
/// stream.read_to_end(&mut buf).await?;
/// assert_eq!(buf, b"hi");
/// client.await.unwrap()?;
/// std::fs::remove_file(&path)?;
/// # std::fs::remove_dir(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct UnixListener {
    io: Source<std::os::unix::net::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` and listens.
    ///
    /// # Errors
    /// `AddrInUse` if the path exists (even a stale socket file), an error
    /// outside a runtime.
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::from_std(std::os::unix::net::UnixListener::bind(path)?)
    }

    /// Waits for a connection and returns it with the peer's address.
    ///
    /// The connection joins the event loop with the fewest registered
    /// sockets, not necessarily the accepting task's worker
    /// ([`runtime::net`](crate::net#which-loop-a-socket-joins)).
    ///
    /// # Cancel safety
    /// Dropping the future before it completes loses no connection.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = self.io.read_io(|l| l.accept()).await?;
        Ok((UnixStream::from_accepted(stream)?, addr))
    }

    /// Polls for a connection, for hand-written futures and streams (one
    /// polling task at a time).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (stream, addr) = std::task::ready!(self.io.poll_read_io(cx, |l| l.accept()))?;
        Poll::Ready(UnixStream::from_accepted(stream).map(|stream| (stream, addr)))
    }

    /// Wraps a bound std listener, making it non-blocking.
    ///
    /// # Errors
    /// Outside a runtime, or if the reactor refuses the socket.
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            io: Source::new(listener)?,
        })
    }

    /// Deregisters the listener and returns it as a blocking std listener.
    ///
    /// # Errors
    /// If switching back to blocking mode fails.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        let listener = self.io.into_inner();
        listener.set_nonblocking(false)?;
        Ok(listener)
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}
