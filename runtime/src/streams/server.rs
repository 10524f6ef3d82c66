//! [`start_server`] and [`Server`] (asyncio's `start_server` and
//! `asyncio.Server`).
//!
//! # Tasks
//! - The *accept task* accepts from the listener, which sits in a slot of
//!   the shared state, and spawns one task per connection, which runs the handler with the connection's
//!   [`StreamReader`] and [`StreamWriter`]. It starts serving at once (as
//!   asyncio's `start_serving=True`).
//! - Each task holds a guard made *before* it is spawned, so the guard
//!   runs even if the task is cancelled before its first poll, or panics:
//!   `AcceptGuard` marks the accept task done, `ConnectionGuard` counts the
//!   connection out.
//!
//! # Close protocol
//! 1. `close` (or dropping the `Server`, or dropping a `serve_forever`
//!    future) sets `closing`, takes the listener out of its slot and drops
//!    it, so the listening socket is closed when `close` returns (new
//!    connections are refused, the port is free again), as in asyncio.
//!    The accept task polls the listener under the slot's lock, so it
//!    never holds it across the drop. `close` then cancels the accept
//!    task; its future is dropped, which runs `AcceptGuard`. Connections
//!    already accepted keep running.
//! 2. The last of {`AcceptGuard`, the last `ConnectionGuard`} to run with
//!    `closing` set sets `closed`.
//! 3. `wait_closed` waits for `closed`: the listener is gone and every
//!    handler has returned (asyncio 3.12's behaviour).

use super::{connection::from_tcp_stream, StreamReader, StreamWriter, DEFAULT_LIMIT};
use crate::net::TcpListener;
use crate::sync::Event;
use crate::Task;
use parking_lot::Mutex;
use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

/// How long the accept loop pauses after an error such as running out of
/// file descriptors, so it does not spin while the condition lasts
/// (asyncio waits a second; a tenth lets a server recover sooner).
const ACCEPT_RETRY_DELAY: Duration = Duration::from_millis(100);

/// A listening TCP server from [`start_server`]. Dropping it closes it.
pub struct Server {
    shared: Arc<Shared>,
    accept_task: Task<()>,
    local_addr: SocketAddr,
}

struct Shared {
    /// The listening socket; `None` once closed (step 1).
    listener: Mutex<Option<TcpListener>>,
    state: Mutex<State>,
    /// Set by `close` (step 1).
    closing: Event,
    /// Set when the listener is gone and every handler has returned
    /// (step 2).
    closed: Event,
}

struct State {
    closing: bool,
    accept_done: bool,
    connections: usize,
}

impl Shared {
    /// Step 2: sets `closed` once nothing is left.
    fn check_closed(&self, state: &State) {
        if state.closing && state.accept_done && state.connections == 0 {
            self.closed.set();
        }
    }
}

/// Starts a TCP server on `host:port` (port 0 picks a free port; see
/// [`Server::local_addr`]) that runs `handler(reader, writer)` as a new task
/// for each connection. Reads are limited to [`DEFAULT_LIMIT`]; see
/// [`start_server_with_limit`].
///
/// ```
/// use runtime::streams::{self, StreamReader, StreamWriter};
///
/// async fn handle(mut reader: StreamReader, mut writer: StreamWriter) {
///     let data = reader.read(100).await.unwrap_or_default();
///     writer.write(&data);
///     let _ = writer.drain().await;
///     writer.close();
///     let _ = writer.wait_closed().await;
/// }
///
/// # runtime::run(async {
/// let server = streams::start_server(handle, "127.0.0.1", 0).await?;
/// let addr = server.local_addr()?;
/// let (mut reader, mut writer) = streams::open_connection("127.0.0.1", addr.port()).await?;
/// writer.write(b"ping");
/// writer.drain().await?;
/// assert_eq!(reader.read_to_end().await?, b"ping");
/// server.close();
/// server.wait_closed().await;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
///
/// # Errors
/// Those of [`TcpListener::bind`]: `AddrInUse`, `InvalidInput` for a
/// malformed host, a resolution failure.
///
/// # Panics
/// Outside a runtime.
pub async fn start_server<H, F>(handler: H, host: &str, port: u16) -> io::Result<Server>
where
    H: Fn(StreamReader, StreamWriter) -> F + Send + Sync + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    start_server_with_limit(handler, host, port, DEFAULT_LIMIT).await
}

