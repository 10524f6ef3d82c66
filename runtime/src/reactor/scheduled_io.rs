//! One source's readiness and waiting tasks (see the protocol in `mod.rs`).
//!
//! # The readiness word
//! Bits 0–3: `READABLE`, `WRITABLE`, `READ_CLOSED`, `WRITE_CLOSED`;
//! bit 4: `SHUTDOWN`; bits 16 and up: a tick incremented by every event, so
//! clearing readiness observed at tick `t` is a no-op if an event came after.

use parking_lot::Mutex;
use polling::Event;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::task::{Context, Poll, Waker};

const READABLE: usize = 1 << 0;
const WRITABLE: usize = 1 << 1;
const READ_CLOSED: usize = 1 << 2;
const WRITE_CLOSED: usize = 1 << 3;
const SHUTDOWN: usize = 1 << 4;
#[cfg(test)]
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
    reader: Option<Waker>,
    writer: Option<Waker>,
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

    /// Called by the owning worker for each event (protocol step 3: bits
    /// first, then the wakers under the lock).
    pub(crate) fn set_readiness(&self, event: &Event, wakers: &mut Vec<Waker>) {
        let mut bits = 0;
        if event.readable {
            bits |= READABLE;
        }
        if event.writable {
            bits |= WRITABLE;
        }
        if event.is_interrupt() || event.is_err() == Some(true) {
            // Hang-up or error: both directions can proceed, and the
            // syscall will report what happened.
            bits |= READ_CLOSED | WRITE_CLOSED;
        }
        if bits == 0 {
            return;
        }
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |curr| {
            Some((curr | bits).wrapping_add(TICK_ONE))
        });
        let mut waiters = self.waiters.lock();
        if bits & Direction::Read.mask() != 0 {
            wakers.extend(waiters.reader.take());
        }
        if bits & Direction::Write.mask() != 0 {
            wakers.extend(waiters.writer.take());
        }
    }

    pub(crate) fn shutdown(&self, wakers: &mut Vec<Waker>) {
        self.readiness.fetch_or(SHUTDOWN, AcqRel);
        let mut waiters = self.waiters.lock();
        wakers.extend(waiters.reader.take());
        wakers.extend(waiters.writer.take());
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
        let slot = match direction {
            Direction::Read => &mut waiters.reader,
            Direction::Write => &mut waiters.writer,
        };
        match slot {
            Some(existing) if existing.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        // Re-check under the lock (protocol step 3).
        match self.ready(direction) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
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
    }

    #[cfg(test)]
    fn bits(&self) -> usize {
        self.readiness.load(Acquire) & READINESS_MASK
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_stale_clear_does_not_lose_a_newer_event() {
        let io = ScheduledIo::new();
        let mut cx = Context::from_waker(Waker::noop());
        let Poll::Ready(Ok(seen)) = io.poll_ready(&mut cx, Direction::Read) else {
            panic!("new sources start readable")
        };
        // An event arrives between the read attempt and its WouldBlock.
        let mut wakers = Vec::new();
        io.set_readiness(&Event::readable(0), &mut wakers);
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

    #[test]
    fn events_wake_only_their_direction() {
        let io = ScheduledIo::new();
        let mut cx = Context::from_waker(Waker::noop());
        for direction in [Direction::Read, Direction::Write] {
            let Poll::Ready(Ok(ev)) = io.poll_ready(&mut cx, direction) else {
                panic!()
            };
            io.clear_readiness(ev);
            assert!(io.poll_ready(&mut cx, direction).is_pending());
        }
        let mut wakers = Vec::new();
        io.set_readiness(&Event::writable(0), &mut wakers);
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
}
