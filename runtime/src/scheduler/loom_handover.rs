//! Loom models of the stall hand-over (`mod.rs`, "Loops that help each
//! other"): a loop's owner and a helper serving it race on the same duties,
//! through the shipped types.
//!
//! - Timers: the owner (`process` trusting its `next` hint) and a helper
//!   (`process` under the lock) fire the same shard; a timer fires exactly
//!   once, whether the helper's pass comes before, during or after the
//!   owner's insert, and a `Sleep` re-polling meanwhile is woken or sees it
//!   fired.
//! - The LIFO slot: the owner pushes and takes while a helper takes; every
//!   queued task comes out exactly once.
//! - I/O readiness: an edge dispatched while the task is between its
//!   `WouldBlock` and its wait, and two drainers (the owner, a helper)
//!   dispatching edges of the same source at once: the task is never left
//!   waiting on readiness that was dispatched. (The kernel's part, one
//!   drainer per edge, is the epoll contract and not modelled.) The first
//!   model fails if `clear_readiness` ignores the event tick.
//!
//! Then the shard's and the readiness word's own races, with the same
//! helpers: a `Sleep` dropped while its timer fires (woken at most once,
//! its entry freed); a timer inserted from another thread ahead of the
//! owner's earliest (the owner's lock-free hint, read after the notify,
//! shortens its park; fails if `insert` does not lower the hint); one edge
//! reaching every shared waiter (two `accept`s) while they register.

use super::lifo::LifoSlot;
use crate::reactor::{Direction, ScheduledIo};
use crate::sys::Readiness;
use crate::task::loom_tests::{spawn, Queue};
use crate::time::TimerShard;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use std::task::{Context, Poll, Wake, Waker};

struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counting_waker() -> (Waker, std::sync::Arc<Count>) {
    let count = std::sync::Arc::new(Count(AtomicUsize::new(0)));
    (Waker::from(count.clone()), count)
}

fn fire(shard: &TimerShard, now: u64, locked: bool) {
    let mut fired = Vec::new();
    shard.process(now, &mut fired, locked);
    fired.into_iter().for_each(Waker::wake);
}

#[test]
fn loom_owner_and_helper_fire_a_timer_exactly_once() {
    loom::model(|| {
        let shard = Arc::new(TimerShard::new());
        let (waker, count) = counting_waker();
        let (key, _) = shard.insert(5, waker).expect("a future deadline");
        let helper = {
            let shard = shard.clone();
            thread::spawn(move || fire(&shard, 10, true))
        };
        fire(&shard, 10, false);
        helper.join().unwrap();
        assert_eq!(count.0.load(SeqCst), 1, "fired twice or never");
        shard.remove(key);
    });
}

#[test]
fn loom_a_timer_inserted_while_a_helper_fires_is_not_lost() {
    loom::model(|| {
        let shard = Arc::new(TimerShard::new());
        let (waker, count) = counting_waker();
        let helper = {
            let shard = shard.clone();
            thread::spawn(move || fire(&shard, 10, true))
        };
        // The owner inserts (its wheel may or may not have been advanced to
        // 10 by the helper: then the deadline has passed and insert says
        // so), then runs its own pass.
        let key = shard.insert(5, waker.clone());
        fire(&shard, 10, false);
        helper.join().unwrap();
        match key {
            Some((key, _)) => {
                assert_eq!(count.0.load(SeqCst), 1);
                shard.remove(key);
            }
            None => assert_eq!(count.0.load(SeqCst), 0, "refused, so never armed"),
        }
    });
}

#[test]
fn loom_a_sleep_repolled_while_a_helper_fires_is_woken_or_sees_it() {
    loom::model(|| {
        let shard = Arc::new(TimerShard::new());
        let (first, first_count) = counting_waker();
        let (key, _) = shard.insert(5, first).unwrap();
        let helper = {
            let shard = shard.clone();
            thread::spawn(move || fire(&shard, 10, true))
        };
        let (second, second_count) = counting_waker();
        let saw_fired = shard.poll_entry(key, &second).is_some();
        helper.join().unwrap();
        let wakes = first_count.0.load(SeqCst) + second_count.0.load(SeqCst);
        assert_eq!(wakes, 1, "exactly one wake-up");
        if !saw_fired {
            assert_eq!(
                second_count.0.load(SeqCst),
                1,
                "the updated waker is the one woken"
            );
            // A poll that saw it fire removed the entry; otherwise the
            // owner (a dropped `Sleep`) does.
            shard.remove(key);
        }
        assert_eq!(shard.entries(), 0, "the entry outlived its sleep");
    });
}

