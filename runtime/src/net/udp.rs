//! `UdpSocket`: datagrams over IP.
//!
//! Every operation takes `&self`, so one socket can be shared (`Arc`)
//! between tasks: any number of them may wait to send or receive at once,
//! each with its own waiter slot in the reactor, and a readiness event
//! wakes them all (`reactor/scheduled_io.rs`, "Waiters").
//!
//! # Errors that come back later
//! A datagram sent to a closed port on a *connected* socket comes back as
//! an ICMP "port unreachable": the next `recv`/`send` fails with
//! `ConnectionRefused`, and the socket stays usable (the reactor treats the
//! error event as transient, not as a hang-up).

use crate::net::addr::{last_error, resolve, ToSocketAddrs};
use crate::reactor::Source;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

/// A UDP socket (asyncio's `create_datagram_endpoint` underneath).
///
/// ```
/// use runtime::net::UdpSocket;
///
/// # runtime::run(async {
/// let server = UdpSocket::bind("127.0.0.1:0").await?;
/// let client = UdpSocket::bind("127.0.0.1:0").await?;
/// client.send_to(b"ping", server.local_addr()?).await?;
///
/// let mut buf = [0; 16];
/// let (n, from) = server.recv_from(&mut buf).await?;
/// assert_eq!((&buf[..n], from), (&b"ping"[..], client.local_addr()?));
/// server.send_to(b"pong", from).await?;
/// let n = client.recv(&mut buf).await?;
/// assert_eq!(&buf[..n], b"pong");
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct UdpSocket {
    io: Source<std::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr` (port 0 picks a free port).
    ///
    /// # Errors
    /// `AddrInUse` if the port is taken, `InvalidInput` for a malformed
    /// address (the message quotes it), an error outside a runtime; with
    /// several addresses, the last one's error.
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        let mut error = None;
        for addr in resolve(&addr).await? {
            match std::net::UdpSocket::bind(addr).and_then(UdpSocket::from_std) {
                Ok(socket) => return Ok(socket),
                Err(e) => error = Some(e),
            }
        }
        Err(last_error(error))
    }

    /// Sets the default destination for [`send`](Self::send) and the only
    /// source [`recv`](Self::recv) accepts datagrams from. With several
    /// addresses, the first that works.
    ///
    /// ```
    /// # runtime::run(async {
    /// use runtime::net::UdpSocket;
    ///
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// a.send(b"hi").await?;
    /// let mut buf = [0; 2];
    /// assert_eq!(b.recv(&mut buf).await?, 2);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let mut error = None;
        for addr in resolve(&addr).await? {
            match self.io.get_ref().connect(addr) {
                Ok(()) => return Ok(()),
                Err(e) => error = Some(e),
            }
        }
        Err(last_error(error))
    }

    /// Sends `buf` as one datagram to `target` (its first address);
    /// returns the number of bytes sent.
    ///
    /// # Errors
    /// `InvalidInput` for a malformed target; errors of `sendto(2)`, such as
    /// `PermissionDenied` for a broadcast address without
    /// [`set_broadcast`](Self::set_broadcast).
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let Some(target) = resolve(&target).await?.next() else {
            return Err(last_error(None));
        };
        self.io.write_io(|s| s.send_to(buf, target)).await
    }

    /// Receives one datagram into `buf`; returns its length and sender. A
    /// datagram longer than `buf` is truncated.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_io(|s| s.recv_from(buf)).await
    }

    /// Like [`recv_from`](Self::recv_from), but leaves the datagram queued.
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_io(|s| s.peek_from(buf)).await
    }

    /// Sends to the connected peer.
    ///
    /// # Errors
    /// Without [`connect`](Self::connect), "destination address required";
    /// `ConnectionRefused` if an earlier datagram found the port closed.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_io(|s| s.send(buf)).await
    }

    /// Receives from the connected peer.
    ///
    /// # Errors
    /// `ConnectionRefused` if an earlier datagram found the peer's port
    /// closed (the socket stays usable).
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_io(|s| s.recv(buf)).await
    }

    /// Like [`recv`](Self::recv), but leaves the datagram queued.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_io(|s| s.peek(buf)).await
    }

    /// Wraps a bound std socket, making it non-blocking.
    ///
    /// # Errors
    /// Outside a runtime, or if the reactor refuses the socket.
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            io: Source::new(socket)?,
        })
    }

    /// Deregisters the socket and returns it as a blocking std socket.
    ///
    /// # Errors
    /// If switching back to blocking mode fails.
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        let socket = self.io.into_inner();
        socket.set_nonblocking(false)?;
        Ok(socket)
    }

    /// The address the socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address (`NotConnected` without one).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets `SO_BROADCAST`: allows sending to broadcast addresses.
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// Whether `SO_BROADCAST` is set.
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }

    /// Sets the IP time-to-live of outgoing datagrams.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live of outgoing datagrams.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Joins the IPv4 multicast group `multiaddr` on the interface with
    /// address `interface` (`Ipv4Addr::UNSPECIFIED`: the system's choice).
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().join_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves an IPv4 multicast group joined with
    /// [`join_multicast_v4`](Self::join_multicast_v4).
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v4(&multiaddr, &interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on interface index
    /// `interface` (0: the system's choice).
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves an IPv6 multicast group.
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v6(multiaddr, interface)
    }

    /// Sets whether IPv4 multicast datagrams sent by this socket loop back
    /// to local sockets.
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v4(on)
    }

    /// Whether IPv4 multicast loop-back is on.
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v4()
    }

    /// Sets the time-to-live of outgoing IPv4 multicast datagrams (1: stay
    /// on the local network).
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// The time-to-live of outgoing IPv4 multicast datagrams.
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.io.get_ref().multicast_ttl_v4()
    }

    /// Sets whether IPv6 multicast datagrams loop back to local sockets.
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v6(on)
    }

    /// Whether IPv6 multicast loop-back is on.
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v6()
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}
