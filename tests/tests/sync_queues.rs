//! asyncio's queues: every method and error, the three orders, back-pressure,
//! task_done/join, shutdown (graceful and immediate) waking every waiter,
//! cancellation races, plain threads on either side, and many producers
//! and consumers on four workers.
//!
//! Futures are sometimes polled by hand (public `Future` impls) so that
//! "this waiter is queued now" is a fact rather than a hope about timing.
//! No test asserts a duration; the timeouts below only turn a lost
//! wake-up into a failure instead of a hang.

use runtime::sync::{
    GetError, LifoQueue, PriorityQueue, PutError, Queue, QueueEmpty, QueueFull, QueueShutDown,
    TaskDoneError,
};
use runtime::TaskError;
use runtime_tests::{rt, DropCounter, DropToken};
use std::cmp::Reverse;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// Generous: only a lost wake-up could take this long.
const HANG: Duration = Duration::from_secs(20);

/// Awaits `future`, failing the test instead of hanging if it never ends.
async fn within<F: Future>(what: &str, future: F) -> F::Output {
    match runtime::timeout(HANG, future).await {
        Ok(output) => output,
        Err(_) => panic!("{what} never finished: a waiter was not woken"),
    }
}

/// A waker that counts wake-ups, for polling futures by hand.
#[derive(Default)]
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

struct Poller {
    counter: Arc<Counter>,
    waker: Waker,
}

impl Poller {
    fn new() -> Poller {
        let counter = Arc::new(Counter::default());
        Poller {
            waker: Waker::from(counter.clone()),
            counter,
        }
    }

    fn poll<F: Future + Unpin>(&self, future: &mut F) -> Poll<F::Output> {
        Pin::new(future).poll(&mut Context::from_waker(&self.waker))
    }

    fn woken(&self) -> bool {
        self.counter.0.load(SeqCst) > 0
    }
}

// ---------------------------------------------------------------------------
// Methods and errors

#[test]
fn queues_are_send_and_sync_and_errors_are_errors() {
    fn send_sync<T: Send + Sync + 'static>() {}
    fn error<E: std::error::Error + Send + Sync + 'static>() {}
    send_sync::<Queue<std::cell::Cell<u8>>>();
    send_sync::<LifoQueue<String>>();
    send_sync::<PriorityQueue<u64>>();
    error::<QueueEmpty>();
    error::<QueueFull<u8>>();
    error::<QueueShutDown>();
    error::<QueueShutDown<String>>();
    error::<PutError<u8>>();
    error::<GetError>();
    error::<TaskDoneError>();
}

#[test]
fn nowait_methods_report_full_empty_and_shut_down_and_give_items_back() {
    let queue = Queue::new(2);
    assert_eq!(queue.maxsize(), 2);
    assert_eq!(
        (queue.qsize(), queue.empty(), queue.full()),
        (0, true, false)
    );
    assert_eq!(queue.get_nowait(), Err(GetError::Empty));
    queue.put_nowait("a").unwrap();
    assert_eq!(
        (queue.qsize(), queue.empty(), queue.full()),
        (1, false, false)
    );
    queue.put_nowait("b").unwrap();
    assert_eq!(
        (queue.qsize(), queue.empty(), queue.full()),
        (2, false, true)
    );
    let err = queue.put_nowait("c").unwrap_err();
    assert!(err.is_full());
    assert_eq!(err.to_string(), "the queue is full");
    assert_eq!(err.into_inner(), "c");
    assert_eq!(queue.get_nowait(), Ok("a"));
    assert!(!queue.is_shut_down());
    queue.shutdown(false);
    assert!(queue.is_shut_down());
    let err = queue.put_nowait("d").unwrap_err();
    assert!(err.is_shut_down());
    assert_eq!(err.to_string(), "the queue was shut down");
    assert_eq!(err, PutError::ShutDown("d"));
    assert_eq!(queue.get_nowait(), Ok("b"));
    let err = queue.get_nowait().unwrap_err();
    assert!(err.is_shut_down());
    assert_eq!(err.to_string(), "the queue was shut down");
}

