//! [`StreamWriter`]: buffered writes with asyncio's flow control.
//!
//! `write` never waits: it sends what the socket takes at once and keeps
//! the rest in a buffer, which a *flusher* task pushes out as the socket
//! becomes writable. `drain` is the back-pressure point: it waits while the
//! buffer is above the high-water mark, until the flusher brings it down to
//! the low-water mark (asyncio's `pause_writing` / `resume_writing`).
//!
//! # State (`State`, under one mutex)
//! - `buf[start..]`: bytes written and not yet sent.
//! - `flushing`: a flusher task exists. Set by `write` when it leaves bytes
//!   in the buffer and none exists; cleared by the flusher when the buffer
//!   is empty (or the socket failed). While it is set, only the flusher
//!   sends, so bytes go out in order.
//! - `paused`: set by `write` when the buffer exceeds `high`; cleared when
//!   it falls to `low` or below (or on error). `drain` waits while it is
//!   set; its waker is woken when it clears.
//! - `error`: the first send error; later writes are dropped, and `drain`
//!   and `wait_closed` return it.
//! - `eof` / `closing`: asked for by `write_eof` / `close`; carried out by
//!   whoever empties the buffer (`finish`), at once if it is empty.
//!
//! # Close protocol
//! 1. `close` (or dropping the writer) sets `closing`; writes are dropped
//!    from then on.
//! 2. When the buffer is empty (at once, or when the flusher empties it,
//!    or fails), `finish` marks the connection's reader at end of stream,
//!    then shuts both directions down: the peer reads EOF, and a read
//!    pending on this side's `StreamReader` wakes and returns EOF, as
//!    asyncio's `connection_lost` feeds EOF to the reader. (The mark comes
//!    first because a socket shut down for reading may be *reset* when the
//!    peer's data arrives: without it the reader could report
//!    `ConnectionReset` where asyncio promises EOF.)
//! 3. `closed` is set; `wait_closed` returns. The socket's descriptor is
//!    released when the `StreamReader` is dropped too.

use crate::net::tcp::OwnedWriteHalf;
use crate::sync::Event;
use crate::Handle;
use parking_lot::Mutex;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering::*};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// The default high-water mark of the write buffer: `drain` waits once the
/// buffer holds more than this (asyncio's default, 64 KiB).
pub const DEFAULT_HIGH_WATER: usize = 64 * 1024;

/// The default low-water mark: a waiting `drain` returns once the buffer
/// is down to this (asyncio's default, a quarter of the high mark).
pub const DEFAULT_LOW_WATER: usize = DEFAULT_HIGH_WATER / 4;

/// Sent bytes at the front of the buffer worth moving the rest down for.
const COMPACT_AFTER: usize = 64 * 1024;

/// The write side of a connection from [`open_connection`](super::open_connection)
/// or [`start_server`](super::start_server).
///
/// Dropping it closes the connection, both directions, as
/// [`close`](StreamWriter::close) does (asyncio closes the transport when a
/// writer is garbage-collected): a handler that only reads must keep its
/// writer alive until it is done.
pub struct StreamWriter {
    shared: Arc<Shared>,
}

struct Shared {
    half: OwnedWriteHalf,
    handle: Handle,
    state: Mutex<State>,
    /// Set once the connection is shut down after `close`.
    closed: Event,
    /// Shared with the connection's `StreamReader`: set (before the
    /// shutdown) when `close` shuts the connection down, so the reader
    /// reports end of stream from then on instead of reading a socket that
    /// the kernel may reset when the peer's data arrives.
    reader_eof: Arc<AtomicBool>,
}

struct State {
    /// # Invariant
    /// `start <= buf.len()`; `buf[start..]` is unsent.
    buf: Vec<u8>,
    start: usize,
    flushing: bool,
    paused: bool,
    high: usize,
    low: usize,
    error: Option<(io::ErrorKind, String)>,
    eof: Eof,
    closing: bool,
    drain_waker: Option<Waker>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Eof {
    NotAsked,
    Asked,
    Sent,
}

impl State {
    fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    fn error(&self) -> Option<io::Error> {
        let (kind, message) = self.error.as_ref()?;
        Some(io::Error::new(*kind, message.clone()))
    }