#[test]
fn loom_every_lifo_task_comes_out_once() {
    loom::model(|| {
        let queue = Queue::new();
        let slot = Arc::new(LifoSlot::new());
        let (a, first) = spawn(async { 1 }, &queue);
        let (b, second) = spawn(async { 2 }, &queue);
        let ids = [a.id().as_u64(), b.id().as_u64()];
        assert!(slot.push(first).is_none());
        let helper = {
            let slot = slot.clone();
            thread::spawn(move || slot.take().map(|t| t.header().id.as_u64()))
        };
        let displaced = slot.push(second).map(|t| t.header().id.as_u64());
        let taken = slot.take().map(|t| t.header().id.as_u64());
        let helped = helper.join().unwrap();
        let mut out: Vec<u64> = [displaced, taken, helped].into_iter().flatten().collect();
        out.sort_unstable();
        assert_eq!(out, ids, "each task exactly once");
        drop((a, b));
    });
}

/// A source whose socket is empty: its optimistic initial readiness
/// already consumed by a read that said `WouldBlock`.
fn empty_source() -> Arc<ScheduledIo> {
    let io = Arc::new(ScheduledIo::new());
    let mut cx = Context::from_waker(Waker::noop());
    let Poll::Ready(Ok(ev)) = io.poll_ready(&mut cx, Direction::Read) else {
        panic!("a new source starts readable")
    };
    io.clear_readiness(ev);
    io
}

/// The task side of the readiness models: read until the socket says
/// `WouldBlock` (modelled by `bytes`), then wait. Returns the bytes read
/// and whether it ended up waiting.
fn read_until_would_block(io: &ScheduledIo, bytes: &AtomicUsize, waker: &Waker) -> (usize, bool) {
    let mut cx = Context::from_waker(waker);
    let mut read = 0;
    loop {
        match io.poll_ready(&mut cx, Direction::Read) {
            Poll::Ready(Ok(ev)) => match bytes.swap(0, SeqCst) {
                0 => io.clear_readiness(ev), // WouldBlock
                n => read += n,
            },
            Poll::Ready(Err(_)) => unreachable!("not shut down"),
            Poll::Pending => return (read, true),
        }
    }
}

/// Bytes arrive, then their edge is dispatched (what a drain does).
fn arrive_and_dispatch(io: &ScheduledIo, bytes: &AtomicUsize) {
    bytes.fetch_add(1, SeqCst);
    let mut wakers = Vec::new();
    io.set_readiness(
        Readiness {
            readable: true,
            ..Readiness::default()
        },
        &mut wakers,
    );
    wakers.into_iter().for_each(Waker::wake);
}

#[test]
fn loom_an_edge_dispatched_during_a_would_block_is_not_lost() {
    loom::model(|| {
        // A byte is waiting and its edge was dispatched already.
        let io = Arc::new(ScheduledIo::new());
        let bytes = Arc::new(AtomicUsize::new(1));
        let drainer = {
            let (io, bytes) = (io.clone(), bytes.clone());
            thread::spawn(move || arrive_and_dispatch(&io, &bytes))
        };
        let (waker, woken) = counting_waker();
        let (read, waiting) = read_until_would_block(&io, &bytes, &waker);
        drainer.join().unwrap();
        let unread = bytes.load(SeqCst);
        assert_eq!(read + unread, 2);
        if waiting && unread > 0 {
            assert!(woken.0.load(SeqCst) > 0, "a dispatched edge was lost");
        }
    });
}

#[test]
fn loom_readiness_dispatched_by_two_drainers_reaches_the_waiting_task() {
    // Three threads looping: bounded preemptions keep the state space to
    // seconds (the races that matter need one or two preemptions).
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(3);
    model.check(|| {
        let io = empty_source();
        let bytes = Arc::new(AtomicUsize::new(0));
        let drainers: Vec<_> = (0..2)
            .map(|_| {
                let (io, bytes) = (io.clone(), bytes.clone());
                thread::spawn(move || arrive_and_dispatch(&io, &bytes))
            })
            .collect();
        let (waker, woken) = counting_waker();
        let (read, waiting) = read_until_would_block(&io, &bytes, &waker);
        for drainer in drainers {
            drainer.join().unwrap();
        }
        let unread = bytes.load(SeqCst);
        assert_eq!(read + unread, 2);
        if waiting && unread > 0 {
            assert!(
                woken.0.load(SeqCst) > 0,
                "bytes arrived and were dispatched, yet the task sleeps unwoken"
            );
        }
    });
}

