//! `TcpStream`: one TCP connection.
//!
//! # Connecting (`connect`)
//! 1. The address resolves (`net/addr.rs`); each address is tried in turn.
//! 2. A non-blocking socket is created and `connect` called: it returns at
//!    once, usually with `EINPROGRESS`.
//! 3. Only then is the socket registered: a fresh, unconnected TCP socket
//!    reports a hang-up, which would mark it closed for good (the reactor's
//!    closed bits are final); once connecting it reports nothing until the
//!    handshake ends.
//! 4. Wait until writable, then read `SO_ERROR`: set means the connect
//!    failed (`ConnectionRefused` for a closed port); clear, and
//!    `getpeername` succeeds, means connected. A `getpeername` that says
//!    "not connected" is a readiness that came too early: wait again.
//!
//! # Reading and writing
//! `net/stream_io.rs` has the shared methods and the edge cases (EOF, a
//! reset peer). Reads and writes go through the reactor's owner slots: one
//! task reading and one task writing at a time, which `&mut self` ensures;
//! [`split`](TcpStream::split) gives each direction its own owner.

use super::split::{OwnedReadHalf, OwnedWriteHalf};
use crate::net::addr::{last_error, resolve, ToSocketAddrs};
use crate::net::stream_io::{impl_read, impl_write};
use crate::reactor::Source;
use socket2::{Domain, Protocol, SockRef, Socket, Type};
use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::time::Duration;

/// A TCP connection (asyncio's transport for `open_connection`).
///
/// Read and write with the inherent methods ([`read`](Self::read),
/// [`read_exact`](Self::read_exact), [`write_all`](Self::write_all), …) or
/// through [`futures_io::AsyncRead`] / [`futures_io::AsyncWrite`], which it
/// implements. [`split`](Self::split) it to read and write from two tasks.
/// Dropping it closes the connection.
///
/// ```
/// use runtime::net::{TcpListener, TcpStream};
///
/// # runtime::run(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// let server = runtime::spawn(async move {
///     let (mut stream, _) = listener.accept().await?;
///     let mut buf = [0; 5];
///     stream.read_exact(&mut buf).await?;
///     stream.write_all(&buf).await?;
///     Ok::<_, std::io::Error>(())
/// });
///
/// let mut client = TcpStream::connect(addr).await?;
/// client.write_all(b"hello").await?;
/// let mut reply = [0; 5];
/// client.read_exact(&mut reply).await?;
/// assert_eq!(&reply, b"hello");
/// server.await.unwrap()?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct TcpStream {
    pub(super) io: Source<std::net::TcpStream>,
}

