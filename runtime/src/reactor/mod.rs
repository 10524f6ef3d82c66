//! The reactor: readiness of I/O sources, delivered by each worker's poller.
//!
//! # Design
//! Every worker owns a *source set* (`sys::SourceSet`, an epoll instance)
//! that its parking poller watches, so an idle runtime sleeps in one `wait`
//! per worker and a readiness event wakes the worker that owns the source.
//!
//! - A source joins one worker's set for its whole life, in
//!   **edge-triggered** mode: one `epoll_ctl`, no re-arming per operation.
//!   Which set: see `Shared::io_worker` — a task's own sockets join its
//!   current worker; accepted connections and sockets made on plain threads
//!   are spread to the loop with the fewest sources.
//! - Its [`ScheduledIo`] keeps a readiness word and the waker of the task
//!   waiting to read and of the one waiting to write. Whoever drains the
//!   set ([`IoDriver::poll`]) turns events into readiness bits and wakes
//!   those tasks — wherever they have been stolen to.
//! - The owning worker drains its set when its poller reports it, when its
//!   queues run dry, and about every millisecond while busy. While it is
//!   stalled, the other workers drain it (`scheduler/monitor.rs`): any
//!   thread may drain any set at any time, because the kernel hands each
//!   edge to exactly one `epoll_wait` and setting readiness is idempotent.
//!
//! # The readiness protocol
//! 1. An operation first asks [`Registration::poll_ready`]: if the
//!    direction's bit is set, it tries the syscall.
//! 2. `WouldBlock`: [`Registration::clear_readiness`] clears the bit — only
//!    if no event arrived since the bit was read (the `tick` in the word
//!    changes on every event), so a readiness edge is never lost.
//! 3. `poll_ready` finding the bit clear stores the task's waker under the
//!    source's lock, then re-reads the bit; the dispatcher sets bits
//!    *before* taking wakers under the same lock. Either the task sees the
//!    bit, or the dispatcher sees the waker.
//! 4. A new source starts out readable and writable (an optimistic first
//!    try is just a syscall that may say `WouldBlock`), so no edge that
//!    happened before registration can be missed.
//!
//! Waiting tasks: `poll_io` (the `poll_*` functions, one task per direction
//! by `&mut` access) uses one waker slot per direction; `io` (futures of
//! `&self` methods, any number per direction) uses a slot per future, and
//! an event wakes them all (`scheduled_io.rs`, "Waiters").
//!
//! # Shutdown
//! When the runtime shuts down, every registered source is marked shut
//! down and its waiters woken; further operations fail with an error that
//! says so.

mod scheduled_io;
mod source;

pub(crate) use scheduled_io::{Direction, ReadyEvent, ScheduledIo};
pub(crate) use source::Source;

use crate::scheduler::{Placement, Shared};
use crate::sys::{SourceEvents, SourceSet};
use parking_lot::Mutex;
use slab::Slab;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// Keys carry a generation above this many bits, so an event for a source
/// that was just deregistered cannot be mistaken for its slot's next owner.
const KEY_INDEX_BITS: u32 = 24;
const KEY_INDEX_MASK: usize = (1 << KEY_INDEX_BITS) - 1;

/// Drains of a full event buffer in a row before a drainer returns to its
/// loop: bounded so that a flood of readiness cannot keep one worker from
/// its queues, large enough that a burst is taken in one go.
const MAX_DRAINS_PER_POLL: usize = 4;

/// One worker's registered sources.
pub(crate) struct IoDriver {
    set: SourceSet,
    sources: Mutex<Slab<Entry>>,
    /// How many sources are registered: the busy loop polls only when > 0.
    registered: AtomicUsize,
    next_generation: AtomicUsize,
}

struct Entry {
    generation: usize,
    io: Arc<ScheduledIo>,
}

impl IoDriver {
    pub(crate) fn new() -> io::Result<IoDriver> {
        Ok(IoDriver {
            set: SourceSet::new()?,
            sources: Mutex::new(Slab::new()),
            registered: AtomicUsize::new(0),
            next_generation: AtomicUsize::new(0),
        })
    }

    /// The epoll set, for pollers to watch.
    pub(crate) fn source_set(&self) -> &SourceSet {
        &self.set
    }

    pub(crate) fn has_sources(&self) -> bool {
        self.registered.load(Relaxed) > 0
    }

    pub(crate) fn num_sources(&self) -> usize {
        self.registered.load(Relaxed)
    }