#[test]
fn the_contract_error_types_convert_into_the_enums() {
    assert_eq!(GetError::from(QueueEmpty), GetError::Empty);
    assert_eq!(GetError::from(QueueShutDown(())), GetError::ShutDown);
    assert_eq!(PutError::from(QueueFull(1)), PutError::Full(1));
    assert_eq!(PutError::from(QueueShutDown(2)), PutError::ShutDown(2));
    assert_eq!(QueueEmpty.to_string(), "the queue is empty");
    assert_eq!(QueueFull(()).into_inner(), ());
    assert_eq!(format!("{:?}", QueueFull(vec![1])), "QueueFull(..)");
    assert_eq!(
        TaskDoneError.to_string(),
        "task_done() called too many times"
    );
}

#[test]
fn an_unbounded_queue_is_never_full_and_default_is_unbounded() {
    let queue: Queue<u32> = Queue::default();
    assert_eq!(queue.maxsize(), 0);
    for i in 0..10_000 {
        queue.put_nowait(i).unwrap();
    }
    assert!(!queue.full());
    assert_eq!(queue.qsize(), 10_000);
}

#[test]
fn async_put_and_get_and_debug() {
    rt(1).block_on(async {
        let queue = Queue::new(0);
        queue.put(1).await.unwrap();
        queue.put(2).await.unwrap();
        assert_eq!(queue.get().await, Ok(1));
        let text = format!("{queue:?}");
        assert!(text.contains("qsize: 1"), "{text}");
        assert_eq!(queue.get().await, Ok(2));
    });
}

// ---------------------------------------------------------------------------
// Orders

#[test]
fn fifo_lifo_and_priority_orders() {
    rt(2).block_on(async {
        let items = [5, 1, 4, 1, 5, 9, 2, 6];
        let fifo = Queue::new(0);
        let lifo = LifoQueue::new(0);
        let heap = PriorityQueue::new(0);
        for i in items {
            fifo.put(i).await.unwrap();
            lifo.put(i).await.unwrap();
            heap.put(i).await.unwrap();
        }
        let mut got = (Vec::new(), Vec::new(), Vec::new());
        for _ in items {
            got.0.push(fifo.get().await.unwrap());
            got.1.push(lifo.get().await.unwrap());
            got.2.push(heap.get().await.unwrap());
        }
        let mut reversed = items;
        reversed.reverse();
        let mut sorted = items;
        sorted.sort();
        assert_eq!(got.0, items);
        assert_eq!(got.1, reversed);
        assert_eq!(got.2, sorted);
    });
}

#[test]
fn priority_queue_takes_tuples_and_reverse_like_heapq() {
    let jobs = PriorityQueue::new(0);
    jobs.put_nowait((3, "low")).unwrap();
    jobs.put_nowait((1, "urgent")).unwrap();
    jobs.put_nowait((2, "normal")).unwrap();
    assert_eq!(jobs.get_nowait(), Ok((1, "urgent")));
    let largest_first = PriorityQueue::new(0);
    for i in [2, 7, 1] {
        largest_first.put_nowait(Reverse(i)).unwrap();
    }
    assert_eq!(largest_first.get_nowait(), Ok(Reverse(7)));
}

// ---------------------------------------------------------------------------
// Waiting, back-pressure and fairness

#[test]
fn a_putter_waits_while_full_until_a_get_makes_room() {
    rt(2).block_on(async {
        let queue = Arc::new(Queue::new(1));
        queue.put(0).await.unwrap();
        let q = queue.clone();
        let putter = runtime::spawn(async move { q.put(1).await });
        // However long we wait, the putter cannot finish: the queue is full.
        runtime::sleep(Duration::from_millis(20)).await;
        assert!(!putter.is_done());
        assert_eq!(queue.qsize(), 1);
        assert_eq!(queue.get().await, Ok(0));
        within("the putter", putter).await.unwrap().unwrap();
        assert_eq!(queue.get().await, Ok(1));
    });
}

