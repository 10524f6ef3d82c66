//! A hierarchical timing wheel with 50 µs slots (the Linux kernel's and
//! tokio's design, at a finer tick), so inserting and cancelling a timer are
//! O(1) however many are pending.
//!
//! # Layout
//! [`NUM_LEVELS`] levels of 64 slots. A slot of level `l` spans `64^l`
//! ticks, so level 0 covers the next 3.2 ms one tick per slot, level 1 the
//! next ~205 ms, level 2 ~13 s, level 3 ~14 min, level 4 ~15 h and level 5
//! ~40 days: the horizon. A later deadline is placed at the horizon and
//! fires there; its `Sleep` sees that its own deadline has not come and
//! registers again (`sleep.rs`), so a timer never fires early.
//! Each level keeps an `occupied` bitmap, so finding the next deadline is a
//! few bit operations per level.
//!
//! Entries live in a [`Slab`]; a slot is a doubly-linked list threaded
//! through the slab by key, so removal needs no search and no allocation.
//!
//! # Invariants
//! 1. `elapsed` (the wheel's "now", in ticks) only moves forward.
//! 2. A pending entry with deadline `when > elapsed` sits at the level of
//!    the highest 6-bit group in which `when` and `elapsed` differ, in the
//!    slot given by that group of `when`. Hence every entry of a lower
//!    level expires before any entry of a higher one.
//! 3. `poll(now)` never moves `elapsed` past an occupied slot's start
//!    without processing it: due entries fire; the rest cascade to lower
//!    levels relative to the slot's start.
//! 4. A fired entry stays in the slab (unlinked, `fired`) until its owner
//!    removes it, so keys are never reused under a live `Sleep`.

use slab::Slab;
use std::num::NonZeroU32;
use std::task::Waker;

pub(crate) const NUM_LEVELS: usize = 6;
const SLOT_BITS: u32 = 6;
const SLOTS: usize = 1 << SLOT_BITS;
const SLOT_MASK: u64 = SLOTS as u64 - 1;

/// The furthest deadline the wheel represents, in ticks from `elapsed`.
pub(crate) const MAX_DURATION: u64 = (1 << (SLOT_BITS as usize * NUM_LEVELS)) - 1;

/// A slab key in four bytes, stored as `key + 1` so that `None` is free:
/// an entry is 40 bytes (it was 72 with `Option<usize>` links), and every
/// pending sleep holds one.
type Link = Option<NonZeroU32>;

fn link_to(key: usize) -> Link {
    // `insert` refuses keys that do not fit.
    NonZeroU32::new(key as u32 + 1)
}

fn key_of(link: NonZeroU32) -> usize {
    link.get() as usize - 1
}

#[derive(Debug)]
struct Entry {
    when: u64,
    waker: Option<Waker>,
    fired: bool,
    level: u8,
    slot: u8,
    prev: Link,
    next: Link,
}

#[derive(Debug)]
struct Level {
    occupied: u64,
    heads: [Link; SLOTS],
}

/// The timing wheel. Not synchronised: `TimerShard` wraps it in a mutex.
#[derive(Debug)]
pub(crate) struct Wheel {
    elapsed: u64,
    entries: Slab<Entry>,
    /// Entries that have neither fired nor been removed (the metrics'
    /// `timers_pending`).
    pending: usize,
    levels: [Level; NUM_LEVELS],
}

impl Wheel {
    pub(crate) fn new() -> Wheel {
        Wheel {
            elapsed: 0,
            entries: Slab::new(),
            pending: 0,
            levels: std::array::from_fn(|_| Level {
                occupied: 0,
                heads: [None; SLOTS],
            }),
        }
    }

    /// Inserts a timer due at tick `when`. Returns `None` if `when` is not
    /// after the wheel's current time: the caller treats it as expired.
    pub(crate) fn insert(&mut self, when: u64, waker: Waker) -> Option<usize> {
        if when <= self.elapsed {
            return None;
        }
        let when = when.min(self.elapsed + MAX_DURATION);
        assert!(
            self.entries.vacant_key() < u32::MAX as usize,
            "more than {} timers pending on one worker's timer shard",
            u32::MAX - 1
        );
        let key = self.entries.insert(Entry {
            when,
            waker: Some(waker),
            fired: false,
            level: 0,
            slot: 0,
            prev: None,
            next: None,
        });
        self.link(key);
        self.pending += 1;
        Some(key)
    }