    /// Takes the pending events without blocking and wakes their tasks;
    /// true if there were any. Any thread may call this at any time.
    pub(crate) fn poll(&self, events: &mut SourceEvents) -> bool {
        let mut any = false;
        for _ in 0..MAX_DRAINS_PER_POLL {
            let more = match self.set.drain(events) {
                Ok(more) => more,
                Err(error) => {
                    tracing::error!(%error, "draining an I/O source set failed");
                    false
                }
            };
            if events.is_empty() {
                break;
            }
            any = true;
            self.dispatch(events);
            if !more {
                break;
            }
        }
        any
    }

    /// Turns drained events into readiness and wakes the waiting tasks.
    fn dispatch(&self, events: &SourceEvents) {
        let mut wakers: Vec<Waker> = Vec::new();
        {
            let sources = self.sources.lock();
            for event in events.iter() {
                let index = event.key & KEY_INDEX_MASK;
                let generation = event.key >> KEY_INDEX_BITS;
                let Some(entry) = sources.get(index) else {
                    continue;
                };
                if entry.generation != generation {
                    continue; // a stale event for a deregistered source
                }
                entry.io.set_readiness(event, &mut wakers);
            }
        }
        crate::contain::wake_all(wakers);
    }

    /// Fails every source's pending and future operations (runtime shutdown).
    pub(crate) fn shutdown(&self) {
        let mut wakers = Vec::new();
        for (_, entry) in self.sources.lock().iter() {
            entry.io.shutdown(&mut wakers);
        }
        crate::contain::wake_all(wakers);
    }
}

/// A source's registration with a worker's poller. Owned by the I/O object;
/// dropping it deregisters the source (before the fd is closed).
pub(crate) struct Registration {
    shared: Arc<Shared>,
    worker: usize,
    key: usize,
    fd: RawFd,
    io: Arc<ScheduledIo>,
}

impl Registration {
    /// Registers `fd` (already non-blocking) with the current runtime, in
    /// the source set of the loop `placement` picks.
    ///
    /// # Errors
    /// Outside a runtime, after it shut down, or if epoll refuses the fd
    /// (a regular file, for one).
    ///
    /// # Safety
    /// `fd` stays open until the registration is dropped: its `Drop`
    /// deletes the fd from the source set by number, and a number closed
    /// and reused by another file would delete (or leave behind) the wrong
    /// registration. [`Source`] is the one owner that upholds this.
    pub(crate) unsafe fn new(fd: BorrowedFd<'_>, placement: Placement) -> io::Result<Registration> {
        let Some(handle) = crate::context::try_handle() else {
            return Err(no_runtime_error());
        };
        let shared = handle.shared().clone();
        if shared.is_shutdown() {
            return Err(shutdown_error());
        }
        let worker = shared.io_worker(placement);
        let driver = &shared.remotes[worker].io;
        let io = Arc::new(ScheduledIo::new());
        let key = {
            let mut sources = driver.sources.lock();
            let generation =
                driver.next_generation.fetch_add(1, Relaxed) & (usize::MAX >> KEY_INDEX_BITS);
            let index = sources.insert(Entry {
                generation,
                io: io.clone(),
            });
            if shared.is_shutdown() {
                // Shutdown sets its flag before failing the sources under
                // this lock: it either saw this entry, or we see the flag.
                io.shutdown(&mut Vec::new());
            }
            if index > KEY_INDEX_MASK {
                sources.remove(index);
                return Err(io::Error::other(
                    "too many I/O sources registered with one worker",
                ));
            }
            index | (generation << KEY_INDEX_BITS)
        };
        // The source is deleted from the set in `Drop`, before the I/O
        // object that owns this registration closes the fd.
        if let Err(error) = driver.set.add(fd, key) {
            driver.sources.lock().remove(key & KEY_INDEX_MASK);
            return Err(error);
        }
        driver.registered.fetch_add(1, Relaxed);
        Ok(Registration {
            shared,
            worker,
            key,
            fd: fd.as_raw_fd(),
            io,
        })
    }