#[test]
fn a_getter_waits_while_empty_until_a_put() {
    rt(2).block_on(async {
        let queue = Arc::new(Queue::new(0));
        let q = queue.clone();
        let getter = runtime::spawn(async move { q.get().await });
        runtime::sleep(Duration::from_millis(20)).await;
        assert!(!getter.is_done());
        queue.put("item").await.unwrap();
        assert_eq!(within("the getter", getter).await.unwrap(), Ok("item"));
    });
}

#[test]
fn waiting_getters_are_served_first_come_first_served() {
    let queue = Queue::new(0);
    let pollers: Vec<Poller> = (0..4).map(|_| Poller::new()).collect();
    let mut gets: Vec<_> = (0..4).map(|_| queue.get()).collect();
    for (p, get) in pollers.iter().zip(&mut gets) {
        assert!(p.poll(get).is_pending());
    }
    for i in 0..4 {
        queue.put_nowait(i).unwrap();
    }
    // A newcomer does not overtake them.
    assert_eq!(queue.get_nowait(), Err(GetError::Empty));
    for (i, (p, get)) in pollers.iter().zip(&mut gets).enumerate().rev() {
        assert!(p.woken());
        assert_eq!(p.poll(get), Poll::Ready(Ok(i)));
    }
}

#[test]
fn waiting_putters_go_in_first_come_first_served() {
    let queue = Queue::new(1);
    queue.put_nowait(0).unwrap();
    let pollers: Vec<Poller> = (0..3).map(|_| Poller::new()).collect();
    let mut puts: Vec<_> = (1..=3).map(|i| queue.put(i)).collect();
    for (p, put) in pollers.iter().zip(&mut puts) {
        assert!(p.poll(put).is_pending());
    }
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(queue.get_nowait().unwrap());
        // A newcomer never takes the slot a waiter was queued for.
        assert_eq!(queue.put_nowait(99), Err(PutError::Full(99)));
    }
    got.push(queue.get_nowait().unwrap());
    assert_eq!(got, [0, 1, 2, 3]);
    assert!(queue.empty());
    for (p, put) in pollers.iter().zip(&mut puts) {
        assert!(p.woken());
        assert_eq!(p.poll(put), Poll::Ready(Ok(())));
    }
}

#[test]
fn a_loop_of_ready_gets_still_lets_other_tasks_run() {
    // One worker: without the cooperative budget, the draining task would
    // hold it until the queue was empty.
    const ITEMS: usize = 100_000;
    let rt = rt(1);
    let other_ran_before_the_drain_ended = rt
        .spawn(async {
            let queue = Queue::new(0);
            for i in 0..ITEMS {
                queue.put_nowait(i).unwrap();
            }
            let flag = Arc::new(AtomicBool::new(false));
            let f = flag.clone();
            // Queued on this worker, behind us.
            let other = runtime::spawn(async move { f.store(true, SeqCst) });
            for _ in 0..ITEMS {
                queue.get().await.unwrap();
            }
            let ran = flag.load(SeqCst);
            other.await.unwrap();
            ran
        })
        .join_blocking()
        .unwrap();
    assert!(other_ran_before_the_drain_ended);
}

// ---------------------------------------------------------------------------
// task_done and join

#[test]
fn join_waits_until_every_item_is_marked_done() {
    rt(4).block_on(async {
        let queue = Arc::new(Queue::new(4));
        let processed = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let (queue, processed) = (queue.clone(), processed.clone());
                runtime::spawn(async move {
                    while let Ok(item) = queue.get().await {
                        runtime::yield_now().await;
                        processed.fetch_add(item, SeqCst);
                        queue.task_done().unwrap();
                    }
                })
            })
            .collect();
        for i in 1..=100 {
            queue.put(i).await.unwrap();
        }
        within("join", queue.join()).await;
        assert_eq!(processed.load(SeqCst), 5050);
        queue.shutdown(false);
        for worker in workers {
            within("a worker", worker).await.unwrap();
        }
    });
}

