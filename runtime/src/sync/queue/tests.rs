//! Unit tests of the queue protocol (`state.rs`) through its futures,
//! polled by hand with counting wakers: every interleaving here is
//! deterministic, so each rule of the module docs gets one exact test.

use super::*;
use crate::coop;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Wake, Waker};

/// A waker that counts its wake-ups.
#[derive(Default)]
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

struct TestWaker {
    counter: Arc<Counter>,
    waker: Waker,
}

impl TestWaker {
    fn new() -> TestWaker {
        let counter = Arc::new(Counter::default());
        let waker = Waker::from(counter.clone());
        TestWaker { counter, waker }
    }

    fn wakes(&self) -> usize {
        self.counter.0.load(SeqCst)
    }

    fn poll<F: Future + Unpin>(&self, future: &mut F) -> Poll<F::Output> {
        Pin::new(future).poll(&mut Context::from_waker(&self.waker))
    }
}

fn pending<F: Future + Unpin>(w: &TestWaker, future: &mut F) {
    assert!(w.poll(future).is_pending(), "expected pending");
}

fn ready<F: Future + Unpin>(w: &TestWaker, future: &mut F) -> F::Output {
    match w.poll(future) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("expected ready"),
    }
}

fn drain<T, S: Storage<T>>(queue: &GenericQueue<T, S>) -> Vec<T> {
    std::iter::from_fn(|| queue.get_nowait().ok()).collect()
}

#[test]
fn waiting_getters_are_served_in_arrival_order() {
    let queue = Queue::new(0);
    let waiters: Vec<TestWaker> = (0..3).map(|_| TestWaker::new()).collect();
    let mut gets: Vec<_> = (0..3).map(|_| queue.get()).collect();
    for (w, get) in waiters.iter().zip(&mut gets) {
        pending(w, get);
    }
    for i in 0..3 {
        queue.put_nowait(i).unwrap();
    }
    assert_eq!(queue.qsize(), 0, "items went straight to the getters");
    // Polled in reverse, each still gets the item it was served.
    for i in (0..3).rev() {
        assert_eq!(waiters[i].wakes(), 1);
        assert_eq!(ready(&waiters[i], &mut gets[i]), Ok(i));
    }
}

#[test]
fn a_newcomer_does_not_overtake_a_served_getter() {
    let queue = Queue::new(0);
    let w = TestWaker::new();
    let mut get = queue.get();
    pending(&w, &mut get);
    queue.put_nowait("for the waiter").unwrap();
    assert_eq!(queue.get_nowait(), Err(GetError::Empty));
    let mut newcomer = queue.get();
    pending(&TestWaker::new(), &mut newcomer);
    assert_eq!(ready(&w, &mut get), Ok("for the waiter"));
}

#[test]
fn waiting_putters_go_in_in_arrival_order_and_newcomers_wait_behind() {
    let queue = Queue::new(1);
    queue.put_nowait(0).unwrap();
    let (w1, w2) = (TestWaker::new(), TestWaker::new());
    let (mut p1, mut p2) = (queue.put(1), queue.put(2));
    pending(&w1, &mut p1);
    pending(&w2, &mut p2);
    assert_eq!(queue.put_nowait(9), Err(PutError::Full(9)));

    assert_eq!(queue.get_nowait(), Ok(0));
    assert_eq!((w1.wakes(), w2.wakes()), (1, 0));
    assert!(queue.full(), "the first putter's item took the freed slot");
    assert_eq!(queue.put_nowait(9), Err(PutError::Full(9)));

    assert_eq!(queue.get_nowait(), Ok(1));
    assert_eq!(w2.wakes(), 1);
    assert_eq!(ready(&w2, &mut p2), Ok(()));
    assert_eq!(ready(&w1, &mut p1), Ok(()));
    assert_eq!(drain(&queue), [2]);
}

#[test]
fn a_served_getter_dropped_hands_its_item_to_the_next_getter() {
    let queue = Queue::new(0);
    let (w1, w2) = (TestWaker::new(), TestWaker::new());
    let (mut g1, mut g2) = (queue.get(), queue.get());
    pending(&w1, &mut g1);
    pending(&w2, &mut g2);
    queue.put_nowait('x').unwrap();
    assert_eq!(w1.wakes(), 1);
    drop(g1);
    assert_eq!(w2.wakes(), 1, "the next getter is woken with the item");
    assert_eq!(ready(&w2, &mut g2), Ok('x'));
}