    /// True if the entry fired; otherwise replaces its waker.
    pub(crate) fn poll_entry(&mut self, key: usize, waker: &Waker) -> bool {
        let entry = &mut self.entries[key];
        if entry.fired {
            return true;
        }
        match &entry.waker {
            Some(existing) if existing.will_wake(waker) => {}
            _ => entry.waker = Some(waker.clone()),
        }
        false
    }

    /// Cancels a pending entry or forgets a fired one.
    pub(crate) fn remove(&mut self, key: usize) {
        if !self.entries[key].fired {
            self.unlink(key);
            self.pending -= 1;
        }
        self.entries.remove(key);
    }

    /// The earliest tick at which something may fire.
    pub(crate) fn next_expiration(&self) -> Option<u64> {
        (0..NUM_LEVELS).find_map(|level| self.next_slot(level).map(|(_, deadline)| deadline))
    }

    /// Advances to `now`, collecting the wakers of every entry that is due.
    pub(crate) fn poll(&mut self, now: u64, fired: &mut Vec<Waker>) {
        loop {
            let next = (0..NUM_LEVELS).find_map(|level| {
                self.next_slot(level)
                    .map(|(slot, deadline)| (level, slot, deadline))
            });
            let Some((level, slot, deadline)) = next else {
                break;
            };
            if deadline > now {
                break;
            }
            // Invariant 3: stop at the slot's start and process it.
            self.elapsed = self.elapsed.max(deadline);
            let mut cursor = self.levels[level].heads[slot].take();
            self.levels[level].occupied &= !(1 << slot);
            while let Some(link) = cursor {
                let key = key_of(link);
                let entry = &mut self.entries[key];
                cursor = entry.next;
                entry.prev = None;
                entry.next = None;
                if entry.when <= self.elapsed {
                    entry.fired = true;
                    self.pending -= 1;
                    if let Some(waker) = entry.waker.take() {
                        fired.push(waker);
                    }
                } else {
                    self.link(key);
                }
            }
        }
        self.elapsed = self.elapsed.max(now);
    }

    /// Fires every pending entry at once (runtime shutdown), collecting
    /// their wakers. Entries stay in the slab, fired, so the keys their
    /// owners hold stay valid until those owners remove them (invariant 4).
    pub(crate) fn fire_all(&mut self, fired: &mut Vec<Waker>) {
        for level in 0..NUM_LEVELS {
            for slot in 0..SLOTS {
                let mut cursor = self.levels[level].heads[slot].take();
                while let Some(link) = cursor {
                    let entry = &mut self.entries[key_of(link)];
                    cursor = entry.next;
                    entry.prev = None;
                    entry.next = None;
                    entry.fired = true;
                    fired.extend(entry.waker.take());
                }
            }
            self.levels[level].occupied = 0;
        }
        self.pending = 0;
    }

    /// Timers that have neither fired nor been cancelled.
    pub(crate) fn pending(&self) -> usize {
        self.pending
    }

    /// Entries held, fired or not (see invariant 4).
    #[cfg(all(test, runtime_loom))]
    pub(crate) fn entries(&self) -> usize {
        self.entries.len()
    }

    /// The wheel's current time.
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// The first occupied slot of `level` after `elapsed`'s, and the tick
    /// at which that slot starts.
    ///
    /// `elapsed`'s own slot comes last: no entry of this turn can be in it
    /// (invariant 2 puts such an entry on a lower level), so whatever it
    /// holds is the top level's next turn, a deadline clamped to the
    /// horizon that wrapped around. Scanning it first would report that
    /// far deadline ahead of nearer ones in later slots (found by the
    /// `the_wheel_matches_a_btreemap` property test).
    fn next_slot(&self, level: usize) -> Option<(usize, u64)> {
        let occupied = self.levels[level].occupied;
        if occupied == 0 {
            return None;
        }
        let slot_range = slot_range(level);
        let level_range = slot_range * SLOTS as u64;
        let first = ((self.elapsed / slot_range) + 1) & SLOT_MASK;
        let zeros = occupied.rotate_right(first as u32).trailing_zeros() as u64;
        let slot = (zeros + first) & SLOT_MASK;
        let level_start = self.elapsed & !(level_range - 1);
        let mut deadline = level_start + slot * slot_range;
        if deadline <= self.elapsed {
            // The slot lies in the next turn of this level. Only the top
            // level wraps (invariants 2 and 3 keep lower levels ahead).
            debug_assert_eq!(level, NUM_LEVELS - 1);
            deadline += level_range;
        }
        Some((slot as usize, deadline))
    }

