//! hyper 1.x on `runtime`, with no glue (cargo feature `hyper`).
//!
//! - [`Io<T>`]: any `runtime` stream (anything futures-io
//!   `AsyncRead + AsyncWrite`) as a `hyper::rt::Read + Write`.
//! - [`Executor`]: spawns hyper's background futures (HTTP/2 streams,
//!   hyper-util's pooled connections) on the runtime.
//! - [`Timer`]: hyper's timer on the runtime's wheel, so
//!   `header_read_timeout` and HTTP/2 keep-alive work.
//! - [`Connector`]: a hyper-util legacy-client connector for `http://`
//!   URIs over [`TcpStream`], with a connect timeout.
//!
//! A server, one connection per task:
//!
//! ```
//! use http_body_util::Full;
//! use hyper::body::Bytes;
//! use hyper::server::conn::http1;
//! use hyper::service::service_fn;
//! use runtime::hyper::{Io, Timer};
//! use runtime::net::TcpListener;
//!
//! # runtime::run(async {
//! let listener = TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! runtime::spawn(async move {
//!     loop {
//!         let (stream, _) = listener.accept().await.unwrap();
//!         runtime::spawn(async move {
//!             let service = service_fn(|_req| async {
//!                 Ok::<_, hyper::Error>(hyper::Response::new(Full::new(Bytes::from("hello"))))
//!             });
//!             let _ = http1::Builder::new()
//!                 .timer(Timer::new())
//!                 .serve_connection(Io::new(stream), service)
//!                 .await;
//!         });
//!     }
//! });
//! // ... and a pooled client (hyper-util) against it.
//! use http_body_util::{BodyExt, Empty};
//! use hyper_util::client::legacy::Client;
//! let client = Client::builder(runtime::hyper::Executor::new())
//!     .timer(Timer::new())
//!     .build::<_, Empty<Bytes>>(runtime::hyper::Connector::new());
//! let response = client.get(format!("http://{addr}/").parse()?).await?;
//! assert_eq!(response.status(), 200);
//! let body = response.into_body().collect().await?.to_bytes();
//! assert_eq!(body, "hello");
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! # }).unwrap();
//! ```

use crate::net::{TcpStream, UnixStream};
use crate::Handle;
use std::any::Any;
use std::fmt;
use std::future::Future;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

/// The most a single read of a stream other than `runtime`'s sockets
/// initialises and offers it. hyper hands over fresh (uninitialised)
/// buffer space on every read, which a futures-io read needs zeroed
/// first; capping it keeps that cost bounded (a read may return less than
/// asked anyway). `runtime`'s `TcpStream` and `UnixStream` skip it.
const MAX_READ: usize = 16 * 1024;

/// A `runtime` stream (anything futures-io `AsyncRead + AsyncWrite`) as
/// `hyper::rt::Read + Write`.
///
/// `poll_shutdown` is futures-io's `poll_close` (for sockets: shut the
/// write direction down).
#[derive(Debug)]
pub struct Io<T> {
    inner: T,
}

impl<T> Io<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Io<T> {
        Io { inner }
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped stream, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: futures_io::AsyncRead + Unpin + 'static> ::hyper::rt::Read for Io<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ::hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let inner: &mut dyn Any = &mut self.get_mut().inner;
        // `runtime`'s own sockets read straight into the uninitialised
        // space (`recv` initialises what it returns); the type tests are
        // constants once `T` is known.
        if let Some(tcp) = inner.downcast_ref::<TcpStream>() {
            return read_uninit(buf, |space| tcp.poll_read_uninit(cx, space));
        }
        if let Some(unix) = inner.downcast_ref::<UnixStream>() {
            return read_uninit(buf, |space| unix.poll_read_uninit(cx, space));
        }
        // Any other stream reads into a `&mut [u8]`, which must be
        // initialised first.
        // SAFETY: we only write initialised bytes into the unfilled part
        // (zeroes, then what the read returns), never de-initialise any.
        let unfilled = unsafe { buf.as_mut() };
        let len = unfilled.len().min(MAX_READ);
        let window = &mut unfilled[..len];
        window.fill(MaybeUninit::new(0));
        // SAFETY: every byte of `window` was just initialised.
        let window =
            unsafe { std::slice::from_raw_parts_mut(window.as_mut_ptr().cast::<u8>(), len) };
        let reader: &mut T = inner.downcast_mut().expect("inner is a T");
        let n = ready!(Pin::new(reader).poll_read(cx, window))?;
        // SAFETY: the first `n <= len` bytes are initialised (all `len` are).
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

/// One read into the cursor's uninitialised space by `read`, which must
/// initialise (at least) the bytes it reports.
fn read_uninit(
    mut buf: ::hyper::rt::ReadBufCursor<'_>,
    read: impl FnOnce(&mut [MaybeUninit<u8>]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<()>> {
    // SAFETY: `read` (a `recv`) only writes bytes, never de-initialises any.
    let n = ready!(read(unsafe { buf.as_mut() }))?;
    // SAFETY: `read` initialised the first `n` bytes.
    unsafe { buf.advance(n) };
    Poll::Ready(Ok(()))
}

impl<T: futures_io::AsyncWrite + Unpin> ::hyper::rt::Write for Io<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}

impl ::hyper_util::client::legacy::connect::Connection for Io<TcpStream> {
    fn connected(&self) -> ::hyper_util::client::legacy::connect::Connected {
        ::hyper_util::client::legacy::connect::Connected::new()
    }
}

/// Spawns hyper's background futures as `runtime` tasks (detached).
///
/// [`Executor::new`] spawns on whichever runtime `execute` is called
/// from (hyper calls it from the connection's task);
/// [`Executor::with_handle`] on a given one, from any thread.
#[derive(Clone, Default)]
pub struct Executor {
    handle: Option<Handle>,
}

impl Executor {
    /// Spawns on the runtime current at each `execute`.
    pub fn new() -> Executor {
        Executor { handle: None }
    }

    /// Spawns on `handle`'s runtime.
    pub fn with_handle(handle: Handle) -> Executor {
        Executor {
            handle: Some(handle),
        }
    }
}

impl fmt::Debug for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor")
            .field("fixed_runtime", &self.handle.is_some())
            .finish()
    }
}

