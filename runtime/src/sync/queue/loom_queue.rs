//! Loom models of the queue's cancellation races, run with
//! `RUSTFLAGS="--cfg runtime_loom" cargo test -p runtime --lib --release loom`.
//!
//! The queue's mutex comes from `crate::loom`, so these explore every
//! interleaving of the shipped `state.rs` code: a waiter being served on
//! one thread while its future is dropped on another.

use super::*;
use loom::sync::Arc;
use loom::thread;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(Waker::noop()))
}

/// A getter polls once and is dropped while a put races it: the item ends
/// up either with the getter or back in the queue, exactly once.
#[test]
fn loom_a_getter_dropped_while_a_put_serves_it_loses_nothing() {
    loom::model(|| {
        let queue = Arc::new(Queue::new(0));
        let q = queue.clone();
        let getter = thread::spawn(move || {
            let mut get = q.get();
            match poll_once(&mut get) {
                Poll::Ready(item) => Some(item.unwrap()),
                Poll::Pending => None, // dropped: cancelled
            }
        });
        queue.put_nowait(1).unwrap();
        let got = getter.join().unwrap();
        let left = queue.get_nowait().ok();
        assert_eq!(got.into_iter().chain(left).collect::<Vec<_>>(), [1]);
        assert!(queue.empty());
    });
}

/// A putter waits on a full queue and is dropped while a get frees a slot:
/// its item is in the queue exactly when it was counted as put, and the
/// capacity is unchanged either way.
#[test]
fn loom_a_putter_dropped_while_a_get_admits_it_leaves_no_phantom() {
    loom::model(|| {
        let queue = Arc::new(Queue::new(1));
        queue.put_nowait(0).unwrap();
        let q = queue.clone();
        let putter = thread::spawn(move || {
            let mut put = q.put(1);
            poll_once(&mut put).is_ready()
        });
        assert_eq!(queue.get_nowait(), Ok(0));
        queue.task_done().unwrap();
        let completed = putter.join().unwrap();
        match queue.get_nowait() {
            Ok(item) => {
                assert_eq!(item, 1);
                queue.task_done().unwrap();
            }
            Err(error) => {
                assert!(!completed, "a completed put left its item");
                assert_eq!(error, GetError::Empty);
            }
        }
        assert_eq!(queue.task_done(), Err(TaskDoneError));
        queue.put_nowait(2).unwrap();
        assert_eq!(queue.put_nowait(3), Err(PutError::Full(3)));
    });
}
