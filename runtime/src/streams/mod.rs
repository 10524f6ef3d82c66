//! asyncio's high-level stream API: connections as a buffered
//! [`StreamReader`] and [`StreamWriter`] pair.
//!
//! | asyncio | runtime |
//! |---|---|
//! | `await asyncio.open_connection(host, port)` | [`open_connection`]`(host, port).await?` |
//! | `await asyncio.start_server(cb, host, port)` | [`start_server`]`(handler, host, port).await?` |
//! | `await server.serve_forever()` / `server.close()` / `await server.wait_closed()` | [`Server::serve_forever`], [`Server::close`], [`Server::wait_closed`] |
//! | `await reader.read(n)` / `read()` | [`StreamReader::read`], [`StreamReader::read_to_end`] |
//! | `readline()`, `readexactly(n)`, `readuntil(sep)`, `at_eof()` | the same names on [`StreamReader`] |
//! | `IncompleteReadError`, `LimitOverrunError` | [`IncompleteReadError`], [`LimitOverrunError`], both in [`StreamError`] |
//! | `writer.write(data)` then `await writer.drain()` | [`StreamWriter::write`], [`StreamWriter::drain`] |
//! | `write_eof()`, `close()`, `await wait_closed()`, `is_closing()` | the same names on [`StreamWriter`] |
//! | `get_extra_info("peername")` | [`StreamWriter::peer_addr`] |
//! | `limit=` | [`open_connection_with_limit`], [`start_server_with_limit`] |
//!
//! Flow control is asyncio's: the reader reads from the socket only when a
//! method needs more bytes, and the writer's [`drain`](StreamWriter::drain)
//! waits while its buffer is above the high-water mark.
//!
//! # Layout
//! - `connection.rs`: [`open_connection`], [`from_tcp_stream`].
//! - `server.rs`: [`start_server`], [`Server`].
//! - `reader.rs`: [`StreamReader`] and its buffer.
//! - `writer.rs`: [`StreamWriter`], its buffer and background flusher.
//! - `error.rs`: [`StreamError`] and asyncio's two framing errors.

mod connection;
mod error;
#[cfg(any(test, fuzzing))]
pub(crate) mod model;
mod reader;
mod server;
mod writer;

pub use connection::{from_tcp_stream, open_connection, open_connection_with_limit};
pub use error::{IncompleteReadError, LimitOverrunError, StreamError};
pub use reader::StreamReader;
pub use server::{start_server, start_server_with_limit, Server};
pub use writer::{StreamWriter, DEFAULT_HIGH_WATER, DEFAULT_LOW_WATER};

/// The default limit of a [`StreamReader`]'s line or separator search:
/// 64 KiB, as asyncio's `_DEFAULT_LIMIT`.
pub const DEFAULT_LIMIT: usize = 64 * 1024;
