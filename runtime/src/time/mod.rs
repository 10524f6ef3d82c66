//! Time: [`sleep`], [`sleep_until`], [`interval`], [`timeout`], the
//! re-schedulable [`deadline`] scope, and the timer machinery behind them.
//!
//! # Design
//! Each worker owns a timer shard: a timing wheel (`wheel.rs`: O(1) insert and
//! cancel, 50 µs slots) behind a mutex, plus an atomic copy of its next
//! deadline so the worker's loop can skip the lock when nothing is due.
//! A timer registered on a worker goes into that worker's shard (no
//! contention, no wake-up needed); one registered elsewhere (a `block_on`
//! thread) goes to a shard chosen round-robin (skipping stalled workers),
//! and wakes that shard's worker if it became the earliest deadline.
//! Workers fire their shard about every millisecond while busy and before
//! parking, and park with the next deadline as their poller's timeout, so
//! timers and I/O share one `wait`. While a worker is stuck in a long poll,
//! the other workers fire its shard (`scheduler/monitor.rs`): any thread may
//! `process` any shard, and the lock makes each timer fire exactly once.
//!
//! Deadlines round *up* to the next tick (`TICK`, 50 µs): a timer never
//! fires early, a tiny sleep does not become a busy loop, and an idle
//! worker wakes within a tick of the deadline (its poller's timeout is a
//! timerfd, exact to Linux's 50 µs default timer slack, so a finer tick
//! would buy nothing). With 1 ms ticks, a task that slept again right
//! after being woken at a tick (any periodic loop) waited almost a whole
//! extra millisecond each time: its deadline, a hair past the next tick,
//! rounded up to the one after.

mod deadline;
mod interval;
mod sleep;
mod timeout;
pub(crate) mod wheel;

pub use deadline::{deadline, deadline_at, Deadline, DeadlineHandle, WithDeadline};
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub(crate) use sleep::far_future as far_future_instant;
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, Timeout, TimeoutError};

use crate::loom::sync::atomic::{AtomicU64, Ordering::*};
use crate::loom::sync::Mutex;
use std::task::Waker;
use std::time::{Duration, Instant};
use wheel::Wheel;

/// The wheel's resolution.
pub(crate) const TICK: Duration = Duration::from_micros(50);
const TICK_NANOS: u64 = TICK.as_nanos() as u64;

/// Nanoseconds in `d`, in u64 arithmetic (584 years fit).
fn nanos(d: Duration) -> u64 {
    d.as_secs() * 1_000_000_000 + u64::from(d.subsec_nanos())
}

/// Converts between `Instant`s and the wheel's ticks ([`TICK`]).
pub(crate) struct Clock {
    origin: Instant,
}

impl Clock {
    pub(crate) fn new() -> Clock {
        Clock {
            origin: Instant::now(),
        }
    }

    /// The tick containing `instant` (rounded down).
    pub(crate) fn tick_at(&self, instant: Instant) -> u64 {
        nanos(instant.saturating_duration_since(self.origin)) / TICK_NANOS
    }

    /// The first tick at or after `deadline` (rounded up).
    pub(crate) fn deadline_tick(&self, deadline: Instant) -> u64 {
        nanos(deadline.saturating_duration_since(self.origin)).div_ceil(TICK_NANOS)
    }

    /// When `tick` starts.
    pub(crate) fn instant_of(&self, tick: u64) -> Instant {
        self.origin + Duration::from_nanos(tick.saturating_mul(TICK_NANOS))
    }

    /// Time from the clock's origin (when the runtime was built) to `at`.
    pub(crate) fn since_origin(&self, at: Instant) -> Duration {
        at.saturating_duration_since(self.origin)
    }
}

const NO_DEADLINE: u64 = u64::MAX;

/// One worker's timers.
pub(crate) struct TimerShard {
    wheel: Mutex<Wheel>,
    /// A lower bound on the wheel's next expiration (`NO_DEADLINE` if none),
    /// so the owner can skip locking when nothing is due.
    ///
    /// # Invariant
    /// Lowered under the lock whenever an insert makes an earlier deadline;
    /// recomputed under the lock by `process`. It may be stale-early (after
    /// a removal), never stale-late.
    next: AtomicU64,
}

impl TimerShard {
    pub(crate) fn new() -> TimerShard {
        TimerShard {
            wheel: Mutex::new(Wheel::new()),
            next: AtomicU64::new(NO_DEADLINE),
        }
    }