#[test]
fn join_returns_at_once_when_nothing_is_unfinished_and_task_done_too_often_fails() {
    rt(1).block_on(async {
        let queue = Queue::new(0);
        queue.join().await;
        assert_eq!(queue.task_done(), Err(TaskDoneError));
        queue.put(()).await.unwrap();
        queue.get().await.unwrap();
        let poller = Poller::new();
        let mut join = queue.join();
        assert!(poller.poll(&mut join).is_pending());
        queue.task_done().unwrap();
        assert!(poller.woken());
        assert_eq!(poller.poll(&mut join), Poll::Ready(()));
        let err = queue.task_done().unwrap_err();
        assert_eq!(err.to_string(), "task_done() called too many times");
    });
}

// ---------------------------------------------------------------------------
// Shutdown

#[test]
fn shutdown_wakes_every_waiting_getter_putter_and_joiner_polled_by_hand() {
    for immediate in [false, true] {
        let empty = Queue::<u8>::new(0);
        let full = Queue::new(1);
        full.put_nowait(0).unwrap();
        let getters: Vec<_> = (0..3).map(|_| (Poller::new(), empty.get())).collect();
        let putters: Vec<_> = (1..=3).map(|i| (Poller::new(), full.put(i))).collect();
        let joiner = (Poller::new(), full.join());
        let mut all_getters = getters;
        let mut all_putters = putters;
        let (joiner_poller, mut join) = joiner;
        for (p, get) in &mut all_getters {
            assert!(p.poll(get).is_pending());
        }
        for (p, put) in &mut all_putters {
            assert!(p.poll(put).is_pending());
        }
        assert!(joiner_poller.poll(&mut join).is_pending());

        empty.shutdown(immediate);
        full.shutdown(immediate);

        for (p, get) in &mut all_getters {
            assert!(p.woken());
            assert_eq!(p.poll(get), Poll::Ready(Err(QueueShutDown(()))));
        }
        for (i, (p, put)) in all_putters.iter_mut().enumerate() {
            assert!(p.woken());
            assert_eq!(p.poll(put), Poll::Ready(Err(QueueShutDown(i as u8 + 1))));
        }
        if immediate {
            // The item left was dropped and counted done: join is released.
            assert!(joiner_poller.woken());
            assert_eq!(joiner_poller.poll(&mut join), Poll::Ready(()));
            assert_eq!(full.get_nowait(), Err(GetError::ShutDown));
        } else {
            // Graceful: the item is still there to process, and join waits
            // for it.
            assert!(joiner_poller.poll(&mut join).is_pending());
            assert_eq!(full.get_nowait(), Ok(0));
            assert_eq!(full.get_nowait(), Err(GetError::ShutDown));
            full.task_done().unwrap();
            assert!(joiner_poller.woken());
            assert_eq!(joiner_poller.poll(&mut join), Poll::Ready(()));
        }
    }
}

#[test]
fn shutdown_wakes_waiting_tasks_on_every_worker() {
    let rt = rt(4);
    rt.block_on(async {
        let empty = Arc::new(Queue::<u32>::new(0));
        let full = Arc::new(Queue::new(1));
        full.put(0).await.unwrap();
        let getters: Vec<_> = (0..8)
            .map(|_| {
                let q = empty.clone();
                runtime::spawn(async move { q.get().await })
            })
            .collect();
        let putters: Vec<_> = (1..=8)
            .map(|i| {
                let q = full.clone();
                runtime::spawn(async move { q.put(i).await })
            })
            .collect();
        let joiners: Vec<_> = (0..4)
            .map(|_| {
                let q = full.clone();
                runtime::spawn(async move { q.join().await })
            })
            .collect();
        // Let them start waiting (if some have not, they fail the same way).
        runtime::sleep(Duration::from_millis(20)).await;
        empty.shutdown(false);
        full.shutdown(true);
        for getter in getters {
            assert_eq!(
                within("a getter", getter).await.unwrap(),
                Err(QueueShutDown(()))
            );
        }
        let mut returned: Vec<u32> = Vec::new();
        for putter in putters {
            let err = within("a putter", putter).await.unwrap().unwrap_err();
            returned.push(err.into_inner());
        }
        returned.sort();
        assert_eq!(
            returned,
            (1..=8).collect::<Vec<_>>(),
            "every item given back"
        );
        for joiner in joiners {
            within("a joiner", joiner).await.unwrap();
        }
    });
}