    /// Records a send error: the unsent bytes are dropped and a waiting
    /// `drain` is released to report it.
    fn fail(&mut self, error: io::Error) {
        if self.error.is_none() {
            self.error = Some((error.kind(), error.to_string()));
        }
        self.buf.clear();
        self.start = 0;
        self.resume();
    }

    /// Clears `paused` and wakes a waiting `drain`.
    fn resume(&mut self) {
        self.paused = false;
        if let Some(waker) = self.drain_waker.take() {
            waker.wake();
        }
    }
}

impl StreamWriter {
    /// # Panics
    /// Outside a runtime.
    pub(crate) fn new(half: OwnedWriteHalf, reader_eof: Arc<AtomicBool>) -> StreamWriter {
        StreamWriter {
            shared: Arc::new(Shared {
                half,
                handle: Handle::current(),
                state: Mutex::new(State {
                    buf: Vec::new(),
                    start: 0,
                    flushing: false,
                    paused: false,
                    high: DEFAULT_HIGH_WATER,
                    low: DEFAULT_LOW_WATER,
                    error: None,
                    eof: Eof::NotAsked,
                    closing: false,
                    drain_waker: None,
                }),
                closed: Event::new(),
                reader_eof,
            }),
        }
    }

    /// Writes `data`: sends what the socket takes now and buffers the rest,
    /// which is sent in the background. Never waits; call
    /// [`drain`](StreamWriter::drain) after writing to respect back-pressure.
    ///
    /// After [`close`](StreamWriter::close), [`write_eof`](StreamWriter::write_eof)
    /// or a send error the data is dropped (the error is reported by
    /// `drain`).
    pub fn write(&mut self, mut data: &[u8]) {
        let shared = &self.shared;
        let mut state = shared.state.lock();
        if state.closing || state.eof != Eof::NotAsked || state.error.is_some() {
            return;
        }
        // Step 1: with nothing queued, send directly (the common case: a
        // small write to a socket with room), so no task is involved.
        if state.buffered() == 0 && !state.flushing {
            loop {
                match shared.half.try_write(data) {
                    Ok(n) => data = &data[n..],
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                    Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                    Err(error) => return state.fail(error),
                }
                break;
            }
            if data.is_empty() {
                return;
            }
        }
        // Step 2: queue the rest, pause past the high-water mark, and make
        // sure a flusher will send it.
        state.buf.extend_from_slice(data);
        if state.buffered() > state.high {
            state.paused = true;
        }
        if !state.flushing {
            state.flushing = true;
            drop(state);
            let flusher = shared.clone();
            // Detached: it ends when the buffer is empty or the socket fails.
            drop(
                shared
                    .handle
                    .spawn(async move { poll_fn(|cx| flusher.poll_flush(cx)).await }),
            );
        }
    }

    /// Writes every slice of `chunks` (asyncio's `writelines`).
    pub fn writelines<'a>(&mut self, chunks: impl IntoIterator<Item = &'a [u8]>) {
        for chunk in chunks {
            self.write(chunk);
        }
    }

    /// Waits until the write buffer is small enough to write more: returns
    /// at once below the high-water mark, else once the background sends
    /// bring it down to the low-water mark.
    ///
    /// # Errors
    /// The error a send failed with (for example `BrokenPipe` or
    /// `ConnectionReset` once the peer is gone).
    pub async fn drain(&mut self) -> io::Result<()> {
        poll_fn(|cx| {
            let mut state = self.shared.state.lock();
            if let Some(error) = state.error() {
                return Poll::Ready(Err(error));
            }
            if state.paused {
                state.drain_waker = Some(cx.waker().clone());
                return Poll::Pending;
            }
            Poll::Ready(Ok(()))
        })
        .await
    }

    /// Sets the high- and low-water marks of the write buffer (asyncio's
    /// `transport.set_write_buffer_limits`); `low` defaults to `high / 4`.
    ///
    /// # Panics
    /// If `low > high`.
    pub fn set_write_buffer_limits(&mut self, high: usize, low: Option<usize>) {
        let low = low.unwrap_or(high / 4);
        assert!(
            low <= high,
            "StreamWriter::set_write_buffer_limits: low ({low}) > high ({high})"
        );
        let mut state = self.shared.state.lock();
        state.high = high;
        state.low = low;
        if state.buffered() > high {
            state.paused = true;
        } else if state.paused && state.buffered() <= low {
            state.resume();
        }
    }

