//! One source's readiness and waiting tasks (see the protocol in `mod.rs`).
//!
//! # The readiness word
//! Bits 0–3: `READABLE`, `WRITABLE`, `READ_CLOSED`, `WRITE_CLOSED`;
//! bit 4: `SHUTDOWN`; bits 16 and up: a tick incremented by every event, so
//! clearing readiness observed at tick `t` is a no-op if an event came after.
//!
//! `READABLE`/`WRITABLE` are cleared by an operation that says `WouldBlock`,
//! and by a stream transfer shorter than asked (`Registration::poll_stream_io`).
//! The closed bits are final: both are set by a hang-up (`EPOLLHUP`: both
//! directions shut down, a reset, a failed connect), `READ_CLOSED` alone
//! by the peer shutting down its writing half (`EPOLLRDHUP`), after which
//! no operation in that direction can block again. `READ_CLOSED` must be
//! final for the short-read rule: data and the peer's FIN can come in one
//! edge, and the short read that takes the data clears `READABLE` with no
//! edge left to come. An error event (`EPOLLERR`: a refused
//! connect, an ICMP "port unreachable" queued on a UDP socket) is *not*
//! final: reading the error clears it, and the next operation may well say
//! `WouldBlock`, so it only sets the clearable bits — were it sticky, that
//! operation would retry forever inside one poll.
//!
//! # Waiters
//! Each direction has two kinds of waiter:
//! - one *owner* slot, for `poll_*` functions (`AsyncRead::poll_read` and
//!   the `&mut self` methods built on them): one task at a time can hold
//!   `&mut` access to a direction, so one slot suffices and costs no
//!   allocation;
//! - a slab of *shared* waiters, for futures of `&self` operations
//!   (`accept`, `recv_from`, `send_to`): any number of tasks may wait on
//!   one socket at once, and each must be woken — a single slot would keep
//!   only the last one and strand the rest. Each future owns its slab slot
//!   and frees it when dropped ([`ScheduledIo::remove_waiter`]).

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;
use crate::sys::Readiness;
use slab::Slab;
use std::io;
use std::task::{Context, Poll, Waker};

const READABLE: usize = 1 << 0;
const WRITABLE: usize = 1 << 1;
const READ_CLOSED: usize = 1 << 2;
const WRITE_CLOSED: usize = 1 << 3;
const SHUTDOWN: usize = 1 << 4;
#[cfg(all(test, not(runtime_loom)))]
const READINESS_MASK: usize = READABLE | WRITABLE | READ_CLOSED | WRITE_CLOSED;
const TICK_SHIFT: u32 = 16;
const TICK_ONE: usize = 1 << TICK_SHIFT;

/// Which way an operation goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    /// The bits that let an operation in this direction proceed: closed
    /// counts as ready, so the syscall reports EOF or the error.
    fn mask(self) -> usize {
        match self {
            Direction::Read => READABLE | READ_CLOSED,
            Direction::Write => WRITABLE | WRITE_CLOSED,
        }
    }
}

/// Readiness observed by `poll_ready`, to be cleared on `WouldBlock`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadyEvent {
    tick: usize,
    bits: usize,
}

#[derive(Default)]
struct Waiters {
    /// The owner slot of each direction (`poll_ready`).
    reader: Option<Waker>,
    writer: Option<Waker>,
    /// Shared waiters of each direction (`poll_ready_shared`); an entry is
    /// `None` after its waker was taken and until its future polls again.
    shared_readers: Slab<Option<Waker>>,
    shared_writers: Slab<Option<Waker>>,
}

impl Waiters {
    fn owner(&mut self, direction: Direction) -> &mut Option<Waker> {
        match direction {
            Direction::Read => &mut self.reader,
            Direction::Write => &mut self.writer,
        }
    }

    fn shared(&mut self, direction: Direction) -> &mut Slab<Option<Waker>> {
        match direction {
            Direction::Read => &mut self.shared_readers,
            Direction::Write => &mut self.shared_writers,
        }
    }