#[test]
fn graceful_shutdown_lets_consumers_drain_then_stop() {
    rt(2).block_on(async {
        let queue = Arc::new(Queue::new(0));
        for i in 0..10 {
            queue.put(i).await.unwrap();
        }
        queue.shutdown(false);
        assert_eq!(queue.put(10).await, Err(QueueShutDown(10)));
        let q = queue.clone();
        let consumer = runtime::spawn(async move {
            let mut got = Vec::new();
            while let Ok(item) = q.get().await {
                got.push(item);
                q.task_done().unwrap();
            }
            got
        });
        let got = within("the consumer", consumer).await.unwrap();
        assert_eq!(got, (0..10).collect::<Vec<_>>());
        within("join", queue.join()).await;
    });
}

#[test]
fn immediate_shutdown_drops_the_items_left_exactly_once() {
    let drops = DropCounter::new();
    rt(1).block_on(async {
        let queue: Queue<DropToken> = Queue::new(0);
        for _ in 0..5 {
            queue.put(drops.token()).await.unwrap();
        }
        queue.shutdown(true);
        assert_eq!(drops.drops(), 5);
        assert!(queue.empty());
        assert!(queue.get().await.is_err());
        queue.join().await;
        // A second shutdown is harmless.
        queue.shutdown(true);
    });
    assert_eq!(drops.drops(), 5);
}

// ---------------------------------------------------------------------------
// Cancellation

#[test]
fn a_getter_dropped_after_it_was_served_loses_no_item() {
    let queue = Queue::new(0);
    let poller = Poller::new();
    let mut get = queue.get();
    assert!(poller.poll(&mut get).is_pending());
    queue.put_nowait("precious").unwrap();
    assert!(poller.woken(), "served and woken...");
    drop(get); // ...but cancelled before it ran
    assert_eq!(queue.get_nowait(), Ok("precious"));
}

#[test]
fn a_served_getter_cancelled_hands_its_item_to_the_next_getter() {
    rt(2).block_on(async {
        let queue = Arc::new(Queue::new(0));
        let poller = Poller::new();
        let mut first = queue.get();
        assert!(poller.poll(&mut first).is_pending());
        let q = queue.clone();
        let second = runtime::spawn(async move { q.get().await });
        runtime::sleep(Duration::from_millis(10)).await; // let it queue up
        queue.put("item").await.unwrap();
        drop(first);
        assert_eq!(
            within("the second getter", second).await.unwrap(),
            Ok("item")
        );
    });
}

#[test]
fn timed_out_getters_never_lose_an_item() {
    // Gets that time out race puts on other workers; every item put is got
    // exactly once, by a get that completed or by the final drain.
    const ROUNDS: usize = 2_000;
    let rt = rt(4);
    let got = rt.block_on(async {
        let queue = Arc::new(Queue::new(0));
        let got = Arc::new(Mutex::new(Vec::new()));
        let getters: Vec<_> = (0..4)
            .map(|_| {
                let (queue, got) = (queue.clone(), got.clone());
                runtime::spawn(async move {
                    for _ in 0..ROUNDS / 2 {
                        // Timeouts short enough that many expire.
                        let wait = Duration::from_micros(1);
                        if let Ok(item) = runtime::timeout(wait, queue.get()).await {
                            got.lock().unwrap().push(item.unwrap());
                        }
                    }
                })
            })
            .collect();
        for i in 0..ROUNDS {
            queue.put(i).await.unwrap();
            if i % 16 == 0 {
                runtime::yield_now().await;
            }
        }
        for getter in getters {
            within("a getter", getter).await.unwrap();
        }
        while let Ok(item) = queue.get_nowait() {
            got.lock().unwrap().push(item);
        }
        let got = got.lock().unwrap().clone();
        got
    });
    let mut got = got;
    got.sort();
    assert_eq!(got, (0..ROUNDS).collect::<Vec<_>>());
}