    /// Waits until the source may be ready in `direction`.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        self.io.poll_ready(cx, direction)
    }

    /// The operation said `WouldBlock`: forget the readiness it was tried on.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        self.io.clear_readiness(event);
    }

    /// Runs a non-blocking operation, waiting for readiness whenever it says
    /// `WouldBlock`.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io_until_drained(cx, direction, op, |_| false)
    }

    /// [`poll_io`](Self::poll_io) for a read or write of `len` bytes on a
    /// stream (TCP, Unix stream): a transfer of fewer bytes than asked
    /// emptied the kernel's receive buffer, or filled its send buffer, so
    /// the readiness it ran on is cleared at once — the next call waits
    /// for the next edge instead of paying a `recv`/`send` syscall to hear
    /// `WouldBlock` (tokio's rule on epoll; one syscall per request less
    /// on a keep-alive HTTP server). An event that came after the one seen
    /// keeps its readiness (the tick check in `clear_readiness`), data
    /// arriving after the short transfer raises a new edge, and a FIN is
    /// final (`READ_CLOSED`), so nothing is missed. Not for datagram
    /// sockets, where a short read says nothing about what is queued.
    pub(crate) fn poll_stream_io(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        len: usize,
        op: impl FnMut() -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.poll_io_until_drained(cx, direction, op, |&n| n > 0 && n < len)
    }

    /// The loop of both: `drained(&output)` says the operation left no
    /// readiness behind (as a `WouldBlock` would have).
    fn poll_io_until_drained<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut op: impl FnMut() -> io::Result<R>,
        drained: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        loop {
            let event = std::task::ready!(self.poll_ready(cx, direction))?;
            match op() {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    self.clear_readiness(event);
                }
                result => {
                    if result.as_ref().is_ok_and(&drained) {
                        self.clear_readiness(event);
                    }
                    coop.made_progress();
                    return Poll::Ready(result);
                }
            }
        }
    }

    /// Runs `op` once the source is ready, for callers that are not in a
    /// poll function. Any number of these futures may wait on one source
    /// and direction at once (the `&self` methods of a socket shared
    /// between tasks): each has its own waiter slot, freed when it drops.
    /// Waits until the source may be ready in `direction`, without
    /// consuming the readiness (the next operation's `WouldBlock` does).
    /// Any number of callers may wait at once.
    pub(crate) async fn ready(&self, direction: Direction) -> io::Result<()> {
        let mut waiter = SharedWaiter {
            io: &self.io,
            direction,
            key: None,
        };
        std::future::poll_fn(|cx| {
            self.io
                .poll_ready_shared(cx, direction, &mut waiter.key)
                .map_ok(|_| ())
        })
        .await
    }

    pub(crate) async fn io<R>(
        &self,
        direction: Direction,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        let mut waiter = SharedWaiter {
            io: &self.io,
            direction,
            key: None,
        };
        std::future::poll_fn(|cx| {
            let coop = std::task::ready!(crate::coop::poll_proceed(cx));
            loop {
                let event =
                    std::task::ready!(self.io.poll_ready_shared(cx, direction, &mut waiter.key))?;
                match op() {
                    Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                        self.clear_readiness(event);
                    }
                    result => {
                        coop.made_progress();
                        return Poll::Ready(result);
                    }
                }
            }
        })
        .await
    }
}

/// The waiter slot of one [`Registration::io`] future, freed on drop.
struct SharedWaiter<'a> {
    io: &'a ScheduledIo,
    direction: Direction,
    key: Option<usize>,
}

impl Drop for SharedWaiter<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.io.remove_waiter(self.direction, key);
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let remote = &self.shared.remotes[self.worker];
        // SAFETY: the fd is still open: the owning I/O object closes it only
        // after dropping this registration.
        let fd = unsafe { BorrowedFd::borrow_raw(self.fd) };
        if let Err(error) = remote.io.set.delete(fd) {
            tracing::debug!(%error, "failed to deregister an I/O source");
        }
        remote
            .io
            .sources
            .lock()
            .try_remove(self.key & KEY_INDEX_MASK);
        remote.io.registered.fetch_sub(1, Relaxed);
        // Drop any stored wakers now rather than with the last Arc.
        self.io.clear_wakers();
    }
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("worker", &self.worker)
            .field("fd", &self.fd)
            .finish_non_exhaustive()
    }
}

/// The error for creating an I/O object on a thread with no runtime.
pub(crate) fn no_runtime_error() -> io::Error {
    io::Error::other(
        "I/O objects must be created inside a runtime (in a task or block_on): \
         there is no current runtime on this thread",
    )
}

pub(crate) fn shutdown_error() -> io::Error {
    io::Error::other("the runtime this I/O object belongs to has shut down")
}
