//! Unix system calls used by `signal` and `process`: pipes, pidfds,
//! signal handlers.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicI32, Ordering::*};

/// Puts a file descriptor in non-blocking mode (for pipes, which `std`
/// offers no method for).
pub(crate) fn set_nonblocking(fd: BorrowedFd<'_>) -> io::Result<()> {
    let raw = fd.as_raw_fd();
    // SAFETY: fcntl on a descriptor we borrow; F_GETFL/F_SETFL only read
    // and change its status flags.
    unsafe {
        let flags = libc::fcntl(raw, libc::F_GETFL);
        if flags < 0 {
            return Err(io::Error::last_os_error());
        }
        if flags & libc::O_NONBLOCK == 0
            && libc::fcntl(raw, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0
        {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// A pipe whose ends are close-on-exec: (read, write).
pub(crate) fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 succeeded, so both are fresh descriptors we now own.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// A descriptor that becomes readable when process `pid` exits (Linux
/// 5.3+). `None` where the kernel lacks `pidfd_open`.
pub(crate) fn pidfd_open(pid: u32) -> Option<OwnedFd> {
    // SAFETY: a raw syscall with two integer arguments; on success it
    // returns a new descriptor that we own.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: as above.
    Some(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Sends `signal` to this process (for tests and examples).
pub(crate) fn raise(signal: i32) -> io::Result<()> {
    // SAFETY: kill(2) with our own pid; it has no memory arguments.
    if unsafe { libc::kill(libc::getpid(), signal) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Sends `signal` to the process `pid` (kill(2)).
pub(crate) fn send_signal(pid: u32, signal: i32) -> io::Result<()> {
    let pid = libc::pid_t::try_from(pid)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "pid out of range"))?;
    // SAFETY: kill(2) takes two integers and no memory.
    if unsafe { libc::kill(pid, signal) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Signals that cannot be caught, or whose handler must not return.
pub(crate) fn is_forbidden_signal(signal: i32) -> bool {
    matches!(
        signal,
        libc::SIGKILL | libc::SIGSTOP | libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE
    )
}

/// The highest signal number (real-time signals included).
pub(crate) fn max_signal() -> i32 {
    libc::SIGRTMAX()
}

/// Where the handler writes a byte for each signal (the self-pipe trick).
static HANDLER_PIPE: AtomicI32 = AtomicI32::new(-1);

/// Sets the descriptor the signal handler writes to. Call once, before
/// installing any handler.
pub(crate) fn set_handler_pipe(fd: RawFd) {
    HANDLER_PIPE.store(fd, SeqCst);
}

/// Installs `handler` for `signal` (SA_RESTART, so interrupted syscalls in
/// other threads resume).
pub(crate) fn install_handler(signal: i32, handler: extern "C" fn(libc::c_int)) -> io::Result<()> {
    // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value;
    // the handler only performs async-signal-safe operations (atomic stores
    // and write(2), see `signal/registry.rs`).
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler as usize;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(signal, &action, std::ptr::null_mut()) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Async-signal-safe: writes one byte to the handler pipe, keeping `errno`.
pub(crate) fn notify_from_handler() {
    let fd = HANDLER_PIPE.load(Relaxed);
    if fd < 0 {
        return;
    }
    // SAFETY: errno_location returns this thread's errno slot; write(2) on
    // the pipe descriptor is async-signal-safe, and a full pipe (EAGAIN)
    // just means a wake-up is already pending.
    unsafe {
        let errno = *libc::__errno_location();
        let byte = 1u8;
        libc::write(fd, (&byte as *const u8).cast(), 1);
        *libc::__errno_location() = errno;
    }
}