    fn link(&mut self, key: usize) {
        let when = self.entries[key].when;
        let level = level_for(self.elapsed, when);
        let slot = ((when >> (level as u32 * SLOT_BITS)) & SLOT_MASK) as usize;
        let head = self.levels[level].heads[slot];
        {
            let entry = &mut self.entries[key];
            entry.level = level as u8;
            entry.slot = slot as u8;
            entry.prev = None;
            entry.next = head;
        }
        if let Some(head) = head {
            self.entries[key_of(head)].prev = link_to(key);
        }
        self.levels[level].heads[slot] = link_to(key);
        self.levels[level].occupied |= 1 << slot;
    }

    fn unlink(&mut self, key: usize) {
        let (level, slot, prev, next) = {
            let e = &self.entries[key];
            (e.level as usize, e.slot as usize, e.prev, e.next)
        };
        match prev {
            Some(prev) => self.entries[key_of(prev)].next = next,
            None => {
                self.levels[level].heads[slot] = next;
                if next.is_none() {
                    self.levels[level].occupied &= !(1 << slot);
                }
            }
        }
        if let Some(next) = next {
            self.entries[key_of(next)].prev = prev;
        }
    }
}

fn slot_range(level: usize) -> u64 {
    1 << (level as u32 * SLOT_BITS)
}