#[test]
fn a_served_getter_dropped_alone_puts_its_item_back_as_the_oldest() {
    fn served_then_dropped<S: Storage<u32>>(queue: &GenericQueue<u32, S>) {
        let mut get = queue.get();
        pending(&TestWaker::new(), &mut get);
        queue.put_nowait(1).unwrap();
        queue.put_nowait(2).unwrap();
        queue.put_nowait(3).unwrap();
        drop(get);
    }
    let fifo = Queue::new(0);
    served_then_dropped(&fifo);
    assert_eq!(drain(&fifo), [1, 2, 3]);
    let lifo = LifoQueue::new(0);
    served_then_dropped(&lifo);
    assert_eq!(drain(&lifo), [3, 2, 1]);
    let heap = PriorityQueue::new(0);
    served_then_dropped(&heap);
    assert_eq!(drain(&heap), [1, 2, 3]);
}

#[test]
fn an_item_given_back_to_a_full_queue_only_delays_putters() {
    let queue = Queue::new(1);
    let mut get = queue.get();
    pending(&TestWaker::new(), &mut get);
    queue.put_nowait(1).unwrap(); // handed to the getter
    queue.put_nowait(2).unwrap(); // fills the queue
    drop(get);
    assert_eq!(queue.qsize(), 2, "nothing is lost, even over maxsize");
    assert!(queue.full());
    let w = TestWaker::new();
    let mut put = queue.put(3);
    pending(&w, &mut put);
    assert_eq!(queue.get_nowait(), Ok(1));
    assert_eq!(w.wakes(), 0, "still at maxsize");
    assert_eq!(queue.get_nowait(), Ok(2));
    assert_eq!(ready(&w, &mut put), Ok(()));
    assert_eq!(drain(&queue), [3]);
}

#[test]
fn a_dropped_putter_leaves_no_phantom_slot_and_drops_its_item() {
    let queue = Queue::new(1);
    queue.put_nowait(Arc::new(0)).unwrap();
    let item = Arc::new(1);
    let mut put = queue.put(item.clone());
    pending(&TestWaker::new(), &mut put);
    drop(put);
    assert_eq!(Arc::strong_count(&item), 1, "the unput item was dropped");
    assert_eq!(*queue.get_nowait().unwrap(), 0);
    assert!(queue.empty());
    queue.put_nowait(Arc::new(2)).unwrap();
    assert!(queue.full(), "capacity is unchanged");
    assert_eq!(queue.task_done(), Ok(()));
    assert_eq!(queue.task_done(), Ok(()));
    assert_eq!(
        queue.task_done(),
        Err(TaskDoneError),
        "the dropped put never counted"
    );
}

#[test]
fn an_admitted_putter_dropped_before_its_next_poll_still_put() {
    let queue = Queue::new(1);
    queue.put_nowait(0).unwrap();
    let mut put = queue.put(1);
    pending(&TestWaker::new(), &mut put);
    assert_eq!(queue.get_nowait(), Ok(0));
    drop(put);
    assert_eq!(drain(&queue), [1]);
}

#[test]
fn a_getter_follows_its_tasks_latest_waker() {
    let queue = Queue::new(0);
    let (old, new) = (TestWaker::new(), TestWaker::new());
    let mut get = queue.get();
    pending(&old, &mut get);
    pending(&new, &mut get);
    queue.put_nowait(1).unwrap();
    assert_eq!((old.wakes(), new.wakes()), (0, 1));
    assert_eq!(ready(&new, &mut get), Ok(1));
}

#[test]
fn task_done_counts_puts_and_join_waits_for_all_of_them() {
    let queue = Queue::new(0);
    let w = TestWaker::new();
    ready(&w, &mut queue.join());
    queue.put_nowait(1).unwrap();
    queue.put_nowait(2).unwrap();
    let mut join = queue.join();
    pending(&w, &mut join);
    queue.task_done().unwrap();
    assert_eq!(w.wakes(), 0);
    queue.task_done().unwrap();
    assert_eq!(w.wakes(), 1);
    // Released, it completes even though a new item arrived before it ran
    // (as asyncio's join, which awaits an event that was set).
    queue.put_nowait(3).unwrap();
    ready(&w, &mut join);
    let mut later = queue.join();
    pending(&w, &mut later);
    queue.task_done().unwrap();
    assert_eq!(queue.task_done(), Err(TaskDoneError));
    assert_eq!(
        TaskDoneError.to_string(),
        "task_done() called too many times"
    );
}

#[test]
fn a_dropped_joiner_leaves_the_list() {
    let queue = Queue::new(0);
    queue.put_nowait(()).unwrap();
    let w = TestWaker::new();
    let mut join = queue.join();
    pending(&w, &mut join);
    drop(join);
    queue.task_done().unwrap();
    assert_eq!(w.wakes(), 0);
    assert!(format!("{queue:?}").contains("joiners: 0"));
}

