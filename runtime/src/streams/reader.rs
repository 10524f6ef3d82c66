//! [`StreamReader`]: buffered, framed reads of a TCP connection (asyncio's
//! `StreamReader`).
//!
//! # Buffer
//! `buf[start..end]` holds the bytes read from the socket and not yet
//! returned; `buf` is always initialised, so a read goes straight into
//! `buf[end..]` without zeroing. Before a read, the unread bytes move to
//! the front (when there are any to move past), and the vector grows so at
//! least [`READ_CHUNK`] bytes are free.
//!
//! # Invariants
//! 1. Bytes are read from the socket only when a method needs more than
//!    the buffer holds, one `read` call at a time, so the buffer never
//!    holds more than `limit + READ_CHUNK` bytes because of a search.
//! 2. `eof` is set when the socket read returns 0 and never cleared; after
//!    it, every method works on the buffer alone.
//! 3. Every method is cancel-safe: its only await is one socket read whose
//!    bytes land in the buffer before anything else happens, so dropping
//!    the future loses nothing, and calling the method again resumes.
//! 4. Once the connection's `StreamWriter` has closed it (`close`, or the
//!    writer's drop), the stream has ended: the buffered bytes can still be
//!    read, the socket is not read again, and a read that was waiting when
//!    the close happened returns end of stream (asyncio's `feed_eof` from
//!    `connection_lost`), never `ConnectionReset`.
//!
//! # Limit overrun (asyncio's documented behaviour)
//! - `readuntil`: the bytes stay in the buffer; a later read gets them.
//! - `readline`: if the separator was found beyond the limit, the line is
//!   discarded up to and including it; otherwise the buffer is cleared.
//!   Either way the next `readline` starts at fresh data.

use super::error::{IncompleteReadError, LimitOverrunError, StreamError};
use crate::net::tcp::OwnedReadHalf;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering::Acquire};
use std::sync::Arc;

/// Bytes of free space a socket read is given.
const READ_CHUNK: usize = 64 * 1024;

/// The read side of a connection from [`open_connection`](super::open_connection)
/// or [`start_server`](super::start_server).
///
/// ```
/// # runtime::run(async {
/// let server = runtime::streams::start_server(
///     |mut reader: runtime::streams::StreamReader, mut writer: runtime::streams::StreamWriter| async move {
///         while let Ok(line) = reader.readline().await {
///             if line.is_empty() {
///                 break;
///             }
///             writer.write(&line);
///             if writer.drain().await.is_err() {
///                 break;
///             }
///         }
///     },
///     "127.0.0.1",
///     0,
/// )
/// .await?;
/// let port = server.local_addr()?.port();
/// let (mut reader, mut writer) = runtime::streams::open_connection("127.0.0.1", port).await?;
/// writer.write(b"hello\n");
/// writer.drain().await?;
/// assert_eq!(reader.readline().await?, b"hello\n");
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct StreamReader {
    source: Source,
    /// # Invariant
    /// `start <= end <= buf.len()`; `buf[start..end]` is unread data.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// Set by the connection's `StreamWriter` when `close` shuts the
    /// connection down: from then on the socket is not read again and the
    /// stream has ended (invariant 4).
    closed: Arc<AtomicBool>,
    limit: usize,
}

impl StreamReader {
    pub(crate) fn new(half: OwnedReadHalf, limit: usize, closed: Arc<AtomicBool>) -> StreamReader {
        StreamReader {
            source: Source::Socket(half),
            buf: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            closed,
            limit,
        }
    }

    /// A reader of scripted chunks (one per read, then end of stream), for
    /// the property tests and the fuzz target (`model.rs`).
    #[cfg(any(test, fuzzing))]
    pub(crate) fn from_chunks(chunks: Vec<Vec<u8>>, limit: usize) -> StreamReader {
        StreamReader {
            source: Source::Chunks(chunks.into()),
            buf: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            closed: Arc::new(AtomicBool::new(false)),
            limit,
        }
    }

