//! Loom models of the waiter queue's cancellation protocol, run with
//! `RUSTFLAGS="--cfg runtime_loom" cargo test -p runtime --lib --release loom`.
//!
//! In each model a grant (a release, a notification) races the drop of the
//! waiter it may be meant for, while another waiter is blocked behind it.
//! If the grant were lost, that waiter would never wake and loom would
//! report the deadlock.

use super::permits::Permits;
use super::Condition;
use loom::sync::Arc;
use loom::thread;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Wake, Waker};

fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// Polls `future` on this loom thread, parking between polls.
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(thread::Thread);
    impl Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(std::sync::Arc::new(Unpark(thread::current())));
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut Context::from_waker(&waker)) {
            return out;
        }
        thread::park();
    }
}

#[test]
fn loom_a_released_permit_survives_the_cancellation_of_its_waiter() {
    loom::model(|| {
        let permits = Arc::new(Permits::new(0, None));
        // `a` is first in line, `b` behind it.
        let mut a = Box::pin(permits.acquire(1));
        assert!(poll_once(a.as_mut()).is_pending());
        let p = permits.clone();
        let b = thread::spawn(move || {
            block_on(p.acquire(1));
            p.release(1).unwrap();
        });
        let p = permits.clone();
        let releaser = thread::spawn(move || p.release(1).unwrap());
        // `a` gives up, before or after the permit was granted to it.
        drop(a);
        releaser.join().unwrap();
        b.join().unwrap();
        assert_eq!(permits.available(), 1);
    });
}

#[test]
fn loom_a_notification_survives_the_cancellation_of_its_waiter() {
    loom::model(|| {
        let cond = Arc::new(Condition::new(()));
        let waiter = |cond: Arc<Condition>| {
            let mut w = Box::pin(async move {
                let guard = cond.lock().await;
                drop(cond.wait(guard).await);
            });
            assert!(poll_once(w.as_mut()).is_pending());
            w
        };
        // Both in line: `a` first.
        let a = waiter(cond.clone());
        let b = waiter(cond.clone());
        let b = thread::spawn(move || block_on(b));
        let c = cond.clone();
        let notifier = thread::spawn(move || assert_eq!(c.notify(1), 1));
        drop(a);
        notifier.join().unwrap();
        b.join().unwrap();
        assert!(!cond.locked());
    });
}
