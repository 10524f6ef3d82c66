//! Loom models of the park/unpark protocol (`idle.rs`): whatever the
//! interleaving, new work is either seen by the worker that is going to
//! sleep, or that worker (or another) is notified.

use super::idle::Idle;
use loom::sync::atomic::{fence, AtomicUsize, Ordering::*};
use loom::sync::Arc;
use loom::thread;

/// The queue, reduced to its length; relaxed accesses, so only the
/// protocol's fences order it.
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
        let worker = thread::spawn(move || {
            i.transition_worker_to_parked(0, false);
            fence(SeqCst);
            let saw = has_work(&q);
            if saw {
                i.unpark_worker_by_id(0);
            }
            saw
        });
        push(&queue);
        fence(SeqCst);
        let notified = idle.worker_to_notify();
        let saw = worker.join().unwrap();
        assert!(
            saw || notified == Some(0),
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
        idle.transition_worker_to_parked(1, false);
        assert!(idle.try_transition_to_searching());
        let queue = Arc::new(AtomicUsize::new(0));
        let (i, q) = (idle.clone(), queue.clone());
        let searcher = thread::spawn(move || {
            if has_work(&q) {
                i.transition_worker_from_searching();
                return true;
            }
            i.transition_worker_to_parked(0, true);
            fence(SeqCst);
            let saw = has_work(&q);
            if saw {
                i.unpark_worker_by_id(0);
            }
            saw
        });
        push(&queue);
        fence(SeqCst);
        let notified = idle.worker_to_notify();
        let saw = searcher.join().unwrap();
        assert!(saw || notified.is_some(), "nobody will run the new task");
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