/// Invariant 2: the level of the highest 6-bit group where `when` and
/// `elapsed` differ.
fn level_for(elapsed: u64, when: u64) -> usize {
    // OR-ing in SLOT_MASK makes "differs only in the lowest group" level 0.
    let masked = (elapsed ^ when) | SLOT_MASK;
    let significant = 63 - masked.leading_zeros() as usize;
    (significant / SLOT_BITS as usize).min(NUM_LEVELS - 1)
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;
    use std::sync::atomic::Ordering::SeqCst;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    struct Flag(usize, Arc<Vec<AtomicUsize>>);
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.1[self.0].fetch_add(1, Ordering::SeqCst);
        }
    }

    fn wakers(n: usize) -> (Vec<Waker>, Arc<Vec<AtomicUsize>>) {
        let counts = Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect::<Vec<_>>());
        let wakers = (0..n)
            .map(|i| Waker::from(Arc::new(Flag(i, counts.clone()))))
            .collect();
        (wakers, counts)
    }

    /// A pending sleep holds one entry and a `Sleep` in its task (the
    /// `memory_per_task` row).
    #[test]
    fn a_pending_sleep_costs_40_plus_32_bytes() {
        assert_eq!(std::mem::size_of::<Entry>(), 40);
        assert_eq!(std::mem::size_of::<crate::time::Sleep>(), 32);
    }

    #[test]
    fn level_choice_follows_the_differing_bits() {
        assert_eq!(level_for(0, 1), 0);
        assert_eq!(level_for(0, 63), 0);
        assert_eq!(level_for(0, 64), 1);
        assert_eq!(level_for(60, 70), 1);
        assert_eq!(level_for(64, 127), 0);
        assert_eq!(level_for(0, 4096), 2);
        assert_eq!(level_for(0, u64::MAX), NUM_LEVELS - 1);
    }

    #[test]
    fn timers_fire_at_their_tick_not_before() {
        let (w, counts) = wakers(3);
        let mut wheel = Wheel::new();
        let a = wheel.insert(5, w[0].clone()).unwrap();
        let b = wheel.insert(100, w[1].clone()).unwrap();
        let c = wheel.insert(70_000, w[2].clone()).unwrap();
        let mut fired = Vec::new();
        wheel.poll(4, &mut fired);
        assert!(fired.is_empty());
        wheel.poll(5, &mut fired);
        assert_eq!(fired.len(), 1);
        fired.drain(..).for_each(Waker::wake);
        assert_eq!(counts[0].load(Ordering::SeqCst), 1);
        assert!(wheel.poll_entry(a, &w[0]));
        assert_eq!(wheel.next_expiration(), Some(64));
        wheel.poll(99, &mut fired);
        assert!(fired.is_empty(), "cascading must not fire early");
        assert_eq!(wheel.next_expiration(), Some(100));
        wheel.poll(100, &mut fired);
        assert_eq!(fired.len(), 1);
        assert!(wheel.poll_entry(b, &w[1]));
        wheel.poll(69_999, &mut fired);
        assert_eq!(fired.len(), 1);
        wheel.poll(70_000, &mut fired);
        assert_eq!(fired.len(), 2);
        assert!(wheel.poll_entry(c, &w[2]));
    }

    #[test]
    fn removed_timers_never_fire_and_past_deadlines_are_refused() {
        let (w, _) = wakers(2);
        let mut wheel = Wheel::new();
        let a = wheel.insert(10, w[0].clone()).unwrap();
        wheel.insert(10, w[1].clone()).unwrap();
        wheel.remove(a);
        let mut fired = Vec::new();
        wheel.poll(20, &mut fired);
        assert_eq!(fired.len(), 1);
        assert_eq!(wheel.insert(20, w[0].clone()), None);
        assert_eq!(wheel.insert(15, w[0].clone()), None);
    }

    #[test]
    fn far_deadlines_are_clamped_and_still_fire() {
        let (w, _) = wakers(1);
        let mut wheel = Wheel::new();
        let mut fired = Vec::new();
        wheel.poll(1_000, &mut fired);
        let key = wheel.insert(u64::MAX, w[0].clone()).unwrap();
        let horizon = 1_000 + MAX_DURATION;
        assert!(wheel.next_expiration().unwrap() <= horizon);
        wheel.poll(horizon - 1, &mut fired);
        assert!(fired.is_empty());
        wheel.poll(horizon, &mut fired);
        assert_eq!(fired.len(), 1);
        assert!(wheel.poll_entry(key, &w[0]));
    }

    #[test]
    fn fire_all_keeps_keys_valid_for_their_owners() {
        let (w, counts) = wakers(2);
        let mut wheel = Wheel::new();
        let a = wheel.insert(10, w[0].clone()).unwrap();
        let b = wheel.insert(100_000, w[1].clone()).unwrap();
        let mut fired = Vec::new();
        wheel.fire_all(&mut fired);
        assert_eq!(fired.len(), 2);
        fired.drain(..).for_each(Waker::wake);
        assert_eq!(counts[1].load(Ordering::SeqCst), 1);
        assert!(wheel.poll_entry(a, &w[0]));
        wheel.remove(a);
        wheel.remove(b);
        assert_eq!(wheel.next_expiration(), None);
    }

    /// Compares the wheel with a brute-force model over random operations.
    #[test]
    fn matches_a_brute_force_model() {
        let (w, _) = wakers(1);
        let mut seed = 0x2545_F491_u64;
        let mut rand = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut wheel = Wheel::new();
        let mut model: Vec<(usize, u64, bool)> = Vec::new(); // key, when, fired
        let mut now = 0u64;
        for _ in 0..20_000 {
            match rand() % 4 {
                0 | 1 => {
                    let span = [10, 100, 5_000, 300_000][(rand() % 4) as usize];
                    let when = now + 1 + rand() % span;
                    let key = wheel.insert(when, w[0].clone()).unwrap();
                    model.push((key, when, false));
                }
                2 if !model.is_empty() => {
                    let i = (rand() as usize) % model.len();
                    let (key, _, _) = model.swap_remove(i);
                    wheel.remove(key);
                }
                _ => {
                    now += rand() % 700;
                    let mut fired = Vec::new();
                    wheel.poll(now, &mut fired);
                    let mut expected = 0;
                    for (key, when, was_fired) in model.iter_mut() {
                        let due = *when <= now;
                        assert_eq!(wheel.poll_entry(*key, &w[0]), due, "when={when} now={now}");
                        if due && !*was_fired {
                            expected += 1;
                            *was_fired = true;
                        }
                    }
                    assert_eq!(fired.len(), expected);
                    let next_model = model.iter().filter(|e| !e.2).map(|e| e.1).min();
                    if let (Some(next), Some(model_next)) = (wheel.next_expiration(), next_model) {
                        assert!(next <= model_next, "next expiration must never be late");
                    }
                    assert_eq!(wheel.next_expiration().is_some(), next_model.is_some());
                }
            }
        }
    }

    /// The proptest's first find: a deadline clamped to the horizon lands
    /// in the top level's current slot (its next turn) and used to hide a
    /// nearer timer in a later top-level slot from `next_expiration`.
    #[test]
    fn a_wrapped_far_deadline_does_not_hide_a_nearer_one() {
        let (w, _) = wakers(2);
        let mut wheel = Wheel::new();
        let mut fired = Vec::new();
        wheel.insert(1 << 30, w[0].clone()).unwrap();
        wheel.poll(1, &mut fired);
        wheel.insert(1 + MAX_DURATION, w[1].clone()).unwrap();
        assert_eq!(wheel.next_expiration(), Some(1 << 30));
        wheel.poll(1 << 30, &mut fired);
        assert_eq!(fired.len(), 1, "the nearer timer fires at its deadline");
    }

    #[derive(Clone, Debug)]
    enum WheelOp {
        /// A timer this many ticks from now.
        Insert(u64),
        /// Cancels the n-th (mod count) timer inserted so far, fired or not.
        Cancel(usize),
        /// Moves time forward and fires what is due.
        Advance(u64),
    }

    fn wheel_op() -> impl Strategy<Value = WheelOp> {
        // Delays and steps at every level's scale, past the horizon too.
        let span = || prop_oneof![0..64u64, 0..4_096u64, 0..MAX_DURATION * 2];
        prop_oneof![
            3 => span().prop_map(|d| WheelOp::Insert(d + 1)),
            1 => any::<usize>().prop_map(WheelOp::Cancel),
            2 => span().prop_map(WheelOp::Advance),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1_000))]

        /// The wheel against a `BTreeMap` of pending deadlines: each timer
        /// fires exactly once, at the first poll at or after its (clamped)
        /// deadline, never after its cancellation; `next_expiration` is
        /// never later than the earliest pending deadline.
        #[test]
        fn the_wheel_matches_a_btreemap(ops in prop::collection::vec(wheel_op(), 1..120)) {
            let (w, counts) = wakers(ops.len());
            let mut wheel = Wheel::new();
            let mut now = 0u64;
            // (when, ordinal) -> key, for timers not fired nor cancelled.
            let mut pending: BTreeMap<(u64, usize), usize> = BTreeMap::new();
            // key, when, and for a cancelled timer its wake count then.
            let mut inserted: Vec<(usize, u64, Option<usize>)> = Vec::new();
            for op in ops {
                match op {
                    WheelOp::Insert(delay) => {
                        let ordinal = inserted.len();
                        let when = (now + delay).min(wheel.elapsed() + MAX_DURATION);
                        let key = wheel.insert(now + delay, w[ordinal].clone()).unwrap();
                        pending.insert((when, ordinal), key);
                        inserted.push((key, when, None));
                    }
                    WheelOp::Cancel(n) if !inserted.is_empty() => {
                        let ordinal = n % inserted.len();
                        let (key, when, cancelled) = &mut inserted[ordinal];
                        if cancelled.is_none() {
                            *cancelled = Some(counts[ordinal].load(SeqCst));
                            wheel.remove(*key);
                            pending.remove(&(*when, ordinal));
                        }
                        prop_assert_eq!(wheel.pending(), pending.len());
                    }
                    WheelOp::Cancel(_) => {}
                    WheelOp::Advance(step) => {
                        now += step;
                        let mut fired = Vec::new();
                        wheel.poll(now, &mut fired);
                        fired.into_iter().for_each(Waker::wake);
                        let due: Vec<_> = pending.range(..(now + 1, 0)).map(|(k, _)| *k).collect();
                        for at in due {
                            pending.remove(&at);
                        }
                        prop_assert_eq!(wheel.pending(), pending.len());
                        for (ordinal, (_, when, cancelled)) in inserted.iter().enumerate() {
                            let count = counts[ordinal].load(SeqCst);
                            let expected = cancelled.unwrap_or(usize::from(*when <= now));
                            prop_assert_eq!(count, expected, "timer {} due at {} (now {})", ordinal, when, now);
                        }
                        match (wheel.next_expiration(), pending.keys().next()) {
                            (Some(next), Some(&(earliest, _))) => {
                                prop_assert!(next <= earliest, "next {next} later than {earliest}")
                            }
                            (None, None) => {}
                            (next, earliest) => {
                                prop_assert!(false, "next {next:?}, pending {earliest:?}")
                            }
                        }
                    }
                }
            }
        }
    }
}