    /// True once the writer closed the connection (Acquire pairs with the
    /// writer's Release before its shutdown).
    fn closed_by_writer(&self) -> bool {
        self.closed.load(Acquire)
    }

    /// The limit of a line or separator search.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Whether the stream has ended and every byte has been read
    /// (asyncio's `at_eof`).
    pub fn at_eof(&self) -> bool {
        (self.eof || self.closed_by_writer()) && self.start == self.end
    }

    /// The remote address of the connection.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        match &self.source {
            Source::Socket(half) => half.peer_addr(),
            #[cfg(any(test, fuzzing))]
            Source::Chunks(_) => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    /// Reads up to `n` bytes: what is buffered, or else what one socket
    /// read brings. Empty at end of stream (or if `n` is 0).
    ///
    /// # Errors
    /// An error of the socket read.
    pub async fn read(&mut self, n: usize) -> io::Result<Vec<u8>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        if self.start == self.end && !self.eof {
            self.fill().await?;
        }
        let take = n.min(self.end - self.start);
        Ok(self.take(take))
    }

    /// Reads until end of stream (asyncio's `read()` / `read(-1)`).
    ///
    /// # Errors
    /// An error of a socket read; the bytes read so far stay buffered.
    pub async fn read_to_end(&mut self) -> io::Result<Vec<u8>> {
        while !self.eof {
            self.fill().await?;
        }
        Ok(self.take(self.end - self.start))
    }

    /// Reads exactly `n` bytes.
    ///
    /// # Errors
    /// [`StreamError::IncompleteRead`] if the stream ends first, with every
    /// byte that was left (the reader is then at EOF);
    /// [`StreamError::Io`] if a socket read fails (the bytes stay
    /// buffered).
    pub async fn readexactly(&mut self, n: usize) -> Result<Vec<u8>, StreamError> {
        while self.end - self.start < n {
            if self.eof {
                let partial = self.take(self.end - self.start);
                return Err(IncompleteReadError {
                    partial,
                    expected: Some(n),
                }
                .into());
            }
            self.fill().await?;
        }
        Ok(self.take(n))
    }

    /// Reads a line: up to and including `b'\n'`, or at end of stream what
    /// is left (empty once everything has been read).
    ///
    /// # Errors
    /// [`StreamError::LimitOverrun`] if the line is longer than the limit;
    /// the line is then discarded up to and including its `b'\n'` if that
    /// was found, else the buffer is cleared, and the reader stays usable.
    /// [`StreamError::Io`] if a socket read fails.
    pub async fn readline(&mut self) -> Result<Vec<u8>, StreamError> {
        const SEP: &[u8] = b"\n";
        match self.readuntil(SEP).await {
            Ok(line) => Ok(line),
            Err(StreamError::IncompleteRead(error)) => Ok(error.partial),
            Err(StreamError::LimitOverrun(error)) => {
                if self
                    .buffered()
                    .get(error.consumed..error.consumed + SEP.len())
                    == Some(SEP)
                {
                    self.start += error.consumed + SEP.len();
                } else {
                    self.start = self.end;
                }
                Err(error.into())
            }
            Err(error) => Err(error),
        }
    }

    /// Reads up to and including `separator`.
    ///
    /// # Errors
    /// [`StreamError::IncompleteRead`] if the stream ends before the
    /// separator, with every byte that was left (`expected` is `None`);
    /// [`StreamError::LimitOverrun`] if the separator is not within the
    /// limit (the bytes stay buffered); [`StreamError::Io`] if a socket
    /// read fails.
    ///
    /// # Panics
    /// If `separator` is empty.
    pub async fn readuntil(&mut self, separator: &[u8]) -> Result<Vec<u8>, StreamError> {
        assert!(
            !separator.is_empty(),
            "StreamReader::readuntil: the separator must not be empty"
        );
        // asyncio's search: `offset` is where the separator could start at
        // the earliest, given what has already been searched; each socket
        // read resumes the search there instead of from the beginning.
        let seplen = separator.len();
        let mut offset = 0;
        let found = loop {
            let buffered = self.end - self.start;
            if buffered >= offset + seplen {
                if let Some(at) = find(&self.buffered()[offset..], separator) {
                    break offset + at;
                }
                offset = buffered + 1 - seplen;
                if offset > self.limit {
                    return Err(LimitOverrunError {
                        consumed: offset,
                        separator_found: false,
                        limit: self.limit,
                    }
                    .into());
                }
            }
            if self.eof {
                let partial = self.take(buffered);
                return Err(IncompleteReadError {
                    partial,
                    expected: None,
                }
                .into());
            }
            self.fill().await?;
        };
        if found > self.limit {
            return Err(LimitOverrunError {
                consumed: found,
                separator_found: true,
                limit: self.limit,
            }
            .into());
        }
        Ok(self.take(found + seplen))
    }

    fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Removes and returns the first `n` buffered bytes.
    fn take(&mut self, n: usize) -> Vec<u8> {
        let out = self.buf[self.start..self.start + n].to_vec();
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        out
    }

    /// One socket read into the free space after the buffered bytes; sets
    /// `eof` when it returns 0.
    async fn fill(&mut self) -> io::Result<()> {
        // Step 1: move the unread bytes to the front, so the buffer does
        // not creep forward while a long line is being searched.
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        // Step 2: make room for a full chunk (zeroed once, when it grows).
        if self.buf.len() - self.end < READ_CHUNK {
            self.buf.resize(self.end + READ_CHUNK, 0);
        }
        // Step 3: once the writer has closed the connection, the stream
        // has ended: do not read a socket the kernel may reset (invariant 4).
        if self.closed_by_writer() {
            self.eof = true;
            return Ok(());
        }
        // Step 4: the only await; its bytes are committed before any other
        // state changes (invariant 3). A close while it waits wakes it (the
        // shutdown makes the socket readable); whatever the socket then
        // says, EOF or a reset, the stream has simply ended.
        match self.source.read(&mut self.buf[self.end..]).await {
            Ok(0) => self.eof = true,
            Ok(n) => self.end += n,
            Err(_) if self.closed_by_writer() => self.eof = true,
            Err(error) => return Err(error),
        }
        Ok(())
    }
}