#[test]
fn cancelled_getter_tasks_never_lose_an_item() {
    const ROUNDS: usize = 500;
    rt(4).block_on(async {
        let queue = Arc::new(Queue::new(0));
        for i in 0..ROUNDS {
            let q = queue.clone();
            let getter = runtime::spawn(async move { q.get().await.unwrap() });
            if i % 2 == 0 {
                runtime::yield_now().await;
            }
            queue.put(i).await.unwrap();
            getter.cancel();
            match within("a getter", getter).await {
                Ok(item) => assert_eq!(item, i),
                Err(error) => {
                    assert!(error.is_cancelled(), "{error:?}");
                    assert_eq!(queue.get_nowait(), Ok(i), "the item stayed in the queue");
                }
            }
            assert!(queue.empty());
        }
    });
}

#[test]
fn a_putter_dropped_before_its_item_went_in_leaves_no_phantom_slot() {
    let drops = DropCounter::new();
    let queue = Queue::new(1);
    queue.put_nowait(drops.token()).unwrap();
    let poller = Poller::new();
    let mut put = queue.put(drops.token());
    assert!(poller.poll(&mut put).is_pending());
    drop(put);
    assert_eq!(drops.drops(), 1, "the item that never went in is dropped");
    drop(queue.get_nowait().unwrap());
    assert!(queue.empty());
    queue.put_nowait(drops.token()).unwrap();
    assert!(
        queue.put_nowait(drops.token()).is_err(),
        "capacity unchanged"
    );
    queue.task_done().unwrap();
    queue.task_done().unwrap();
    assert_eq!(
        queue.task_done(),
        Err(TaskDoneError),
        "the dropped put never counted"
    );
}

#[test]
fn cancelled_putter_tasks_either_put_or_leave_no_trace() {
    const ROUNDS: usize = 500;
    rt(4).block_on(async {
        let queue = Arc::new(Queue::new(1));
        for i in 0..ROUNDS {
            queue.put(usize::MAX).await.unwrap();
            let q = queue.clone();
            let putter = runtime::spawn(async move { q.put(i).await.unwrap() });
            if i % 2 == 0 {
                runtime::yield_now().await;
            }
            assert_eq!(queue.get().await, Ok(usize::MAX));
            queue.task_done().unwrap();
            putter.cancel();
            let outcome = within("a putter", putter).await;
            match queue.get_nowait() {
                Ok(item) => {
                    assert_eq!(item, i);
                    queue.task_done().unwrap();
                }
                Err(GetError::Empty) => {
                    assert!(outcome.is_err(), "a completed put left its item");
                }
                Err(other) => panic!("{other:?}"),
            }
            assert!(queue.empty());
            assert_eq!(queue.task_done(), Err(TaskDoneError), "no phantom put");
        }
    });
}

// ---------------------------------------------------------------------------
// Plain threads

#[test]
fn a_plain_thread_feeds_a_loop_with_put_blocking() {
    const ITEMS: u32 = 2_000;
    let rt = rt(2);
    let queue = Arc::new(Queue::new(4));
    let q = queue.clone();
    let feeder = std::thread::spawn(move || {
        for i in 0..ITEMS {
            q.put_blocking(i).unwrap();
        }
        q.shutdown(false);
    });
    let got = rt.block_on(async move {
        let consumer = runtime::spawn(async move {
            let mut got = Vec::new();
            while let Ok(item) = queue.get().await {
                got.push(item);
            }
            got
        });
        within("the consumer", consumer).await.unwrap()
    });
    feeder.join().unwrap();
    assert_eq!(got, (0..ITEMS).collect::<Vec<_>>());
}

#[test]
fn a_loop_feeds_a_plain_thread_reading_with_get_blocking() {
    const ITEMS: u32 = 2_000;
    let rt = rt(2);
    let queue = Arc::new(Queue::new(4));
    let q = queue.clone();
    let producer = rt.spawn(async move {
        for i in 0..ITEMS {
            q.put(i).await.unwrap();
        }
        q.shutdown(false);
    });
    let mut got = Vec::new();
    loop {
        match queue.get_blocking() {
            Ok(item) => got.push(item),
            Err(GetError::ShutDown) => break,
            Err(other) => panic!("{other:?}"),
        }
    }
    producer.join_blocking().unwrap();
    assert_eq!(got, (0..ITEMS).collect::<Vec<_>>());
}

