//! Types that come with [`TcpListener`](listener::TcpListener) and
//! [`TcpStream`]: the owned halves of a split
//! stream and the stream of incoming connections.
//!
//! - `listener.rs`: binding, accepting, [`Incoming`].
//! - `stream.rs`: connecting, socket options, half-close.
//! - `split.rs`: [`OwnedReadHalf`] and [`OwnedWriteHalf`].

pub(crate) mod listener;
mod split;
pub(crate) mod stream;

pub use listener::{Incoming, LISTEN_BACKLOG};
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};

use stream::TcpStream;
