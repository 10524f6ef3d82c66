//! Networking: TCP, UDP and Unix domain sockets on the runtime's reactor.
//!
//! | asyncio | runtime |
//! |---|---|
//! | `loop.create_server(...)` / `start_server` underneath | [`TcpListener::bind`], [`TcpListener::accept`] |
//! | `loop.create_connection(host, port)` | [`TcpStream::connect`] |
//! | `loop.create_datagram_endpoint(...)` | [`UdpSocket::bind`] |
//! | `loop.create_unix_server` / `create_unix_connection` | [`UnixListener`], [`UnixStream`] |
//! | `loop.getaddrinfo(host, port)` | done for you: host names resolve on the blocking pool |
//!
//! Every socket is non-blocking and registered, edge-triggered, with one
//! worker's event loop; a task waiting on it is woken when it becomes
//! ready, whichever worker the task has moved to. Dropping a socket
//! deregisters it, then closes it.
//!
//! # Which loop a socket joins
//! - A socket a task creates (`bind`, `connect`, `from_std`, `pair` on a
//!   worker) joins that worker's loop: its events are dispatched where the
//!   task runs.
//! - A connection returned by `accept` joins the loop with the fewest
//!   registered sockets, so a server with one accept loop spreads its
//!   connections over every worker instead of piling them on its own.
//! - A socket created on a thread that is not a worker (inside `block_on`,
//!   or from a plain thread with [`Handle::enter`](crate::Handle::enter))
//!   joins the loop with the fewest sockets too.
//!
//! Whichever loop it joins, its readiness is never stranded: if that loop's
//! worker is stuck in a long poll, the other workers drain its sockets'
//! events (see [`Builder::stall_threshold`](crate::Builder::stall_threshold)).
//!
//! Streams implement [`futures_io::AsyncRead`] and
//! [`futures_io::AsyncWrite`] (so codecs and utilities of the futures
//! ecosystem work with them) and have the plain methods `read`,
//! `read_exact`, `read_to_end`, `write`, `write_all` and `flush`, which
//! need no trait import.
//!
//! # Errors
//! - Malformed addresses: `InvalidInput`, the message quoting the input.
//! - A taken port: `AddrInUse`. A closed port: `ConnectionRefused`.
//! - A peer that resets the connection: the next read or write fails with
//!   `ConnectionReset` or `BrokenPipe` (never a panic or a signal).
//! - A peer that closes mid-message: `read` returns what arrived, then
//!   `Ok(0)`.
//! - Outside a runtime: an error that says so, when the socket is created.
//!
//! # Layout
//! - `addr.rs`: [`ToSocketAddrs`] and resolution.
//! - `tcp/`: [`TcpListener`], [`TcpStream`] and [`tcp`]'s split halves.
//! - `udp.rs`: [`UdpSocket`].
//! - `stream_io.rs`: the read/write plumbing every stream shares.
//! - `sys/unix/net/` (in the crate's platform layer): [`UnixListener`],
//!   [`UnixStream`], [`UnixDatagram`], and [`unix`]'s split halves.
//!
//! ```
//! use runtime::net::{TcpListener, TcpStream};
//!
//! # runtime::run(async {
//! let listener = TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! runtime::spawn(async move {
//!     loop {
//!         let (mut stream, _) = listener.accept().await?;
//!         runtime::spawn(async move {
//!             let mut buf = [0; 1024];
//!             loop {
//!                 let n = stream.read(&mut buf).await?;
//!                 if n == 0 {
//!                     return Ok::<_, std::io::Error>(());
//!                 }
//!                 stream.write_all(&buf[..n]).await?;
//!             }
//!         });
//!     }
//!     #[allow(unreachable_code)]
//!     Ok::<_, std::io::Error>(())
//! });
//!
//! let mut stream = TcpStream::connect(addr).await?;
//! stream.write_all(b"echo").await?;
//! let mut buf = [0; 4];
//! stream.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"echo");
//! # Ok::<(), std::io::Error>(())
//! # }).unwrap();
//! ```

mod addr;
pub(crate) mod stream_io;
pub mod tcp;
mod udp;

pub use addr::ToSocketAddrs;
pub use tcp::listener::TcpListener;
pub use tcp::stream::TcpStream;
pub use udp::UdpSocket;

// Unix domain sockets and the `unix` module of their split halves.
pub use crate::sys::unix_net::*;