#[test]
fn blocking_methods_need_no_runtime_and_time_out_giving_items_back() {
    let queue = Queue::new(1);
    let short = Duration::from_millis(5);
    assert_eq!(queue.get_blocking_timeout(short), Err(GetError::Empty));
    queue.put_blocking(1).unwrap();
    assert_eq!(queue.put_blocking_timeout(2, short), Err(PutError::Full(2)));
    assert_eq!(queue.get_blocking(), Ok(1));
    queue.put_blocking_timeout(3, short).unwrap();
    assert_eq!(queue.get_blocking_timeout(short), Ok(3));
    assert!(queue.empty());
}

#[test]
fn a_thread_blocked_in_get_blocking_is_released_by_shutdown() {
    let queue = Arc::new(Queue::<u8>::new(0));
    let q = queue.clone();
    let reader = std::thread::spawn(move || (q.get_blocking(), q.get_blocking_timeout(HANG)));
    std::thread::sleep(Duration::from_millis(20));
    queue.shutdown(false);
    let (first, second) = reader.join().unwrap();
    assert_eq!(first, Err(GetError::ShutDown));
    assert_eq!(second, Err(GetError::ShutDown));
}

#[test]
fn a_thread_blocked_in_put_blocking_gets_its_item_back_on_shutdown() {
    let queue = Arc::new(Queue::new(1));
    queue.put_nowait(String::from("in")).unwrap();
    let q = queue.clone();
    let writer = std::thread::spawn(move || q.put_blocking(String::from("out")));
    std::thread::sleep(Duration::from_millis(20));
    queue.shutdown(true);
    let err = writer.join().unwrap().unwrap_err();
    assert!(err.is_shut_down());
    assert_eq!(err.into_inner(), "out");
}

#[test]
fn blocking_methods_on_a_worker_return_would_deadlock_at_once() {
    let rt = rt(1);
    let queue = Arc::new(Queue::new(0));
    let q = queue.clone();
    let (get, put, timed) = rt
        .spawn(async move {
            (
                q.get_blocking(),
                q.put_blocking("kept"),
                q.get_blocking_timeout(HANG),
            )
        })
        .join_blocking()
        .unwrap();
    assert_eq!(get, Err(GetError::WouldDeadlock));
    assert!(get.unwrap_err().to_string().contains("worker thread"));
    let put = put.unwrap_err();
    assert!(put.is_would_deadlock());
    assert_eq!(put.into_inner(), "kept", "the item is given back");
    assert_eq!(timed, Err(GetError::WouldDeadlock));
    assert!(queue.empty(), "even with room, nothing was put");
    // The same calls from `block_on`'s thread (not a worker) are fine.
    rt.block_on(async {
        queue.put_blocking("ok").unwrap();
        assert_eq!(queue.get_blocking(), Ok("ok"));
    });
}

#[test]
fn a_thread_with_its_own_loop_consumes_a_queue_like_the_asyncio_tutorial() {
    // The seed: main puts five items and a sentinel; another thread runs
    // its own event loop processing the queue until the sentinel.
    let processed = runtime::run(async {
        let queue: Arc<Queue<Option<String>>> = Arc::new(Queue::new(0));
        let q = queue.clone();
        let thread = std::thread::spawn(move || {
            rt(1).block_on(async move {
                let mut processed = Vec::new();
                while let Some(data) = q.get().await.unwrap() {
                    processed.push(format!("Processed in thread: {data}"));
                    q.task_done().unwrap();
                }
                processed
            })
        });
        for i in 0..5 {
            queue.put(Some(format!("Task {i}"))).await.unwrap();
        }
        queue.put(None).await.unwrap();
        thread.join().unwrap()
    });
    assert_eq!(processed.len(), 5);
    assert_eq!(processed[4], "Processed in thread: Task 4");
}

