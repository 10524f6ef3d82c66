//! `TcpListener`: accepting TCP connections.
//!
//! # Binding
//! 1. The address resolves (`net/addr.rs`); each address is tried in turn.
//! 2. For each: a socket (close-on-exec), `SO_REUSEADDR` as std sets it on
//!    Unix (a restarted server can bind while its old connections linger
//!    in `TIME_WAIT`; a port with a live listener still says `AddrInUse`),
//!    bind, listen with [`LISTEN_BACKLOG`], non-blocking, register.
//!
//! # Accepting
//! `accept` waits until the listener is readable and accepts; the new
//! connection is made non-blocking and registered with the poller of the
//! worker that accepted it (it is woken correctly wherever its task moves).
//! Any number of tasks may `accept` on one listener at once.

use super::TcpStream;
use crate::net::addr::{last_error, resolve, ToSocketAddrs};
use crate::reactor::Source;
use futures_core::Stream;
use socket2::{Domain, Protocol, Socket, Type};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Pending connections the kernel queues before `accept` takes them
/// (tokio's figure; std uses 128, which a burst of a thousand connects
/// overflows into SYN retransmits a second apart).
pub const LISTEN_BACKLOG: i32 = 1024;

/// A TCP socket listening for connections (asyncio's `start_server`
/// underneath).
///
/// ```
/// use runtime::net::{TcpListener, TcpStream};
///
/// # runtime::run(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// let client = runtime::spawn(TcpStream::connect(addr));
/// let (stream, peer) = listener.accept().await?;
/// assert_eq!(peer, client.await.unwrap()?.local_addr()?);
/// # drop(stream);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct TcpListener {
    io: Source<std::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` and listens. Port 0 picks a free port
    /// ([`local_addr`](Self::local_addr) tells which). Host names resolve
    /// on the blocking pool; literal addresses need no lookup.
    ///
    /// # Errors
    /// `AddrInUse` if another socket listens on the port, `InvalidInput`
    /// for a malformed address (the message quotes it), an error if
    /// called outside a runtime; with several addresses, the last one's
    /// error.
    ///
    /// ```
    /// # runtime::run(async {
    /// use runtime::net::TcpListener;
    ///
    /// let first = TcpListener::bind("127.0.0.1:0").await?;
    /// let taken = first.local_addr()?;
    /// let err = TcpListener::bind(taken).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    ///
    /// let err = TcpListener::bind("127.0.0.1").await.unwrap_err(); // no port
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let mut error = None;
        for addr in resolve(&addr).await? {
            match TcpListener::bind_addr(addr) {
                Ok(listener) => return Ok(listener),
                Err(e) => error = Some(e),
            }
        }
        Err(last_error(error))
    }

    /// One address: module docs, "Binding".
    fn bind_addr(addr: SocketAddr) -> io::Result<TcpListener> {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_reuse_address(true)?;
        socket.bind(&addr.into())?;
        socket.listen(LISTEN_BACKLOG)?;
        socket.set_nonblocking(true)?;
        Ok(TcpListener {
            io: Source::new(std::net::TcpListener::from(socket))?,
        })
    }

    /// Waits for a connection and returns it with the peer's address.
    ///
    /// # Errors
    /// Errors of `accept(2)`, for example when the process is out of file
    /// descriptors (the listener stays usable), or after the runtime shut
    /// down.
    ///
    /// The connection joins the event loop with the fewest registered
    /// sockets, not necessarily the accepting task's worker, so one accept
    /// loop spreads its connections over all workers
    /// ([module docs](crate::net#which-loop-a-socket-joins)).
    ///
    /// # Cancel safety
    /// Dropping the future before it completes loses no connection.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.io.read_io(|l| l.accept()).await?;
        Ok((TcpStream::from_accepted(stream)?, addr))
    }

    /// Polls for a connection, for hand-written futures and streams.
    /// Only one task at a time should poll this; several tasks may await
    /// [`accept`](Self::accept) at once.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, addr) = std::task::ready!(self.io.poll_read_io(cx, |l| l.accept()))?;
        Poll::Ready(TcpStream::from_accepted(stream).map(|stream| (stream, addr)))
    }

    /// The connections as a [`Stream`] that never ends (each item is what
    /// [`accept`](Self::accept) would return, without the address).
    ///
    /// ```
    /// # runtime::run(async {
    /// use runtime::net::{TcpListener, TcpStream};
    /// use std::future::poll_fn;
    /// use std::pin::Pin;
    /// use futures_core::Stream;
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let _client = TcpStream::connect(listener.local_addr()?).await?;
    /// let mut incoming = listener.incoming();
    /// let stream = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await.unwrap()?;
    /// # drop(stream);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { listener: self }
    }

    /// Wraps a bound, listening std listener, making it non-blocking.
    ///
    /// # Errors
    /// Outside a runtime, or if the reactor refuses the socket.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            io: Source::new(listener)?,
        })
    }

    /// Deregisters the listener and returns it as a blocking std listener.
    ///
    /// # Errors
    /// If switching back to blocking mode fails.
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        let listener = self.io.into_inner();
        listener.set_nonblocking(false)?;
        Ok(listener)
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets the IP time-to-live of packets sent from accepted sockets.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live setting.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

/// The connections of a [`TcpListener`], from
/// [`TcpListener::incoming`].
#[derive(Debug)]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
}

impl Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.listener
            .poll_accept(cx)
            .map(|result| Some(result.map(|(stream, _)| stream)))
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}