impl TcpStream {
    /// Opens a connection to `addr`, trying each address it resolves to in
    /// turn (host names resolve on the blocking pool). The socket joins the
    /// event loop of the worker that calls this (elsewhere, the loop with
    /// the fewest sockets).
    ///
    /// # Errors
    /// `ConnectionRefused` if nothing listens there, `InvalidInput` for a
    /// malformed address (the message quotes it), the resolver's error for
    /// an unknown host, an error if called outside a runtime; with several
    /// addresses, the last one's error.
    ///
    /// ```
    /// # runtime::run(async {
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let port = listener.local_addr()?.port();
    /// let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    /// assert_eq!(stream.peer_addr()?.port(), port);
    ///
    /// // Nobody listens on a port we just released.
    /// drop(listener);
    /// let refused = TcpStream::connect(("127.0.0.1", port)).await.unwrap_err();
    /// assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let mut error = None;
        for addr in resolve(&addr).await? {
            match TcpStream::connect_addr(addr).await {
                Ok(stream) => return Ok(stream),
                Err(e) => error = Some(e),
            }
        }
        Err(last_error(error))
    }

    /// [`connect`](Self::connect), giving up after `timeout` (which covers
    /// resolving the address too).
    ///
    /// # Errors
    /// `TimedOut` when the time is up; otherwise as `connect`.
    ///
    /// ```
    /// # runtime::run(async {
    /// use runtime::net::{TcpListener, TcpStream};
    /// use std::time::Duration;
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let stream =
    ///     TcpStream::connect_timeout(listener.local_addr()?, Duration::from_secs(10)).await?;
    /// # drop(stream);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn connect_timeout(
        addr: impl ToSocketAddrs,
        timeout: Duration,
    ) -> io::Result<TcpStream> {
        match crate::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(result) => result,
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("connecting timed out after {timeout:?}"),
            )),
        }
    }

    /// One address: module docs, "Connecting".
    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_nonblocking(true)?;
        match socket.connect(&addr.into()) {
            Ok(()) => {}
            Err(error) if crate::sys::connect_in_progress(&error) => {}
            Err(error) => return Err(error),
        }
        let stream = TcpStream {
            io: Source::new(std::net::TcpStream::from(socket))?,
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

    /// Wraps a connected std stream, making it non-blocking. On a worker it
    /// joins that worker's event loop; elsewhere, the loop with the fewest
    /// sockets.
    ///
    /// # Errors
    /// Outside a runtime, or if the reactor refuses the socket.
    ///
    /// ```
    /// # runtime::run(async {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let std_stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let stream = runtime::net::TcpStream::from_std(std_stream)?;
    /// # drop(stream);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream {
            io: Source::new(stream)?,
        })
    }

    /// Wraps a stream `accept` returned: it joins the least loaded event
    /// loop, not necessarily the accepting task's.
    pub(crate) fn from_accepted(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream {
            io: Source::new_spread(stream)?,
        })
    }

    /// Deregisters the stream and returns it as a blocking std stream.
    ///
    /// # Errors
    /// If switching back to blocking mode fails.
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        let stream = self.io.into_inner();
        stream.set_nonblocking(false)?;
        Ok(stream)
    }

    /// Splits the stream into a read half and a write half that can be
    /// used from two tasks at once. Dropping the write half shuts the
    /// write direction down; [`OwnedReadHalf::reunite`] puts them back
    /// together.
    ///
    /// ```
    /// # runtime::run(async {
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    ///
    /// let (mut read, mut write) = server.split();
    /// let echo = runtime::spawn(async move {
    ///     let mut buf = [0; 2];
    ///     read.read_exact(&mut buf).await?;
    ///     Ok::<_, std::io::Error>(buf)
    /// });
    /// let (mut client_read, mut client_write) = client.split();
    /// client_write.write_all(b"hi").await?;
    /// write.write_all(b"yo").await?;
    /// let mut buf = [0; 2];
    /// client_read.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"yo");
    /// assert_eq!(&echo.await.unwrap()?, b"hi");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        super::split::split(self)
    }

    /// Shuts down the read direction, the write direction, or both.
    /// `Shutdown::Write` is a half-close: the peer reads EOF and may still
    /// send a reply, which this side can read.
    ///
    /// # Errors
    /// `NotConnected` if the peer is already gone.
    ///
    /// ```
    /// # runtime::run(async {
    /// use runtime::net::{TcpListener, TcpStream};
    /// use std::net::Shutdown;
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    /// client.write_all(b"request").await?;
    /// client.shutdown(Shutdown::Write)?;
    ///
    /// let mut request = Vec::new();
    /// server.read_to_end(&mut request).await?; // ends: the client half-closed
    /// server.write_all(b"reply").await?;
    /// drop(server);
    ///
    /// let mut reply = Vec::new();
    /// client.read_to_end(&mut reply).await?;
    /// assert_eq!((&request[..], &reply[..]), (&b"request"[..], &b"reply"[..]));
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Reads into `buf` without removing the data from the socket's queue;
    /// waits until some is available. Several tasks may peek at once.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_io(|s| s.peek(buf)).await
    }

    /// The remote address of the connection.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address of the connection.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets `TCP_NODELAY`: send small writes at once instead of coalescing
    /// them (Nagle's algorithm off).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets the IP time-to-live of outgoing packets.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live of outgoing packets.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets `SO_LINGER`. `Some(Duration::ZERO)` makes dropping the stream
    /// reset the connection instead of closing it gracefully.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_linger(linger)
    }

    /// The `SO_LINGER` setting.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        SockRef::from(self.io.get_ref()).linger()
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

impl_read!(TcpStream, |this| &this.io);
impl_write!(TcpStream, |this| &this.io);

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}