/// Where a reader's bytes come from.
enum Source {
    Socket(OwnedReadHalf),
    /// Scripted reads: each returns (up to the buffer's room) the next
    /// chunk; none left is end of stream. Never pending.
    #[cfg(any(test, fuzzing))]
    Chunks(std::collections::VecDeque<Vec<u8>>),
}

impl Source {
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Socket(half) => half.read(buf).await,
            #[cfg(any(test, fuzzing))]
            Source::Chunks(chunks) => {
                let Some(mut chunk) = chunks.pop_front() else {
                    return Ok(0);
                };
                let n = chunk.len().min(buf.len());
                buf[..n].copy_from_slice(&chunk[..n]);
                if n < chunk.len() {
                    chunks.push_front(chunk.split_off(n));
                }
                Ok(n)
            }
        }
    }
}

/// The offset of the first `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if let [byte] = needle {
        return haystack.iter().position(|b| b == byte);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl fmt::Debug for StreamReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamReader")
            .field("buffered", &(self.end - self.start))
            .field("eof", &self.eof)
            .field("limit", &self.limit)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn find_single_and_multi_byte() {
        assert_eq!(find(b"abc\n", b"\n"), Some(3));
        assert_eq!(find(b"abc", b"\n"), None);
        assert_eq!(find(b"a\r\n\r\nb", b"\r\n\r\n"), Some(1));
        assert_eq!(find(b"\r\n\r", b"\r\n\r\n"), None);
    }
}