// ---------------------------------------------------------------------------
// Many at once

#[test]
fn many_producers_and_consumers_on_four_workers_each_item_received_once() {
    const PRODUCERS: usize = 8;
    const CONSUMERS: usize = 8;
    const PER_PRODUCER: usize = 2_000;
    const TOTAL: usize = PRODUCERS * PER_PRODUCER;
    let rt = rt(4);
    let seen = rt.block_on(async {
        let queue = Arc::new(Queue::new(16));
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| {
                let queue = queue.clone();
                runtime::spawn(async move {
                    let mut got = Vec::new();
                    while let Ok(item) = queue.get().await {
                        got.push(item);
                        queue.task_done().unwrap();
                    }
                    got
                })
            })
            .collect();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let queue = queue.clone();
                runtime::spawn(async move {
                    for i in 0..PER_PRODUCER {
                        queue.put(p * PER_PRODUCER + i).await.unwrap();
                    }
                })
            })
            .collect();
        for producer in producers {
            within("a producer", producer).await.unwrap();
        }
        within("join", queue.join()).await;
        queue.shutdown(false);
        let mut seen = vec![0u8; TOTAL];
        for consumer in consumers {
            for item in within("a consumer", consumer).await.unwrap() {
                seen[item] += 1;
            }
        }
        seen
    });
    assert!(seen.iter().all(|&n| n == 1), "every item exactly once");
}

#[test]
fn tasks_and_plain_threads_share_one_queue_in_both_directions() {
    const PER_SIDE: usize = 1_000;
    let rt = rt(4);
    let queue = Arc::new(Queue::new(8));
    let received = Arc::new(Mutex::new(Vec::new()));
    // Two plain threads and two tasks produce; two plain threads and two
    // tasks consume.
    let thread_producers: Vec<_> = (0..2)
        .map(|t| {
            let q = queue.clone();
            std::thread::spawn(move || {
                for i in 0..PER_SIDE {
                    q.put_blocking(t * PER_SIDE + i).unwrap();
                }
            })
        })
        .collect();
    let task_producers: Vec<_> = (2..4)
        .map(|t| {
            let q = queue.clone();
            rt.spawn(async move {
                for i in 0..PER_SIDE {
                    q.put(t * PER_SIDE + i).await.unwrap();
                }
            })
        })
        .collect();
    let thread_consumers: Vec<_> = (0..2)
        .map(|_| {
            let (q, received) = (queue.clone(), received.clone());
            std::thread::spawn(move || {
                while let Ok(item) = q.get_blocking() {
                    received.lock().unwrap().push(item);
                }
            })
        })
        .collect();
    let task_consumers: Vec<_> = (0..2)
        .map(|_| {
            let (q, received) = (queue.clone(), received.clone());
            rt.spawn(async move {
                while let Ok(item) = q.get().await {
                    received.lock().unwrap().push(item);
                }
            })
        })
        .collect();
    for t in thread_producers {
        t.join().unwrap();
    }
    for t in task_producers {
        t.join_blocking().unwrap();
    }
    queue.shutdown(false);
    for t in thread_consumers {
        t.join().unwrap();
    }
    for t in task_consumers {
        t.join_blocking().unwrap();
    }
    let mut received = received.lock().unwrap().clone();
    received.sort();
    assert_eq!(received, (0..4 * PER_SIDE).collect::<Vec<_>>());
}

#[test]
fn a_cancelled_task_error_is_not_a_queue_error() {
    // Sanity: cancelling a task waiting in get resolves the task, and the
    // queue keeps working for others.
    rt(2).block_on(async {
        let queue = Arc::new(Queue::new(0));
        let q = queue.clone();
        let waiting = runtime::spawn(async move { q.get().await });
        runtime::sleep(Duration::from_millis(10)).await;
        waiting.cancel();
        assert!(matches!(waiting.await, Err(TaskError::Cancelled)));
        queue.put(1).await.unwrap();
        assert_eq!(queue.get().await, Ok(1));
    });
}
