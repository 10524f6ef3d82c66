//! `UnixStream`: one Unix domain stream connection.
//!
//! # Connecting (`connect`)
//! The TCP protocol (`net/tcp/stream.rs`): a non-blocking socket, `connect`
//! (which on Linux completes at once for a Unix socket, or fails with
//! `WouldBlock` when the listener's backlog is full), registration, then
//! a wait for writability and a check of `SO_ERROR`.

use super::split::{self, OwnedReadHalf, OwnedWriteHalf};
use crate::net::stream_io::{impl_read, impl_write, std_stream};
use crate::reactor::Source;
use socket2::{Domain, SockAddr, Socket, Type};
use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;

std_stream!(std::os::unix::net::UnixStream);

/// A Unix domain stream connection (asyncio's `open_unix_connection`
/// underneath).
///
/// It has the same read and write methods as
/// [`TcpStream`](crate::net::TcpStream) and implements
/// [`futures_io::AsyncRead`] / [`futures_io::AsyncWrite`].
///
/// ```
/// use runtime::net::UnixStream;
///
/// # runtime::run(async {
/// let (mut a, mut b) = UnixStream::pair()?;
/// a.write_all(b"ping").await?;
/// let mut buf = [0; 4];
/// b.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct UnixStream {
    pub(super) io: Source<std::os::unix::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket bound at `path`.
    ///
    /// # Errors
    /// `NotFound` if nothing is bound there, `ConnectionRefused` if the
    /// socket there is not listening, an error outside a runtime.
    ///
    /// ```
    /// # runtime::run(async {
    /// use runtime::net::{UnixListener, UnixStream};
    ///
    /// let dir = std::env::temp_dir().join(format!("rt-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("connect.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// let client = UnixStream::connect(&path).await?;
    /// let (server, _) = listener.accept().await?;
    /// # drop((client, server));
    /// std::fs::remove_file(&path)?;
    /// # std::fs::remove_dir(&dir)?;
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let addr = SockAddr::unix(path)?;
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        socket.set_nonblocking(true)?;
        match socket.connect(&addr) {
            Ok(()) => {}
            Err(error) if crate::sys::connect_in_progress(&error) => {}
            Err(error) => return Err(error),
        }
        let stream = UnixStream {
            io: Source::new(std::os::unix::net::UnixStream::from(
                std::os::fd::OwnedFd::from(socket),
            ))?,
        };
        stream
            .io
            .write_io(|s| match s.take_error()? {
                Some(error) => Err(error),
                None => match s.peer_addr() {
                    Ok(_) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    Err(e) => Err(e),
                },
            })
            .await?;
        Ok(stream)
    }

    /// Two streams connected to each other (`socketpair(2)`).
    ///
    /// # Errors
    /// Outside a runtime, or when out of file descriptors.
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = std::os::unix::net::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Wraps a connected std stream, making it non-blocking.
    ///
    /// # Errors
    /// Outside a runtime, or if the reactor refuses the socket.
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream {
            io: Source::new(stream)?,
        })
    }

    /// Wraps a stream `accept` returned: it joins the least loaded event
    /// loop, not necessarily the accepting task's.
    pub(crate) fn from_accepted(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream {
            io: Source::new_spread(stream)?,
        })
    }

    /// Deregisters the stream and returns it as a blocking std stream.
    ///
    /// # Errors
    /// If switching back to blocking mode fails.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        let stream = self.io.into_inner();
        stream.set_nonblocking(false)?;
        Ok(stream)
    }

    /// Splits the stream into halves usable from two tasks at once (see
    /// [`TcpStream::split`](crate::net::TcpStream::split)).
    pub fn split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split::split(self)
    }

    /// Shuts down the read direction, the write direction, or both
    /// (`Shutdown::Write`: the peer reads EOF and may still reply).
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// The address of the peer (unnamed for a `pair` or a client that did
    /// not bind).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

impl_read!(UnixStream, |this| &this.io);
impl_write!(UnixStream, |this| &this.io);

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}
