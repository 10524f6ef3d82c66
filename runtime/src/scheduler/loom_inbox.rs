//! Loom models of the `spawn_local` inbox (`inbox.rs`), on the shipped
//! [`LocalInbox`]: a task pushed from another thread comes out exactly
//! once, whether the owner is taking, parking or shutting down meanwhile.

use super::inbox::LocalInbox;
use loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;

#[test]
fn loom_a_local_task_pushed_while_the_owner_parks_is_taken_once() {
    loom::model(|| {
        let inbox = Arc::new(LocalInbox::new());
        let pusher = {
            let inbox = inbox.clone();
            // `None`: not shutting down, so the pusher wakes the owner.
            thread::spawn(move || inbox.push(7u32, || false).is_none())
        };
        // The owner's maintenance pass, then its pre-park check.
        let mut taken = inbox.take().len();
        if taken == 0 && !inbox.has_work() {
            // Parks; the pusher's wake-up is what ends the park.
            assert!(pusher.join().unwrap(), "the pusher must wake the owner");
        } else {
            pusher.join().unwrap();
        }
        taken += inbox.take().len();
        assert_eq!(taken, 1, "lost or duplicated");
    });
}

#[test]
fn loom_a_local_task_woken_during_shutdown_comes_out_once() {
    loom::model(|| {
        let inbox = Arc::new(LocalInbox::new());
        let shutdown = Arc::new(AtomicBool::new(false));
        let pusher = {
            let (inbox, shutdown) = (inbox.clone(), shutdown.clone());
            thread::spawn(move || {
                inbox
                    .push(7u32, || shutdown.load(SeqCst))
                    .map_or(0, |orphans| orphans.len())
            })
        };
        // The owner takes as it runs, then shutdown begins (`begin_shutdown`
        // stores the flag), then the owner's final look (`Core::shutdown`).
        let mut taken = inbox.take().len();
        shutdown.store(true, SeqCst);
        taken += inbox.close().len();
        let dropped_by_pusher = pusher.join().unwrap();
        assert_eq!(
            taken + dropped_by_pusher,
            1,
            "a task left in the inbox after the owner's last look, or taken twice"
        );
    });
}