    /// Moves every waker of `direction` into `wakers`.
    fn take_all(&mut self, direction: Direction, wakers: &mut Vec<Waker>) {
        wakers.extend(self.owner(direction).take());
        for (_, slot) in self.shared(direction).iter_mut() {
            wakers.extend(slot.take());
        }
    }
}

pub(crate) struct ScheduledIo {
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
}

impl ScheduledIo {
    pub(crate) fn new() -> ScheduledIo {
        ScheduledIo {
            // Optimistic: protocol step 4.
            readiness: AtomicUsize::new(READABLE | WRITABLE),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    /// Called by whoever drains the source set, for each event (protocol
    /// step 3: bits first, then the wakers under the lock).
    pub(crate) fn set_readiness(&self, event: Readiness, wakers: &mut Vec<Waker>) {
        let mut bits = 0;
        if event.readable {
            bits |= READABLE;
        }
        if event.writable {
            bits |= WRITABLE;
        }
        if event.hangup {
            // Hang-up: final, both directions proceed for good and the
            // syscalls report EOF or the error. An error event without a
            // hang-up is transient (see the module docs); it is reported as
            // readable and writable, which is all it needs.
            bits |= READ_CLOSED | WRITE_CLOSED;
        }
        if event.read_closed {
            bits |= READ_CLOSED;
        }
        if bits == 0 {
            return;
        }
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |curr| {
            Some((curr | bits).wrapping_add(TICK_ONE))
        });
        let mut waiters = self.waiters.lock();
        for direction in [Direction::Read, Direction::Write] {
            if bits & direction.mask() != 0 {
                waiters.take_all(direction, wakers);
            }
        }
    }

    pub(crate) fn shutdown(&self, wakers: &mut Vec<Waker>) {
        self.readiness.fetch_or(SHUTDOWN, AcqRel);
        let mut waiters = self.waiters.lock();
        waiters.take_all(Direction::Read, wakers);
        waiters.take_all(Direction::Write, wakers);
    }

    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(ready) = self.ready(direction) {
            return Poll::Ready(ready);
        }
        let mut waiters = self.waiters.lock();
        store_waker(waiters.owner(direction), cx);
        // Re-check under the lock (protocol step 3).
        match self.ready(direction) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    /// Like [`poll_ready`](Self::poll_ready), for one of possibly many
    /// futures waiting on this direction at once: the waker goes to the
    /// slab slot `key` (allocated on first use), which the future frees
    /// with [`remove_waiter`](Self::remove_waiter) when it is dropped.
    pub(crate) fn poll_ready_shared(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        key: &mut Option<usize>,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(ready) = self.ready(direction) {
            return Poll::Ready(ready);
        }
        let mut waiters = self.waiters.lock();
        let shared = waiters.shared(direction);
        match key.and_then(|key| shared.get_mut(key)) {
            Some(slot) => store_waker(slot, cx),
            None => *key = Some(shared.insert(Some(cx.waker().clone()))),
        }
        // Re-check under the lock (protocol step 3).
        match self.ready(direction) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    /// Frees a shared waiter's slot (its future is being dropped).
    pub(crate) fn remove_waiter(&self, direction: Direction, key: usize) {
        self.waiters.lock().shared(direction).try_remove(key);
    }

    fn ready(&self, direction: Direction) -> Option<io::Result<ReadyEvent>> {
        let curr = self.readiness.load(Acquire);
        if curr & SHUTDOWN != 0 {
            return Some(Err(super::shutdown_error()));
        }
        let bits = curr & direction.mask();
        (bits != 0).then_some(Ok(ReadyEvent {
            tick: curr >> TICK_SHIFT,
            bits,
        }))
    }

    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        // Closed bits stay: a closed direction stays ready for good.
        let clear = event.bits & (READABLE | WRITABLE);
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |curr| {
            (curr >> TICK_SHIFT == event.tick).then_some(curr & !clear)
        });
    }