    /// Registers a timer; `None` if the deadline already passed. The flag is
    /// true if this became the shard's earliest deadline.
    pub(crate) fn insert(&self, when: u64, waker: Waker) -> Option<(usize, bool)> {
        let mut wheel = self.wheel.lock();
        // The wheel clamps far deadlines to its horizon; `next` must too.
        let when = when.min(wheel.elapsed().saturating_add(wheel::MAX_DURATION));
        let key = wheel.insert(when, waker)?;
        let earliest = when < self.next.load(Relaxed);
        if earliest {
            self.next.store(when, Relaxed);
        }
        Some((key, earliest))
    }

    /// `Some(tick)` if the timer fired, `tick` being the wheel's time
    /// then, in which case its entry is removed (one lock for both: the
    /// common end of a sleep); otherwise updates its waker.
    pub(crate) fn poll_entry(&self, key: usize, waker: &Waker) -> Option<u64> {
        let mut wheel = self.wheel.lock();
        if !wheel.poll_entry(key, waker) {
            return None;
        }
        wheel.remove(key);
        Some(wheel.elapsed())
    }

    pub(crate) fn remove(&self, key: usize) {
        self.wheel.lock().remove(key);
    }

    /// Fires every timer due at `now` into `fired`; returns the next
    /// deadline tick, if any.
    ///
    /// The owner skips the lock when its `next` hint says nothing is due.
    /// Any other thread (a worker serving a stalled owner) passes `locked`:
    /// the hint is not ordered for it, the lock is. Either way each timer
    /// fires exactly once: the wheel is only touched under the lock.
    pub(crate) fn process(&self, now: u64, fired: &mut Vec<Waker>, locked: bool) -> Option<u64> {
        let next = self.next.load(Relaxed);
        if next > now && !locked {
            return (next != NO_DEADLINE).then_some(next);
        }
        let mut wheel = self.wheel.lock();
        wheel.poll(now, fired);
        let next = wheel.next_expiration();
        self.next.store(next.unwrap_or(NO_DEADLINE), Relaxed);
        next
    }

    /// The earliest deadline, read under the lock (for a thread other than
    /// the owner, like `process` with `locked`).
    pub(crate) fn next_deadline_locked(&self) -> Option<u64> {
        self.wheel.lock().next_expiration()
    }

    /// Entries held (pending, or fired and not yet removed by their owner).
    #[cfg(all(test, runtime_loom))]
    pub(crate) fn entries(&self) -> usize {
        self.wheel.lock().entries()
    }

    /// Timers registered here that have not fired (a snapshot for metrics).
    pub(crate) fn pending(&self) -> usize {
        self.wheel.lock().pending()
    }

    /// Fires every timer at once (runtime shutdown): nothing will drive
    /// this shard any more, so no `Sleep` may be left waiting on it.
    pub(crate) fn shutdown(&self) {
        let mut fired = Vec::new();
        {
            let mut wheel = self.wheel.lock();
            wheel.fire_all(&mut fired);
            self.next.store(NO_DEADLINE, Relaxed);
        }
        crate::contain::wake_all(fired);
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;

    #[test]
    fn deadlines_round_up_to_the_next_tick_and_instants_down() {
        let clock = Clock::new();
        let at = |d: Duration| clock.origin + d;
        assert_eq!(clock.tick_at(at(Duration::ZERO)), 0);
        assert_eq!(clock.deadline_tick(at(Duration::ZERO)), 0);
        // One nanosecond past a tick's start: in that tick, due at the next.
        let just_past = TICK * 20 + Duration::from_nanos(1);
        assert_eq!(clock.tick_at(at(just_past)), 20);
        assert_eq!(clock.deadline_tick(at(just_past)), 21);
        // Exactly on a tick: due at that tick.
        assert_eq!(clock.deadline_tick(at(TICK * 20)), 20);
        // A deadline never maps to a tick that starts before it.
        for micros in [1, 49, 50, 51, 999, 1_000, 1_001, 10_000_017] {
            let deadline = at(Duration::from_micros(micros));
            let tick = clock.deadline_tick(deadline);
            assert!(clock.instant_of(tick) >= deadline, "{micros} µs");
            assert!(clock.instant_of(tick) < deadline + TICK, "{micros} µs");
        }
        // Before the origin: tick 0.
        assert_eq!(clock.tick_at(clock.origin - Duration::from_millis(1)), 0);
    }
}
