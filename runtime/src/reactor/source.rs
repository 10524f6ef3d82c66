//! An I/O object registered with the reactor: a non-blocking std socket and
//! its [`Registration`], owned together.
//!
//! # Invariant
//! `registration` is declared before `io`, so it drops first: the fd is
//! deleted from its poller while it is still open, never after the kernel
//! may have reused its number for another file. [`Source::into_inner`]
//! keeps the same order by hand.
//!
//! # Operations
//! Every socket type in `runtime::net` is a `Source` of the matching std
//! type plus methods that run the std type's non-blocking syscalls through
//! the reactor's readiness protocol (`mod.rs`):
//! - `poll_read_io` / `poll_write_io`: for `poll_*` functions and the
//!   `&mut self` methods built on them (one waiting task per direction);
//! - `read_io` / `write_io`: futures for `&self` methods, any number of
//!   which may wait on one socket at once.

use super::{Direction, Registration};
use crate::scheduler::Placement;
use std::io;
use std::os::fd::AsFd;
use std::task::{Context, Poll};

/// A registered non-blocking I/O object.
pub(crate) struct Source<T: AsFd> {
    /// Dropped before `io` (see the module invariant).
    registration: Registration,
    io: T,
}

impl<T: AsFd> Source<T> {
    /// Registers `io`, which must already be in non-blocking mode, with the
    /// current worker's loop (or, off the workers, the least loaded one).
    /// On error `io` is dropped (closed).
    pub(crate) fn new(io: T) -> io::Result<Source<T>> {
        Self::with_placement(io, Placement::Current)
    }

    /// Like [`new`](Self::new), but always with the least loaded loop: for
    /// accepted connections, which should not all land on the accepting
    /// task's worker.
    pub(crate) fn new_spread(io: T) -> io::Result<Source<T>> {
        Self::with_placement(io, Placement::Spread)
    }

    fn with_placement(io: T, placement: Placement) -> io::Result<Source<T>> {
        // SAFETY: the module invariant: `registration` drops before `io`
        // (field order, and by hand in `into_inner`), so the fd is open for
        // as long as it is registered.
        let registration = unsafe { Registration::new(io.as_fd(), placement) }?;
        Ok(Source { registration, io })
    }

    pub(crate) fn get_ref(&self) -> &T {
        &self.io
    }

    /// The object, mutably. Swapping it for another (`mem::replace`)
    /// would leave the registration watching the old fd: callers must not.
    pub(crate) fn get_mut(&mut self) -> &mut T {
        &mut self.io
    }

    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<()>> {
        self.registration.poll_ready(cx, direction).map_ok(|_| ())
    }

    pub(crate) async fn ready(&self, direction: Direction) -> io::Result<()> {
        self.registration.ready(direction).await
    }

    /// Like `poll_read_io`/`poll_write_io`, with the object mutably.
    pub(crate) fn poll_io_mut<R>(
        &mut self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut op: impl FnMut(&mut T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let Source { registration, io } = self;
        registration.poll_io(cx, direction, || op(io))
    }

    /// Like `read_io`/`write_io`, with the object mutably.
    pub(crate) async fn io_mut<R>(
        &mut self,
        direction: Direction,
        mut op: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let Source { registration, io } = self;
        registration.io(direction, || op(io)).await
    }

    /// Events dispatched to this source so far.
    #[cfg(all(test, not(runtime_loom)))]
    pub(crate) fn events_seen(&self) -> usize {
        self.registration.io.events_seen()
    }

    /// Deregisters and hands the object back (still non-blocking).
    pub(crate) fn into_inner(self) -> T {
        let Source { registration, io } = self;
        drop(registration);
        io
    }

    pub(crate) fn poll_read_io<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(cx, Direction::Read, op)
    }

    pub(crate) fn poll_write_io<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(cx, Direction::Write, op)
    }

    /// A stream read or write of `len` bytes (see
    /// `Registration::poll_stream_io`: a short transfer clears readiness).
    pub(crate) fn poll_stream_io(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        len: usize,
        mut op: impl FnMut(&T) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.registration
            .poll_stream_io(cx, direction, len, || op(&self.io))
    }

    fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.registration.poll_io(cx, direction, || op(&self.io))
    }

    pub(crate) async fn io<R>(
        &self,
        direction: Direction,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.registration.io(direction, || op(&self.io)).await
    }

    pub(crate) async fn read_io<R>(
        &self,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.registration.io(Direction::Read, || op(&self.io)).await
    }

    pub(crate) async fn write_io<R>(
        &self,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.registration
            .io(Direction::Write, || op(&self.io))
            .await
    }
}

impl<T: AsFd + std::fmt::Debug> std::fmt::Debug for Source<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.io.fmt(f)
    }
}
