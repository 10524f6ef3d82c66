//! A bare epoll instance: the set of I/O sources one event loop owns.
//!
//! Each worker keeps its sockets here, not in the `polling::Poller` it
//! parks in, because of one difference that the stall hand-over rests on:
//! draining this set with [`SourceSet::drain`] is a single
//! `epoll_wait(.., 0)` that consumes nothing but source events, so *any*
//! thread may drain *any* worker's set at any time. A `Poller::wait`
//! instead also swallows the poller's wake-up notification and re-arms a
//! timerfd (five system calls), so only its owner may call it.
//!
//! The set is itself an fd that becomes readable while events are pending:
//! the owner's poller watches it (so a parked worker wakes for I/O), and
//! while a worker is stalled the other workers' pollers watch it too.
//!
//! # Delivery
//! Sources are registered edge-triggered. The kernel moves each ready
//! source off the set's ready list as one `epoll_wait` reports it, so two
//! threads draining at once never both receive the same edge, and an edge
//! stays queued until some drain takes it: none is lost.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// Events reported per `epoll_wait`; a fuller ready list is drained in
/// several calls.
const EVENTS_PER_DRAIN: usize = 256;

/// One worker's epoll set of I/O sources.
#[derive(Debug)]
pub(crate) struct SourceSet {
    epoll: OwnedFd,
}

/// What one event says about its source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Readiness {
    /// The key the source was registered with.
    pub(crate) key: usize,
    /// Readable, or an error or hang-up a read would report.
    pub(crate) readable: bool,
    /// Writable, or an error or hang-up a write would report.
    pub(crate) writable: bool,
    /// Hang-up (`EPOLLHUP`): both directions are done for good.
    pub(crate) hangup: bool,
    /// The peer shut down its writing half (`EPOLLRDHUP`): reads return
    /// what is left, then end-of-file, for good.
    pub(crate) read_closed: bool,
}

/// A buffer for the events of one drain, owned by the draining thread.
pub(crate) struct SourceEvents {
    list: Vec<libc::epoll_event>,
}

impl SourceSet {
    pub(crate) fn new() -> io::Result<SourceSet> {
        // SAFETY: a plain system call; the result is checked below.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        let epoll = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(SourceSet { epoll })
    }

    /// Registers `fd`, edge-triggered, for reading and writing.
    ///
    /// The caller must [`delete`](Self::delete) it before closing it (an
    /// fd number reused by another file would otherwise report as `key`);
    /// a stale event for a deleted source is harmless to the set itself.
    pub(crate) fn add(&self, fd: BorrowedFd<'_>, key: usize) -> io::Result<()> {
        let mut event = libc::epoll_event {
            events: (libc::EPOLLIN
                | libc::EPOLLPRI
                | libc::EPOLLOUT
                | libc::EPOLLRDHUP
                | libc::EPOLLET) as u32,
            u64: key as u64,
        };
        // SAFETY: both fds are open for the duration of the call and
        // `event` is a valid `epoll_event`.
        let rc = unsafe {
            libc::epoll_ctl(
                self.epoll.as_raw_fd(),
                libc::EPOLL_CTL_ADD,
                fd.as_raw_fd(),
                &mut event,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Removes `fd` from the set.
    pub(crate) fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        // SAFETY: both fds are open; a null event is allowed for DEL since
        // Linux 2.6.9.
        let rc = unsafe {
            libc::epoll_ctl(
                self.epoll.as_raw_fd(),
                libc::EPOLL_CTL_DEL,
                fd.as_raw_fd(),
                std::ptr::null_mut(),
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Takes the pending events without blocking (one `epoll_wait` with a
    /// zero timeout). Safe to call from any thread, concurrently with other
    /// drains: each event goes to exactly one caller.
    ///
    /// Returns true if `events` is full, in which case more may be pending.
    pub(crate) fn drain(&self, events: &mut SourceEvents) -> io::Result<bool> {
        events.list.clear();
        let capacity = events.list.capacity();
        // SAFETY: the kernel writes at most `capacity` events into the
        // vector's spare capacity, and we set the length to what it wrote.
        let n = unsafe {
            libc::epoll_wait(
                self.epoll.as_raw_fd(),
                events.list.as_mut_ptr(),
                capacity as libc::c_int,
                0,
            )
        };
        if n < 0 {
            let error = io::Error::last_os_error();
            return match error.kind() {
                io::ErrorKind::Interrupted => Ok(false),
                _ => Err(error),
            };
        }
        // SAFETY: `n <= capacity` events were initialised by the kernel.
        unsafe { events.list.set_len(n as usize) };
        Ok(n as usize == capacity)
    }
}

impl AsFd for SourceSet {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.epoll.as_fd()
    }
}

impl AsRawFd for SourceSet {
    fn as_raw_fd(&self) -> RawFd {
        self.epoll.as_raw_fd()
    }
}

impl SourceEvents {
    pub(crate) fn new() -> SourceEvents {
        SourceEvents {
            list: Vec::with_capacity(EVENTS_PER_DRAIN),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The events of the last drain.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Readiness> + '_ {
        const READ: u32 =
            (libc::EPOLLIN | libc::EPOLLPRI | libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR)
                as u32;
        const WRITE: u32 = (libc::EPOLLOUT | libc::EPOLLHUP | libc::EPOLLERR) as u32;
        self.list.iter().map(|event| {
            let flags = event.events;
            Readiness {
                key: event.u64 as usize,
                readable: flags & READ != 0,
                writable: flags & WRITE != 0,
                hangup: flags & libc::EPOLLHUP as u32 != 0,
                read_closed: flags & libc::EPOLLRDHUP as u32 != 0,
            }
        })
    }
}

impl std::fmt::Debug for SourceEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceEvents")
            .field("len", &self.list.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    #[test]
    fn each_edge_goes_to_one_drain_and_none_is_lost() {
        let set = SourceSet::new().unwrap();
        let (mut a, b) = UnixStream::pair().unwrap();
        b.set_nonblocking(true).unwrap();
        set.add(b.as_fd(), 7).unwrap();
        let mut events = SourceEvents::new();
        // A new source is writable: one edge.
        set.drain(&mut events).unwrap();
        let first: Vec<_> = events.iter().collect();
        assert_eq!(first.len(), 1);
        assert!(first[0].writable && first[0].key == 7);
        // Taken: a second drain sees nothing until a new edge.
        set.drain(&mut events).unwrap();
        assert!(events.is_empty());
        a.write_all(b"x").unwrap();
        set.drain(&mut events).unwrap();
        let second: Vec<_> = events.iter().collect();
        assert!(second.len() == 1 && second[0].readable && !second[0].hangup);
        drop(a);
        set.drain(&mut events).unwrap();
        let third: Vec<_> = events.iter().collect();
        assert!(third.len() == 1 && third[0].hangup);
        set.delete(b.as_fd()).unwrap();
    }
}
