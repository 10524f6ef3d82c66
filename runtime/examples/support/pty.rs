//! A pseudo-terminal pair standing in for a serial line (the tutorials
//! open `/dev/ttyUSB0`; there is no device here): the *slave* end is
//! opened by path like a serial port, in raw mode, and put on the event
//! loop with `runtime::io::Async`; the *master* end plays the device.

#![allow(dead_code)] // each example uses part of it

use runtime::io::Async;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The device's end of a new pty, and the path of the port end.
pub struct Device {
    pub end: Async<File>,
    pub port_path: PathBuf,
    /// The port end as opened here: held so the line stays up, with its
    /// data, until the device is unplugged.
    pub port: OwnedFd,
}

/// Opens a pty pair: returns the device end on the loop, and the path a
/// program opens as its serial port.
pub fn device() -> io::Result<Device> {
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: openpty writes two fds into the out-parameters; the null
    // pointers ask for no name, no termios and no window size.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: openpty succeeded: both are fresh fds that we now own.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    set_raw(&slave)?;
    let port_path = std::fs::read_link(format!("/proc/self/fd/{}", slave.as_raw_fd()))?;
    Ok(Device {
        end: Async::new(File::from(master))?,
        port_path,
        port: slave,
    })
}

/// `serial_asyncio.create_serial_connection(...)`: opens `path` as a
/// serial port (non-blocking, not our controlling terminal), raw (no echo,
/// no line editing, no newline translation), on the event loop.
pub fn open_port(path: &Path) -> io::Result<Async<File>> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY | libc::O_NONBLOCK)
        .open(path)?;
    set_raw(&file)?;
    Async::new(file)
}

/// A terminal in raw mode, as a serial line is: bytes pass unchanged.
fn set_raw(fd: &impl AsRawFd) -> io::Result<()> {
    // SAFETY: termios is plain data; tcgetattr fills it before use.
    let mut termios: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: a valid fd and a termios to fill / read.
    unsafe {
        if libc::tcgetattr(fd.as_raw_fd(), &mut termios) != 0 {
            return Err(io::Error::last_os_error());
        }
        libc::cfmakeraw(&mut termios);
        if libc::tcsetattr(fd.as_raw_fd(), libc::TCSANOW, &termios) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// A read from a tty whose other end is gone fails with `EIO` on Linux:
/// for a serial port, that is the device vanishing, as end of stream is.
pub fn vanished(result: &io::Result<usize>) -> bool {
    match result {
        Ok(0) => true,
        Ok(_) => false,
        Err(error) => error.raw_os_error() == Some(libc::EIO),
    }
}
