//! Unix specifics: error codes and Unix domain sockets.

pub(crate) mod net;

use std::io;

/// `EINPROGRESS`: a non-blocking `connect` has started and will report its
/// outcome through writability and `SO_ERROR`. (`io::ErrorKind::InProgress`
/// is not stable yet.)
pub(crate) fn connect_in_progress(error: &io::Error) -> bool {
    error.raw_os_error() == Some(libc::EINPROGRESS)
}