/// [`start_server`] with the readers' line/separator limit set to `limit`.
///
/// # Errors
/// As [`start_server`].
pub async fn start_server_with_limit<H, F>(
    handler: H,
    host: &str,
    port: u16,
    limit: usize,
) -> io::Result<Server>
where
    H: Fn(StreamReader, StreamWriter) -> F + Send + Sync + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind((host, port)).await?;
    let local_addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        listener: Mutex::new(Some(listener)),
        state: Mutex::new(State {
            closing: false,
            accept_done: false,
            connections: 0,
        }),
        closing: Event::new(),
        closed: Event::new(),
    });
    let accept_guard = AcceptGuard(shared.clone());
    let accept_task = crate::spawn(async move {
        let guard = accept_guard;
        accept_loop(&guard.0, handler, limit).await;
    });
    Ok(Server {
        shared,
        accept_task,
        local_addr,
    })
}

async fn accept_loop<H, F>(shared: &Arc<Shared>, handler: H, limit: usize)
where
    H: Fn(StreamReader, StreamWriter) -> F + Send + Sync + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    loop {
        // The lock is held only while polling (a non-blocking accept); an
        // empty slot means the server was closed.
        let accepted = poll_fn(|cx| match &*shared.listener.lock() {
            Some(listener) => listener.poll_accept(cx).map(Some),
            None => Poll::Ready(None),
        })
        .await;
        let Some(accepted) = accepted else { return };
        match accepted {
            Ok((stream, _)) => {
                let (reader, writer) = match from_tcp_stream(stream, limit) {
                    Ok(pair) => pair,
                    Err(error) => {
                        tracing::debug!(%error, "streams server: dropping a connection");
                        continue;
                    }
                };
                shared.state.lock().connections += 1;
                let guard = ConnectionGuard(shared.clone());
                let connection = handler(reader, writer);
                // Detached: `wait_closed` tracks it through the guard.
                drop(crate::spawn(async move {
                    let _guard = guard;
                    connection.await;
                }));
            }
            // The peer gave up before we accepted: nothing to do.
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::ConnectionAborted
                        | io::ErrorKind::ConnectionReset
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(error) => {
                tracing::warn!(%error, "streams server: accept failed; retrying");
                crate::sleep(ACCEPT_RETRY_DELAY).await;
            }
        }
    }
}

/// Runs when the accept task's future is dropped (step 1).
struct AcceptGuard(Arc<Shared>);

impl Drop for AcceptGuard {
    fn drop(&mut self) {
        let mut state = self.0.state.lock();
        state.accept_done = true;
        self.0.check_closed(&state);
    }
}

/// Counts a connection out when its task ends, however it ends (step 2).
struct ConnectionGuard(Arc<Shared>);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        let mut state = self.0.state.lock();
        state.connections -= 1;
        self.0.check_closed(&state);
    }
}

impl Server {
    /// The address the server listens on (with the port picked for port 0).
    ///
    /// # Errors
    /// `NotConnected` once the server is closed.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        if self.shared.state.lock().closing {
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the server is closed",
            ));
        }
        Ok(self.local_addr)
    }

    /// The addresses of the listening sockets; empty once closed (asyncio's
    /// `Server.sockets`, whose usual use is `getsockname()`).
    pub fn sockets(&self) -> Vec<SocketAddr> {
        self.local_addr().into_iter().collect()
    }

    /// Whether the server still accepts connections.
    pub fn is_serving(&self) -> bool {
        !self.shared.state.lock().closing
    }

    /// Serves until [`close`](Server::close) is called (from another task,
    /// through a clone-free reference). Dropping this future closes the
    /// server, as cancelling asyncio's `serve_forever` does.
    pub async fn serve_forever(&self) {
        struct CloseOnDrop<'a>(&'a Server);
        impl Drop for CloseOnDrop<'_> {
            fn drop(&mut self) {
                self.0.close();
            }
        }
        let _close = CloseOnDrop(self);
        self.shared.closing.wait().await;
    }

    /// Stops accepting connections and closes the listening socket (step
    /// 1); connections already accepted keep running. Idempotent.
    pub fn close(&self) {
        let mut state = self.shared.state.lock();
        if state.closing {
            return;
        }
        state.closing = true;
        self.shared.check_closed(&state);
        drop(state);
        drop(self.shared.listener.lock().take());
        self.accept_task.cancel();
        self.shared.closing.set();
    }

    /// Waits until the server is closed and every connection's handler
    /// has returned (step 3). Before [`close`](Server::close), waits for it.
    pub async fn wait_closed(&self) {
        self.shared.closed.wait().await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.close();
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.state.lock();
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr)
            .field("serving", &!state.closing)
            .field("connections", &state.connections)
            .finish()
    }
}