impl<F> ::hyper::rt::Executor<F> for Executor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    /// # Panics
    /// From [`Executor::new`], outside a runtime (hyper's futures need one).
    #[track_caller]
    fn execute(&self, future: F) {
        // Dropping the handle detaches the task.
        match &self.handle {
            Some(handle) => drop(handle.spawn(future)),
            None => drop(crate::spawn(future)),
        }
    }
}

/// hyper's timer on the runtime's timing wheel.
///
/// Its sleeps are [`runtime::Sleep`](crate::Sleep)s: create them (hyper
/// does, from its connection tasks) inside a runtime.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timer;

impl Timer {
    /// The timer.
    pub fn new() -> Timer {
        Timer
    }
}

impl ::hyper::rt::Timer for Timer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn ::hyper::rt::Sleep>> {
        Box::pin(HyperSleep(crate::sleep(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn ::hyper::rt::Sleep>> {
        Box::pin(HyperSleep(crate::sleep_until(deadline)))
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn ::hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<HyperSleep>() {
            Some(ours) => ours.get_mut().0.reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// A [`Sleep`](crate::Sleep) as hyper's `Sleep`.
struct HyperSleep(crate::Sleep);

impl Future for HyperSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl ::hyper::rt::Sleep for HyperSleep {}

/// A hyper-util legacy-client connector: `http://` URIs over
/// [`TcpStream`] (TCP_NODELAY on by default), with an optional connect
/// timeout.
///
/// TLS is not built in: an `https://` URI fails with an error saying so.
/// (For TLS, connect a `TcpStream`, wrap it with futures-rustls, and give
/// the stream to hyper through [`Io`].)
#[derive(Clone, Debug)]
pub struct Connector {
    connect_timeout: Option<Duration>,
    nodelay: bool,
}

impl Default for Connector {
    fn default() -> Connector {
        Connector::new()
    }
}

impl Connector {
    /// No connect timeout, TCP_NODELAY on.
    pub fn new() -> Connector {
        Connector {
            connect_timeout: None,
            nodelay: true,
        }
    }

    /// Fails a connection attempt that takes longer than `timeout`
    /// (`TimedOut`); `None` waits as long as the OS does.
    pub fn set_connect_timeout(&mut self, timeout: Option<Duration>) {
        self.connect_timeout = timeout;
    }

    /// Sets TCP_NODELAY on each new connection.
    pub fn set_nodelay(&mut self, nodelay: bool) {
        self.nodelay = nodelay;
    }
}

/// The connector's future.
type Connecting = Pin<Box<dyn Future<Output = io::Result<Io<TcpStream>>> + Send>>;

impl tower_service::Service<::hyper::Uri> for Connector {
    type Response = Io<TcpStream>;
    type Error = io::Error;
    type Future = Connecting;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), io::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: ::hyper::Uri) -> Connecting {
        let settings = self.clone();
        Box::pin(async move {
            let (host, port) = http_destination(&uri)?;
            let connect = TcpStream::connect((host.as_str(), port));
            let stream = match settings.connect_timeout {
                None => connect.await?,
                Some(limit) => crate::timeout(limit, connect).await.map_err(|_| {
                    io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("connecting to {host}:{port} took longer than {limit:?}"),
                    )
                })??,
            };
            stream.set_nodelay(settings.nodelay)?;
            Ok(Io::new(stream))
        })
    }
}

/// Host and port of an `http://` URI, or an error that says what is wrong.
fn http_destination(uri: &::hyper::Uri) -> io::Result<(String, u16)> {
    match uri.scheme_str() {
        Some("http") | None => {}
        Some("https") => {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "{uri}: runtime::hyper::Connector speaks plain http only, TLS is not built in \
                     (connect a TcpStream, wrap it with futures-rustls and hand it to hyper \
                     through runtime::hyper::Io)"
                ),
            ))
        }
        Some(other) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{uri}: unsupported scheme `{other}` (expected http)"),
            ))
        }
    }
    let host = uri.host().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{uri}: the URI has no host"),
        )
    })?;
    // `[::1]` arrives bracketed; the resolver wants it bare.
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok((host.to_string(), uri.port_u16().unwrap_or(80)))
}
