//! Loom models of the park/unpark protocol (`idle.rs`): whatever the
//! interleaving, new work is either seen by the worker that is going to
//! sleep, or that worker (or another) is notified.
//!
//! The workers and producers here call the protocol's two shipped halves,
//! [`Idle::park_unless`] and [`Idle::notify_after_push`] (fences
//! included), exactly as `worker.rs` and `Shared::notify_parked` do. Only
//! the queue is a stand-in: a counter accessed with relaxed atomics, so
//! nothing but the protocol's own fences orders it against the counts.

use super::idle::Idle;
use loom::sync::atomic::{AtomicUsize, Ordering::*};
use loom::sync::Arc;
use loom::thread;

fn push(queue: &AtomicUsize) {
    queue.fetch_add(1, Relaxed);
}

fn has_work(queue: &AtomicUsize) -> bool {
    queue.load(Relaxed) > 0
}

#[test]
fn loom_no_lost_wakeup_when_work_arrives_as_a_worker_parks() {
    loom::model(|| {
        let idle = Arc::new(Idle::new(1));
        let queue = Arc::new(AtomicUsize::new(0));
        let (i, q) = (idle.clone(), queue.clone());
        let worker = thread::spawn(move || i.park_unless(0, false, || has_work(&q)).is_some());
        push(&queue);
        let notified = idle.notify_after_push();
        let stayed_up = worker.join().unwrap();
        assert!(
            stayed_up || notified == Some(0),
            "the task would sit in the queue with its worker asleep"
        );
    });
}

#[test]
fn loom_a_searching_worker_that_parks_still_sees_new_work() {
    loom::model(|| {
        // Worker 1 is asleep; worker 0 is searching, so a producer relies on
        // worker 0 instead of waking worker 1.
        let idle = Arc::new(Idle::new(2));
        assert!(idle.park_unless(1, false, || false).is_none());
        assert!(idle.try_transition_to_searching());
        let queue = Arc::new(AtomicUsize::new(0));
        let (i, q) = (idle.clone(), queue.clone());
        let searcher = thread::spawn(move || {
            if has_work(&q) {
                i.transition_worker_from_searching();
                return true;
            }
            i.park_unless(0, true, || has_work(&q)).is_some()
        });
        push(&queue);
        let notified = idle.notify_after_push();
        let stayed_up = searcher.join().unwrap();
        assert!(
            stayed_up || notified.is_some(),
            "nobody will run the new task"
        );
    });
}

#[test]
fn loom_two_producers_and_a_parking_worker_wake_someone_and_nobody_twice() {
    loom::model(|| {
        // Worker 1 is asleep; worker 0 is about to park; two producers push
        // a task each. Either worker 0 stays up, or some sleeper is
        // notified; and the re-check under the sleepers lock keeps the two
        // producers from both waking a worker for one burst.
        let idle = Arc::new(Idle::new(2));
        assert!(idle.park_unless(1, false, || false).is_none());
        let queue = Arc::new(AtomicUsize::new(0));
        let producer = {
            let (idle, queue) = (idle.clone(), queue.clone());
            thread::spawn(move || {
                push(&queue);
                idle.notify_after_push()
            })
        };
        let worker = {
            let (idle, queue) = (idle.clone(), queue.clone());
            thread::spawn(move || idle.park_unless(0, false, || has_work(&queue)).is_some())
        };
        push(&queue);
        let mine = idle.notify_after_push();
        let theirs = producer.join().unwrap();
        let stayed_up = worker.join().unwrap();
        assert!(
            stayed_up || mine.is_some() || theirs.is_some(),
            "two tasks queued and every worker asleep"
        );
        assert!(
            mine.is_none() || mine != theirs,
            "one sleeper notified twice"
        );
        assert!(
            mine.is_none() || theirs.is_none(),
            "two wake-ups for one burst: the first woken counts as searching"
        );
    });
}

#[test]
fn loom_concurrent_searchers_never_exceed_half_the_workers() {
    loom::model(|| {
        let idle = Arc::new(Idle::new(2));
        let other = {
            let idle = idle.clone();
            thread::spawn(move || idle.try_transition_to_searching())
        };
        let mine = idle.try_transition_to_searching();
        let theirs = other.join().unwrap();
        assert!(!(mine && theirs), "two of two workers searching");
    });
}