    /// Bytes written and not yet sent (asyncio's
    /// `transport.get_write_buffer_size`).
    pub fn buffered_len(&self) -> usize {
        self.shared.state.lock().buffered()
    }

    /// Shuts the write direction down once the buffer is sent: the peer
    /// reads EOF, and this side can still read its reply (half-close).
    /// Writes after it are dropped.
    pub fn write_eof(&mut self) {
        let mut state = self.shared.state.lock();
        if state.closing || state.eof != Eof::NotAsked {
            return;
        }
        state.eof = Eof::Asked;
        if !state.flushing {
            self.shared.finish(&mut state);
        }
    }

    /// Whether [`write_eof`](StreamWriter::write_eof) is supported: always,
    /// for TCP.
    pub fn can_write_eof(&self) -> bool {
        true
    }

    /// Closes the connection once the buffer is sent (see the module docs);
    /// [`wait_closed`](StreamWriter::wait_closed) waits for that.
    pub fn close(&mut self) {
        let mut state = self.shared.state.lock();
        if state.closing {
            return;
        }
        state.closing = true;
        if !state.flushing {
            self.shared.finish(&mut state);
        }
    }

    /// Whether [`close`](StreamWriter::close) has been called.
    pub fn is_closing(&self) -> bool {
        self.shared.state.lock().closing
    }

    /// Waits until the connection is closed after [`close`](StreamWriter::close).
    ///
    /// # Errors
    /// The error a send failed with, if one did.
    pub async fn wait_closed(&self) -> io::Result<()> {
        self.shared.closed.wait().await;
        match self.shared.state.lock().error() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// The remote address of the connection (asyncio's
    /// `get_extra_info("peername")`).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.shared.half.peer_addr()
    }

    /// The local address of the connection (`get_extra_info("sockname")`).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.shared.half.local_addr()
    }
}

impl Shared {
    /// The flusher task's body: sends the buffer until it is empty, then
    /// carries out a pending `write_eof` or `close`.
    fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.state.lock();
        while state.buffered() > 0 {
            // The lock is held across the send: it does not block (the
            // socket is non-blocking) and a waker it registers never runs
            // our code inline, so nothing can re-enter this mutex.
            let start = state.start;
            match self.half.poll_write_ref(cx, &state.buf[start..]) {
                Poll::Ready(Ok(0)) => state.fail(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "the connection accepted no more bytes",
                )),
                Poll::Ready(Ok(n)) => {
                    state.start += n;
                    if state.start == state.buf.len() {
                        state.buf.clear();
                        state.start = 0;
                    } else if state.start >= COMPACT_AFTER && state.start * 2 >= state.buf.len() {
                        let sent = state.start;
                        state.buf.drain(..sent);
                        state.start = 0;
                    }
                    if state.paused && state.buffered() <= state.low {
                        state.resume();
                    }
                }
                Poll::Ready(Err(error)) if error.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(error)) => state.fail(error),
                Poll::Pending => return Poll::Pending,
            }
        }
        state.flushing = false;
        state.resume();
        self.finish(&mut state);
        Poll::Ready(())
    }

    /// With the buffer empty and no flusher: carries out an asked-for
    /// `write_eof`, then an asked-for `close` (steps 2 and 3 of the close
    /// protocol). Shutdown errors mean the peer is gone already: nothing
    /// to report.
    fn finish(&self, state: &mut State) {
        if state.eof == Eof::Asked {
            state.eof = Eof::Sent;
            let _ = self.half.shutdown();
        }
        if state.closing && !self.closed.is_set() {
            // Release pairs with the reader's Acquire: a read the shutdown
            // wakes sees the flag.
            self.reader_eof.store(true, Release);
            let _ = self.half.shutdown_both();
            self.closed.set();
        }
    }
}

impl Drop for StreamWriter {
    fn drop(&mut self) {
        self.close();
    }
}

impl fmt::Debug for StreamWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.state.lock();
        f.debug_struct("StreamWriter")
            .field("buffered", &state.buffered())
            .field("paused", &state.paused)
            .field("closing", &state.closing)
            .finish()
    }
}
