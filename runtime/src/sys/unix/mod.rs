//! Unix specifics: error codes, Unix domain sockets, the epoll set of each
//! event loop's I/O sources, and the system calls behind signals and child
//! processes.

mod epoll;
pub(crate) mod net;
mod os;

pub(crate) use epoll::{Readiness, SourceEvents, SourceSet};
pub(crate) use os::*;

use std::io;

/// `EINPROGRESS`: a non-blocking `connect` has started and will report its
/// outcome through writability and `SO_ERROR`. (`io::ErrorKind::InProgress`
/// is not stable yet.)
pub(crate) fn connect_in_progress(error: &io::Error) -> bool {
    error.raw_os_error() == Some(libc::EINPROGRESS)
}
