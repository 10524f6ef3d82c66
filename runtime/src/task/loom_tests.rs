//! Loom models of the task state machine, run with
//! `RUSTFLAGS="--cfg runtime_loom" cargo test -p runtime --lib --release loom`.
//!
//! Each model drives a real task (the same `raw.rs` and `state.rs` code)
//! through a tiny scheduler whose run queue is a loom mutex, and explores
//! every interleaving of the racing threads.

use super::{Meta, Notified, RawTask, Schedule, Task, TaskError, TaskId};
use crate::loom::sync::Mutex;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A run queue for loom models of code that handles real tasks (also
/// used by `scheduler/loom_handover.rs`).
#[derive(Clone)]
pub(crate) struct Queue(Arc<Mutex<VecDeque<Notified>>>);

impl Schedule for Queue {
    fn schedule(&self, task: Notified) {
        self.0.lock().push_back(task);
    }
    fn release(&self, _task: &super::Header) -> bool {
        false
    }
    /// The models' futures do not panic; none is left unread.
    fn unhandled_panic(&self, _task: &super::Header, _payload: &super::PanicPayload) {}
}

impl Queue {
    pub(crate) fn new() -> Queue {
        Queue(Arc::new(Mutex::new(VecDeque::new())))
    }

    fn drain(&self) {
        loop {
            let next = self.0.lock().pop_front();
            match next {
                Some(task) => task.run(),
                None => return,
            }
        }
    }
}

/// A real task scheduled on `queue`, with its handle and first `Notified`.
pub(crate) fn spawn<F: Future + Send + 'static>(
    future: F,
    queue: &Queue,
) -> (Task<F::Output>, Notified)
where
    F::Output: Send,
{
    let meta = Meta::new(std::panic::Location::caller(), 0, None, None);
    let raw = RawTask::new(future, queue.clone(), TaskId::next(), meta, false);
    // SAFETY: a fresh unowned task holds one reference for its handle and one
    // for its first `Notified`; the output type matches.
    unsafe { (Task::from_raw(raw), Notified::from_raw(raw)) }
}

/// Counts drops of the value it is part of.
struct Counted(Arc<AtomicUsize>);
impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Pending on the first poll (publishing its waker), ready on the next.
struct PendingOnce {
    waker: Arc<Mutex<Option<Waker>>>,
    polled: bool,
    _guard: Counted,
}

impl Future for PendingOnce {
    type Output = usize;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        if self.polled {
            return Poll::Ready(1);
        }
        self.polled = true;
        *self.waker.lock() = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Polls `future` on this loom thread, yielding until its waker fires.
fn block_on<F: Future>(future: F) -> F::Output {
    struct Flag(loom::sync::atomic::AtomicBool);
    impl std::task::Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.store(true, SeqCst);
        }
    }
    let flag = std::sync::Arc::new(Flag(loom::sync::atomic::AtomicBool::new(false)));
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        while !flag.0.swap(false, SeqCst) {
            thread::yield_now();
        }
    }
}

fn wake_when_published(slot: &Mutex<Option<Waker>>) {
    loop {
        if let Some(waker) = slot.lock().take() {
            waker.wake();
            return;
        }
        thread::yield_now();
    }
}

/// A `PendingOnce` task whose first poll already runs on another thread.
struct PendingOnceTask {
    queue: Queue,
    slot: Arc<Mutex<Option<Waker>>>,
    drops: Arc<AtomicUsize>,
    task: Task<usize>,
    poller: thread::JoinHandle<()>,
}

fn spawn_pending_once() -> PendingOnceTask {
    let queue = Queue::new();
    let slot = Arc::new(Mutex::new(None));
    let drops = Arc::new(AtomicUsize::new(0));
    let (task, notified) = spawn(
        PendingOnce {
            waker: slot.clone(),
            polled: false,
            _guard: Counted(drops.clone()),
        },
        &queue,
    );
    let q = queue.clone();
    let poller = thread::spawn(move || {
        notified.run();
        q.drain();
    });
    PendingOnceTask {
        queue,
        slot,
        drops,
        task,
        poller,
    }
}

#[test]
fn loom_wake_racing_the_poll_that_registered_it() {
    loom::model(|| {
        let PendingOnceTask {
            queue,
            slot,
            drops,
            task,
            poller,
        } = spawn_pending_once();
        let waker = thread::spawn(move || wake_when_published(&slot));
        poller.join().unwrap();
        waker.join().unwrap();
        queue.drain();
        assert_eq!(block_on(task).unwrap(), 1);
        assert_eq!(drops.load(SeqCst), 1);
    });
}