// ---- The timer shard's and the readiness word's own races -------------
// (not specific to a hand-over, but the same shipped types and helpers).

#[test]
fn loom_a_sleep_dropped_while_its_timer_fires_is_woken_at_most_once_and_freed() {
    loom::model(|| {
        let shard = Arc::new(TimerShard::new());
        let (waker, count) = counting_waker();
        let (key, _) = shard.insert(5, waker).unwrap();
        let helper = {
            let shard = shard.clone();
            thread::spawn(move || fire(&shard, 10, true))
        };
        // `Sleep::drop` on the task's thread, racing the fire.
        shard.remove(key);
        helper.join().unwrap();
        assert!(count.0.load(SeqCst) <= 1, "woken twice");
        assert_eq!(
            shard.next_deadline_locked(),
            None,
            "the entry outlived its Sleep"
        );
        // The owner's lock-free pass agrees: nothing left to fire.
        let mut fired = Vec::new();
        shard.process(20, &mut fired, false);
        assert!(fired.is_empty(), "a removed timer fired");
    });
}

#[test]
fn loom_an_earlier_timer_from_another_thread_shortens_the_owners_park() {
    use loom::sync::atomic::{AtomicBool, Ordering::*};
    loom::model(|| {
        // The owner's shard has a timer at 100; another thread inserts one
        // at 20 and, told it is now the earliest, notifies the owner (the
        // poller's notify, modelled by a release flag). The owner computes
        // its park deadline from the lock-free hint, and again whenever a
        // notify ended its park.
        let shard = Arc::new(TimerShard::new());
        let (late, _) = counting_waker();
        let (late_key, _) = shard.insert(100, late).unwrap();
        let notified = Arc::new(AtomicBool::new(false));
        let inserter = {
            let (shard, notified) = (shard.clone(), notified.clone());
            thread::spawn(move || {
                let (early, _) = counting_waker();
                let (key, earliest) = shard.insert(20, early).unwrap();
                if earliest {
                    notified.store(true, Release);
                }
                key
            })
        };
        let park_until = |shard: &TimerShard| {
            let mut fired = Vec::new();
            shard.process(10, &mut fired, false)
        };
        // Consumes a notify (compare_exchange, not swap: loom's
        // `AtomicBool::swap` is unreliable, tokio-rs/loom#389).
        let take_notify = || {
            notified
                .compare_exchange(true, false, Acquire, Relaxed)
                .is_ok()
        };
        let mut deadline = park_until(&shard);
        if take_notify() {
            deadline = park_until(&shard);
        }
        let early_key = inserter.join().unwrap();
        // A notify that came after the owner's check is kept by the
        // poller: the park it would have entered ends at once.
        if take_notify() {
            deadline = park_until(&shard);
        }
        assert_eq!(
            deadline,
            Some(20),
            "the owner would oversleep the new timer"
        );
        shard.remove(early_key);
        shard.remove(late_key);
    });
}

#[test]
fn loom_one_edge_wakes_every_shared_waiter() {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(3);
    model.check(|| {
        // Two futures waiting on one socket's `&self` operation (two
        // `accept`s), registering while the edge is dispatched.
        let io = empty_source();
        let waiter = |io: &ScheduledIo| {
            let (waker, woken) = counting_waker();
            let mut key = None;
            let mut cx = Context::from_waker(&waker);
            let ready = io
                .poll_ready_shared(&mut cx, Direction::Read, &mut key)
                .is_ready();
            (ready, woken)
        };
        let other = {
            let io = io.clone();
            thread::spawn(move || waiter(&io))
        };
        let bytes = AtomicUsize::new(0);
        let (ready, woken) = waiter(&io);
        arrive_and_dispatch(&io, &bytes);
        let (other_ready, other_woken) = other.join().unwrap();
        assert!(
            ready || woken.0.load(SeqCst) == 1,
            "a waiter missed the edge"
        );
        assert!(
            other_ready || other_woken.0.load(SeqCst) == 1,
            "a waiter registering during the dispatch missed the edge"
        );
    });
}