#[test]
fn graceful_shutdown_releases_putters_with_their_items_and_keeps_items_for_gets() {
    let queue = Queue::new(1);
    queue.put_nowait(0).unwrap();
    let w = TestWaker::new();
    let mut put = queue.put(1);
    pending(&w, &mut put);
    queue.shutdown(false);
    assert_eq!(w.wakes(), 1);
    assert_eq!(ready(&w, &mut put), Err(QueueShutDown(1)));
    assert_eq!(queue.put_nowait(2), Err(PutError::ShutDown(2)));
    assert_eq!(ready(&w, &mut queue.put(3)), Err(QueueShutDown(3)));
    assert_eq!(ready(&w, &mut queue.get()), Ok(0));
    assert_eq!(ready(&w, &mut queue.get()), Err(QueueShutDown(())));
    // join still waits for the item that was got.
    let mut join = queue.join();
    pending(&w, &mut join);
    queue.task_done().unwrap();
    ready(&w, &mut join);
}

#[test]
fn shutdown_releases_every_waiting_getter() {
    let queue = Queue::<u8>::new(0);
    let waiters: Vec<TestWaker> = (0..3).map(|_| TestWaker::new()).collect();
    let mut gets: Vec<_> = (0..3).map(|_| queue.get()).collect();
    for (w, get) in waiters.iter().zip(&mut gets) {
        pending(w, get);
    }
    queue.shutdown(false);
    for (w, get) in waiters.iter().zip(&mut gets) {
        assert_eq!(w.wakes(), 1);
        assert_eq!(ready(w, get), Err(QueueShutDown(())));
    }
}

#[test]
fn immediate_shutdown_drops_the_items_counts_them_done_and_releases_joiners() {
    let queue = Queue::new(0);
    let item = Arc::new(());
    for _ in 0..3 {
        queue.put_nowait(item.clone()).unwrap();
    }
    let w = TestWaker::new();
    let mut join = queue.join();
    pending(&w, &mut join);
    queue.shutdown(true);
    assert_eq!(Arc::strong_count(&item), 1);
    assert_eq!(w.wakes(), 1);
    ready(&w, &mut join);
    assert_eq!(queue.get_nowait(), Err(GetError::ShutDown));
    assert_eq!(queue.task_done(), Err(TaskDoneError));
}

#[test]
fn immediate_shutdown_still_waits_for_items_being_processed() {
    let queue = Queue::new(0);
    queue.put_nowait(1).unwrap();
    queue.put_nowait(2).unwrap();
    assert_eq!(queue.get_nowait(), Ok(1)); // a consumer is working on it
    let w = TestWaker::new();
    let mut join = queue.join();
    pending(&w, &mut join);
    queue.shutdown(true);
    pending(&w, &mut join);
    queue.task_done().unwrap();
    ready(&w, &mut join);
}

#[test]
fn a_getter_served_before_an_immediate_shutdown_keeps_its_item() {
    let queue = Queue::new(0);
    let w = TestWaker::new();
    let mut get = queue.get();
    pending(&w, &mut get);
    queue.put_nowait(7).unwrap();
    queue.shutdown(true);
    assert_eq!(ready(&w, &mut get), Ok(7));
}

#[test]
fn a_served_getter_dropped_after_an_immediate_shutdown_drops_its_item_as_done() {
    let queue = Queue::new(0);
    let item = Arc::new(());
    let w = TestWaker::new();
    let mut get = queue.get();
    pending(&w, &mut get);
    queue.put_nowait(item.clone()).unwrap();
    queue.shutdown(true);
    let mut join = queue.join();
    pending(&w, &mut join);
    drop(get);
    assert_eq!(Arc::strong_count(&item), 1);
    assert!(queue.empty());
    ready(&w, &mut join);
}

#[test]
fn a_served_getter_dropped_after_a_graceful_shutdown_leaves_the_item_to_get() {
    let queue = Queue::new(0);
    let mut get = queue.get();
    pending(&TestWaker::new(), &mut get);
    queue.put_nowait(7).unwrap();
    queue.shutdown(false);
    drop(get);
    assert_eq!(queue.get_nowait(), Ok(7));
    assert_eq!(queue.get_nowait(), Err(GetError::ShutDown));
}

/// An item whose destructor checks that the queue is not locked.
struct ChecksUnlocked(Weak<Queue<ChecksUnlocked>>, Arc<AtomicUsize>);

impl Drop for ChecksUnlocked {
    fn drop(&mut self) {
        if let Some(queue) = self.0.upgrade() {
            assert!(
                queue.state.try_lock().is_some(),
                "an item was dropped under the queue's lock"
            );
        }
        self.1.fetch_add(1, SeqCst);
    }
}