#[test]
fn loom_cancel_racing_a_poll() {
    loom::model(|| {
        let PendingOnceTask {
            queue,
            slot,
            drops,
            task,
            poller,
        } = spawn_pending_once();
        assert!(task.cancel());
        poller.join().unwrap();
        queue.drain();
        let result = block_on(task);
        assert!(matches!(result, Err(TaskError::Cancelled)), "{result:?}");
        assert_eq!(drops.load(SeqCst), 1, "the future is dropped exactly once");
        drop(slot);
    });
}

#[test]
fn loom_join_waker_registration_racing_completion() {
    struct Flag(loom::sync::atomic::AtomicBool);
    impl std::task::Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.store(true, SeqCst);
        }
    }
    loom::model(|| {
        let queue = Queue::new();
        let (mut task, notified) = spawn(async { 7 }, &queue);
        let poller = thread::spawn(move || notified.run());
        // One poll of the handle, racing the completion.
        let flag = std::sync::Arc::new(Flag(loom::sync::atomic::AtomicBool::new(false)));
        let waker = Waker::from(flag.clone());
        let first = Pin::new(&mut task).poll(&mut Context::from_waker(&waker));
        poller.join().unwrap();
        match first {
            Poll::Ready(output) => assert_eq!(output.unwrap(), 7),
            Poll::Pending => {
                assert!(flag.0.load(SeqCst), "the joiner was never woken");
                let again = Pin::new(&mut task).poll(&mut Context::from_waker(&waker));
                assert!(matches!(again, Poll::Ready(Ok(7))));
            }
        }
    });
}

#[test]
fn loom_last_reference_dropped_on_another_thread() {
    loom::model(|| {
        let queue = Queue::new();
        let outputs = Arc::new(AtomicUsize::new(0));
        let futures = Arc::new(AtomicUsize::new(0));
        let (out, fut) = (outputs.clone(), futures.clone());
        let guard = Counted(fut);
        let (task, notified) = spawn(
            async move {
                let _guard = guard;
                Counted(out)
            },
            &queue,
        );
        let poller = thread::spawn(move || notified.run());
        let dropper = thread::spawn(move || drop(task));
        poller.join().unwrap();
        dropper.join().unwrap();
        assert_eq!(futures.load(SeqCst), 1);
        assert_eq!(
            outputs.load(SeqCst),
            1,
            "the output is dropped exactly once"
        );
    });
}

#[test]
fn loom_wake_after_completion_schedules_nothing() {
    loom::model(|| {
        let queue = Queue::new();
        let slot: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
        let s = slot.clone();
        let (task, notified) = spawn(
            std::future::poll_fn(move |cx| {
                *s.lock() = Some(cx.waker().clone());
                Poll::Ready(3)
            }),
            &queue,
        );
        let poller = thread::spawn(move || notified.run());
        let waker = thread::spawn(move || wake_when_published(&slot));
        poller.join().unwrap();
        waker.join().unwrap();
        assert!(queue.0.lock().is_empty(), "a finished task is never queued");
        assert_eq!(block_on(task).unwrap(), 3);
    });
}

#[test]
fn loom_cancel_handle_racing_completion_and_handle_drop() {
    // TaskGroup's cancel handle: a counted reference that can only cancel.
    // Cancelling through it while the task completes and its `Task` handle
    // is dropped must drop the future exactly once, and the output (if the
    // task got to produce one) exactly once.
    loom::model(|| {
        let queue = Queue::new();
        let futures = Arc::new(AtomicUsize::new(0));
        let outputs = Arc::new(AtomicUsize::new(0));
        let (fut, out) = (futures.clone(), outputs.clone());
        let guard = Counted(fut);
        let (task, notified) = spawn(
            async move {
                let _guard = guard;
                Counted(out)
            },
            &queue,
        );
        let cancel = task.cancel_handle();
        let q = queue.clone();
        let poller = thread::spawn(move || {
            notified.run();
            q.drain();
        });
        let canceller = thread::spawn(move || {
            cancel.cancel();
            drop(cancel);
        });
        drop(task);
        poller.join().unwrap();
        canceller.join().unwrap();
        queue.drain();
        assert_eq!(
            futures.load(SeqCst),
            1,
            "the future is dropped exactly once"
        );
        // Cancelled before its poll, the task produces no output at all.
        assert!(
            outputs.load(SeqCst) <= 1,
            "the output is dropped at most once"
        );
    });
}