    pub(crate) fn clear_wakers(&self) {
        let mut waiters = self.waiters.lock();
        waiters.reader = None;
        waiters.writer = None;
        for (_, slot) in waiters.shared_readers.iter_mut() {
            *slot = None;
        }
        for (_, slot) in waiters.shared_writers.iter_mut() {
            *slot = None;
        }
    }

    #[cfg(all(test, not(runtime_loom)))]
    fn bits(&self) -> usize {
        self.readiness.load(Acquire) & READINESS_MASK
    }

    /// Events dispatched to this source so far (the tick).
    #[cfg(all(test, not(runtime_loom)))]
    pub(crate) fn events_seen(&self) -> usize {
        self.readiness.load(Acquire) >> TICK_SHIFT
    }
}

/// Keeps `slot`'s waker if it would wake the same task, else replaces it.
fn store_waker(slot: &mut Option<Waker>, cx: &Context<'_>) {
    match slot {
        Some(existing) if existing.will_wake(cx.waker()) => {}
        _ => *slot = Some(cx.waker().clone()),
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;

    /// A new source (which starts ready both ways) after an operation in
    /// each direction said `WouldBlock`.
    fn not_ready() -> ScheduledIo {
        let io = ScheduledIo::new();
        let mut cx = Context::from_waker(Waker::noop());
        for direction in [Direction::Read, Direction::Write] {
            let Poll::Ready(Ok(ev)) = io.poll_ready(&mut cx, direction) else {
                panic!("new sources start ready")
            };
            io.clear_readiness(ev);
            assert!(io.poll_ready(&mut cx, direction).is_pending());
        }
        io
    }

    fn readable() -> Readiness {
        Readiness {
            readable: true,
            ..Readiness::default()
        }
    }

    #[test]
    fn a_stale_clear_does_not_lose_a_newer_event() {
        let io = ScheduledIo::new();
        let mut cx = Context::from_waker(Waker::noop());
        let Poll::Ready(Ok(seen)) = io.poll_ready(&mut cx, Direction::Read) else {
            panic!("new sources start readable")
        };
        // An event arrives between the read attempt and its WouldBlock.
        let mut wakers = Vec::new();
        io.set_readiness(readable(), &mut wakers);
        io.clear_readiness(seen);
        assert_eq!(io.bits() & READABLE, READABLE, "the newer edge survives");
        // A clear at the current tick does clear.
        let Poll::Ready(Ok(now)) = io.poll_ready(&mut cx, Direction::Read) else {
            panic!()
        };
        io.clear_readiness(now);
        assert_eq!(io.bits() & READABLE, 0);
        assert!(io.poll_ready(&mut cx, Direction::Read).is_pending());
    }

    /// The peer's FIN (`EPOLLRDHUP`) is final for reads: the short read
    /// that takes the data sent with it clears `READABLE`, and no edge is
    /// left to come for the end-of-file already queued.
    #[test]
    fn a_read_hang_up_survives_the_clear_of_a_short_read() {
        let io = not_ready();
        let mut cx = Context::from_waker(Waker::noop());
        let mut wakers = Vec::new();
        let fin = Readiness {
            readable: true,
            read_closed: true,
            ..Readiness::default()
        };
        io.set_readiness(fin, &mut wakers);
        let Poll::Ready(Ok(seen)) = io.poll_ready(&mut cx, Direction::Read) else {
            panic!("data and FIN make the source readable")
        };
        io.clear_readiness(seen); // the short read of the data
        assert!(
            io.poll_ready(&mut cx, Direction::Read).is_ready(),
            "the end-of-file must still be read"
        );
        assert!(
            io.poll_ready(&mut cx, Direction::Write).is_pending(),
            "a half close leaves our writing half alone"
        );
    }

    #[test]
    fn events_wake_only_their_direction() {
        let io = not_ready();
        let mut cx = Context::from_waker(Waker::noop());
        let mut wakers = Vec::new();
        io.set_readiness(
            Readiness {
                writable: true,
                ..Readiness::default()
            },
            &mut wakers,
        );
        assert_eq!(wakers.len(), 1, "only the writer is woken");
        assert!(io.poll_ready(&mut cx, Direction::Read).is_pending());
        assert!(io.poll_ready(&mut cx, Direction::Write).is_ready());
    }

    #[test]
    fn shutdown_fails_waiters() {
        let io = ScheduledIo::new();
        let mut cx = Context::from_waker(Waker::noop());
        let Poll::Ready(Ok(ev)) = io.poll_ready(&mut cx, Direction::Read) else {
            panic!()
        };
        io.clear_readiness(ev);
        assert!(io.poll_ready(&mut cx, Direction::Read).is_pending());
        let mut wakers = Vec::new();
        io.shutdown(&mut wakers);
        assert_eq!(wakers.len(), 1);
        assert!(matches!(
            io.poll_ready(&mut cx, Direction::Read),
            Poll::Ready(Err(_))
        ));
    }

    /// A waker that counts its wake-ups.
    struct Count(std::sync::atomic::AtomicUsize);

    impl std::task::Wake for Count {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    fn counting_waker() -> (Waker, std::sync::Arc<Count>) {
        let count = std::sync::Arc::new(Count(std::sync::atomic::AtomicUsize::new(0)));
        (Waker::from(count.clone()), count)
    }

    fn make_not_ready(io: &ScheduledIo, direction: Direction) {
        let mut cx = Context::from_waker(Waker::noop());
        let Poll::Ready(Ok(ev)) = io.poll_ready(&mut cx, direction) else {
            panic!("expected readiness")
        };
        io.clear_readiness(ev);
    }

    #[test]
    fn every_shared_waiter_is_woken() {
        let io = ScheduledIo::new();
        make_not_ready(&io, Direction::Read);
        let waiters: Vec<_> = (0..3).map(|_| counting_waker()).collect();
        let mut keys = vec![None; waiters.len()];
        for ((waker, _), key) in waiters.iter().zip(&mut keys) {
            let mut cx = Context::from_waker(waker);
            assert!(io
                .poll_ready_shared(&mut cx, Direction::Read, key)
                .is_pending());
        }
        // The owner slot is separate and woken too.
        let (owner, owner_count) = counting_waker();
        assert!(io
            .poll_ready(&mut Context::from_waker(&owner), Direction::Read)
            .is_pending());
        let mut wakers = Vec::new();
        io.set_readiness(readable(), &mut wakers);
        assert_eq!(wakers.len(), 4);
        wakers.into_iter().for_each(Waker::wake);
        for (_, count) in &waiters {
            assert_eq!(count.0.load(SeqCst), 1);
        }
        assert_eq!(owner_count.0.load(SeqCst), 1);
        // A removed waiter is not woken again; the others re-register.
        make_not_ready(&io, Direction::Read);
        io.remove_waiter(Direction::Read, keys[0].unwrap());
        for ((waker, _), key) in waiters.iter().zip(&mut keys).skip(1) {
            let mut cx = Context::from_waker(waker);
            assert!(io
                .poll_ready_shared(&mut cx, Direction::Read, key)
                .is_pending());
        }
        let mut wakers = Vec::new();
        io.set_readiness(readable(), &mut wakers);
        assert_eq!(wakers.len(), 2);
    }

    #[test]
    fn a_hang_up_is_final() {
        let io = ScheduledIo::new();
        make_not_ready(&io, Direction::Read);
        let mut wakers = Vec::new();
        io.set_readiness(
            Readiness {
                hangup: true,
                ..Readiness::default()
            },
            &mut wakers,
        );
        make_not_ready(&io, Direction::Read);
        let mut cx = Context::from_waker(Waker::noop());
        assert!(io.poll_ready(&mut cx, Direction::Read).is_ready());
        assert!(io.poll_ready(&mut cx, Direction::Write).is_ready());
    }
}