#[test]
fn items_are_never_dropped_under_the_lock() {
    let queue = Arc::new(Queue::new(1));
    let drops = Arc::new(AtomicUsize::new(0));
    let item = || ChecksUnlocked(Arc::downgrade(&queue), drops.clone());
    // A cancelled putter's item.
    queue.put_nowait(item()).unwrap();
    let mut put = queue.put(item());
    pending(&TestWaker::new(), &mut put);
    drop(put);
    // Items drained by an immediate shutdown.
    queue.shutdown(true);
    assert_eq!(drops.load(SeqCst), 2);
    // A served getter's item dropped after the shutdown.
    let queue2 = Arc::new(Queue::new(0));
    let mut get = queue2.get();
    pending(&TestWaker::new(), &mut get);
    queue2
        .put_nowait(ChecksUnlocked(Arc::downgrade(&queue2), drops.clone()))
        .unwrap();
    queue2.shutdown(true);
    drop(get);
    assert_eq!(drops.load(SeqCst), 3);
}

#[test]
fn giving_up_takes_an_outcome_that_arrived_after_the_last_poll() {
    let queue = Queue::new(1);
    // A getter that is still waiting leaves with Empty...
    let mut get = queue.get();
    pending(&TestWaker::new(), &mut get);
    assert_eq!(get.give_up(), Err(GetError::Empty));
    drop(get);
    // ...one served since takes its item.
    let mut get = queue.get();
    pending(&TestWaker::new(), &mut get);
    queue.put_nowait(1).unwrap();
    assert_eq!(get.give_up(), Ok(1));
    drop(get);
    assert!(queue.empty());

    queue.put_nowait(2).unwrap();
    // A putter still waiting leaves with its item...
    let mut put = queue.put(3);
    pending(&TestWaker::new(), &mut put);
    assert_eq!(put.give_up(), Err(PutError::Full(3)));
    drop(put);
    // ...one admitted since reports success.
    let mut put = queue.put(4);
    pending(&TestWaker::new(), &mut put);
    assert_eq!(queue.get_nowait(), Ok(2));
    assert_eq!(put.give_up(), Ok(()));
    drop(put);
    // ...one released by shutdown gets its item back.
    let mut put = queue.put(5);
    pending(&TestWaker::new(), &mut put);
    queue.shutdown(false);
    assert_eq!(put.give_up(), Err(PutError::ShutDown(5)));
    drop(put);
    assert_eq!(drain(&queue), [4]);
}

#[test]
fn a_loop_of_ready_gets_runs_out_of_budget_and_yields() {
    let queue = Queue::new(0);
    for i in 0..(coop::BUDGET as usize * 2) {
        queue.put_nowait(i).unwrap();
    }
    let w = TestWaker::new();
    let got = coop::with_budget(|| {
        let mut got = 0;
        while let Poll::Ready(item) = w.poll(&mut queue.get()) {
            item.unwrap();
            got += 1;
        }
        got
    });
    assert_eq!(got, coop::BUDGET as usize);
    assert_eq!(w.wakes(), 1, "the task was rescheduled");
    assert_eq!(queue.qsize(), coop::BUDGET as usize, "no item was taken");
}

#[test]
fn a_pending_get_refunds_its_budget() {
    let queue = Queue::<u8>::new(0);
    let w = TestWaker::new();
    coop::with_budget(|| {
        let mut get = queue.get();
        for _ in 0..(coop::BUDGET as usize * 2) {
            pending(&w, &mut get);
        }
    });
    assert_eq!(w.wakes(), 0);
}

#[test]
fn debug_shows_the_counts_without_requiring_debug_items() {
    struct Opaque;
    let queue = Queue::new(3);
    queue.put_nowait(Opaque).unwrap();
    let text = format!("{queue:?}");
    assert!(text.contains("qsize: 1"), "{text}");
    assert!(text.contains("maxsize: 3"), "{text}");
    let mut get = queue.get();
    assert_eq!(format!("{get:?}"), "Get { waiting: false, .. }");
    assert!(ready(&TestWaker::new(), &mut get).is_ok());
}

#[test]
fn queues_and_their_futures_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    type NotSync = std::cell::Cell<u8>;
    send_sync::<Queue<NotSync>>();
    send_sync::<LifoQueue<NotSync>>();
    send_sync::<PriorityQueue<u8>>();
    send_sync::<Get<'static, NotSync, Fifo<NotSync>>>();
    send_sync::<Put<'static, u8, Fifo<u8>>>();
    send_sync::<Join<'static, u8, Lifo<u8>>>();
}
