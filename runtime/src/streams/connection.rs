//! [`open_connection`] and the wrapping of a [`TcpStream`] into a
//! reader/writer pair.

use super::{StreamReader, StreamWriter, DEFAULT_LIMIT};
use crate::net::TcpStream;
use std::io;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Connects to `host:port` and returns the connection's reader and writer
/// (asyncio's `open_connection`). The host name resolves on the blocking
/// pool; the reader's line/separator limit is [`DEFAULT_LIMIT`].
///
/// ```
/// # runtime::run(async {
/// let error = runtime::streams::open_connection("127.0.0.1", 1).await.unwrap_err();
/// assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
/// # });
/// ```
///
/// # Errors
/// Those of [`TcpStream::connect`]: `ConnectionRefused`, `InvalidInput`
/// for a malformed host, a resolution failure.
pub async fn open_connection(host: &str, port: u16) -> io::Result<(StreamReader, StreamWriter)> {
    open_connection_with_limit(host, port, DEFAULT_LIMIT).await
}

/// [`open_connection`] with the reader's line/separator limit set to
/// `limit`.
///
/// # Errors
/// As [`open_connection`].
pub async fn open_connection_with_limit(
    host: &str,
    port: u16,
    limit: usize,
) -> io::Result<(StreamReader, StreamWriter)> {
    let stream = TcpStream::connect((host, port)).await?;
    from_tcp_stream(stream, limit)
}

/// Wraps a connected stream into a reader with line/separator limit
/// `limit` and a writer. Sets `TCP_NODELAY`, as asyncio does for every TCP
/// transport: writes are buffered here already.
///
/// # Errors
/// If the socket option cannot be set (the connection is broken).
///
/// # Panics
/// Outside a runtime.
pub fn from_tcp_stream(
    stream: TcpStream,
    limit: usize,
) -> io::Result<(StreamReader, StreamWriter)> {
    stream.set_nodelay(true)?;
    let (read, write) = stream.split();
    let closed = Arc::new(AtomicBool::new(false));
    Ok((
        StreamReader::new(read, limit, closed.clone()),
        StreamWriter::new(write, closed),
    ))
}
