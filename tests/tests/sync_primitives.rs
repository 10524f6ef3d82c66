//! `runtime::sync`: every method of Lock, Event, Condition, Semaphore,
//! BoundedSemaphore and Barrier; FIFO order; cancellation at every point of
//! a wait (queued, granted but not yet polled, re-acquiring); many tasks on
//! several workers at once; the cooperative budget.
//!
//! Tests that need an exact interleaving poll the futures by hand with a
//! no-op waker, on the test thread; the others run real tasks.

use runtime::sync::{
    Barrier, BoundedSemaphore, BrokenBarrier, Condition, Event, Lock, LockGuard,
    OwnedSemaphorePermit, Semaphore, SemaphoreOverflow, SemaphorePermit,
};
use runtime::Task;
use runtime_tests::rt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// Only a hang detector: a deadlock or lost wake-up fails instead of
/// hanging the test run. No test measures time.
const HANG: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------- helpers

/// Polls once with a waker that does nothing.
fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// The output of a poll that must be ready.
#[track_caller]
fn ready<T>(poll: Poll<T>) -> T {
    match poll {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("expected the future to be ready"),
    }
}

/// Runs `future` in a task and returns once its first poll has returned:
/// a future that waits on a primitive is then in line.
async fn spawn_queued<F>(future: F) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    struct FirstPoll<F> {
        future: Pin<Box<F>>,
        polled: Option<Arc<AtomicBool>>,
    }
    impl<F: Future> Future for FirstPoll<F> {
        type Output = F::Output;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
            let out = self.future.as_mut().poll(cx);
            if let Some(polled) = self.polled.take() {
                polled.store(true, SeqCst);
            }
            out
        }
    }
    let polled = Arc::new(AtomicBool::new(false));
    let task = runtime::spawn(FirstPoll {
        future: Box::pin(future),
        polled: Some(polled.clone()),
    });
    while !polled.load(SeqCst) {
        runtime::yield_now().await;
    }
    task
}

/// Awaits `future`, failing the test if it hangs.
async fn no_hang<F: Future>(future: F) -> F::Output {
    runtime::timeout(HANG, future)
        .await
        .expect("deadlock or lost wake-up")
}

/// xorshift64: reproducible pseudo-random choices.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// True with probability about `1 / n`.
fn one_in(state: &mut u64, n: u64) -> bool {
    next_random(state) % n == n - 1
}

fn assert_send_sync<T: Send + Sync>() {}
fn assert_send<T: Send>(_: &T) {}

#[test]
fn every_primitive_its_guards_and_futures_are_send_and_sync() {
    assert_send_sync::<Lock<Vec<u8>>>();
    assert_send_sync::<Lock>();
    assert_send_sync::<LockGuard<'static, Vec<u8>>>();
    assert_send_sync::<Event>();
    assert_send_sync::<Condition<Vec<u8>>>();
    assert_send_sync::<Semaphore>();
    assert_send_sync::<BoundedSemaphore>();
    assert_send_sync::<SemaphorePermit<'static>>();
    assert_send_sync::<OwnedSemaphorePermit>();
    assert_send_sync::<Barrier>();
    assert_send_sync::<BrokenBarrier>();
    assert_send_sync::<SemaphoreOverflow>();

    let lock = Lock::new(1);
    assert_send(&lock.lock());
    let sem = Arc::new(Semaphore::new(1));
    assert_send(&sem.acquire());
    assert_send(&sem.clone().acquire_owned());
    assert_send(&Event::new().wait());
    let cond = Condition::new(0);
    assert_send(&cond.lock());
    assert_send(&cond.wait(cond.try_lock().unwrap()));
    assert_send(&Barrier::new(2).wait());
}

// ------------------------------------------------------------------- Lock

#[test]
fn lock_methods() {
    let mut lock = Lock::new(vec![1]);
    assert!(!lock.locked());
    lock.get_mut().push(2);
    {
        let mut guard = lock.try_lock().expect("free");
        assert!(lock.locked());
        assert!(lock.try_lock().is_none());
        guard.push(3);
        assert_eq!(format!("{lock:?}"), "Lock { value: <locked> }");
        assert_eq!(format!("{guard:?}"), "[1, 2, 3]");
    }
    assert!(!lock.locked());
    assert_eq!(format!("{lock:?}"), "Lock { value: [1, 2, 3] }");
    assert_eq!(lock.into_inner(), vec![1, 2, 3]);

    let lock: Lock = Lock::default();
    let guard = ready(poll_once(Box::pin(lock.lock()).as_mut()));
    assert!(lock.locked());
    drop(guard);
    assert_eq!(Lock::<u8>::default().into_inner(), 0);
}

#[test]
fn lock_waiters_acquire_in_arrival_order() {
    rt(4).block_on(async {
        let lock = Arc::new(Lock::new(Vec::new()));
        let guard = lock.lock().await;
        let mut tasks = Vec::new();
        for i in 0..20 {
            let lock = lock.clone();
            tasks.push(spawn_queued(async move { lock.lock().await.push(i) }).await);
        }
        drop(guard);
        for task in tasks {
            no_hang(task).await.unwrap();
        }
        assert_eq!(*lock.lock().await, (0..20).collect::<Vec<_>>());
    });
}

#[test]
fn a_released_lock_is_handed_to_the_first_waiter_not_to_a_newcomer() {
    let lock = Lock::new(0);
    let guard = lock.try_lock().unwrap();
    let mut waiter = Box::pin(lock.lock());
    assert!(poll_once(waiter.as_mut()).is_pending());
    drop(guard);
    // Handed over: still locked, and neither `try_lock` nor a new `lock()`
    // can take it before the waiter runs.
    assert!(lock.locked());
    assert!(lock.try_lock().is_none());
    let mut newcomer = Box::pin(lock.lock());
    assert!(poll_once(newcomer.as_mut()).is_pending());
    let mut guard = ready(poll_once(waiter.as_mut()));
    *guard += 1;
    drop(guard);
    assert_eq!(*ready(poll_once(newcomer.as_mut())), 1);
}

#[test]
fn a_cancelled_lock_waiter_loses_no_lock_at_any_point() {
    let lock = Lock::new(());

    // Cancelled while queued.
    let guard = lock.try_lock().unwrap();
    let mut a = Box::pin(lock.lock());
    assert!(poll_once(a.as_mut()).is_pending());
    drop(a);
    drop(guard);
    assert!(!lock.locked());

    // Cancelled after the lock was handed to it, before it was polled: the
    // lock goes on to the next waiter.
    let guard = lock.try_lock().unwrap();
    let mut a = Box::pin(lock.lock());
    let mut b = Box::pin(lock.lock());
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_pending());
    drop(guard);
    drop(a);
    assert!(lock.locked(), "handed on to b");
    drop(ready(poll_once(b.as_mut())));
    assert!(!lock.locked());

    // The same with nobody behind it: the lock becomes free.
    let guard = lock.try_lock().unwrap();
    let mut a = Box::pin(lock.lock());
    assert!(poll_once(a.as_mut()).is_pending());
    drop(guard);
    drop(a);
    assert!(!lock.locked());
    assert!(lock.try_lock().is_some());

    // Never polled at all.
    drop(lock.lock());
    assert!(lock.try_lock().is_some());
}

#[test]
fn a_lock_timeout_leaves_the_lock_usable() {
    rt(2).block_on(async {
        let lock = Lock::new(5);
        let guard = lock.lock().await;
        assert!(runtime::timeout(Duration::from_millis(2), lock.lock())
            .await
            .is_err());
        drop(guard);
        assert_eq!(*no_hang(lock.lock()).await, 5);
    });
}

#[test]
fn a_thousand_tasks_on_four_workers_increment_under_a_lock_exactly() {
    rt(4).block_on(async {
        let counter = Arc::new(Lock::new(0u64));
        let tasks: Vec<_> = (0..1000)
            .map(|_| {
                let counter = counter.clone();
                runtime::spawn(async move {
                    let mut n = counter.lock().await;
                    let seen = *n;
                    runtime::yield_now().await; // a lost update would show
                    *n = seen + 1;
                })
            })
            .collect();
        for task in tasks {
            no_hang(task).await.unwrap();
        }
        assert_eq!(*counter.lock().await, 1000);
    });
}

#[test]
fn cancelling_lock_holders_and_waiters_at_random_loses_no_lock() {
    rt(4).block_on(async {
        let lock = Arc::new(Lock::new(0usize));
        let tasks: Vec<_> = (0..400)
            .map(|_| {
                let lock = lock.clone();
                runtime::spawn(async move {
                    let mut n = lock.lock().await;
                    runtime::yield_now().await;
                    *n += 1;
                })
            })
            .collect();
        let mut rng = 0x9E37_79B9_7F4A_7C15;
        for (i, task) in tasks.iter().enumerate() {
            if one_in(&mut rng, 2) {
                task.cancel();
            }
            if i % 8 == 0 {
                runtime::yield_now().await;
            }
        }
        let mut completed = 0;
        for task in tasks {
            completed += usize::from(no_hang(task).await.is_ok());
        }
        assert_eq!(*no_hang(lock.lock()).await, completed);
        assert!(!lock.locked());
    });
}

// -------------------------------------------------------------- Semaphore

#[test]
fn semaphore_methods() {
    let sem = Semaphore::new(2);
    assert_eq!(sem.available_permits(), 2);
    assert!(!sem.locked());
    let one = sem.try_acquire().unwrap();
    assert_eq!(one.num_permits(), 1);
    let two = sem.try_acquire().unwrap();
    assert!(sem.locked());
    assert!(sem.try_acquire().is_none());
    drop(one);
    assert_eq!(sem.available_permits(), 1);
    two.forget();
    assert_eq!(sem.available_permits(), 1, "a forgotten permit stays taken");
    // asyncio's manual release, which may grow the count.
    sem.release();
    sem.release();
    assert_eq!(sem.available_permits(), 3);
    sem.add_permits(2);
    let many = sem.try_acquire_many(5).unwrap();
    assert_eq!((many.num_permits(), sem.available_permits()), (5, 0));
    assert!(sem.try_acquire_many(1).is_none());
    drop(many);
    let many = ready(poll_once(Box::pin(sem.acquire_many(4)).as_mut()));
    assert_eq!(sem.available_permits(), 1);
    drop(many);
    assert_eq!(Semaphore::default().available_permits(), 1);
    assert!(format!("{:?}", sem.try_acquire().unwrap()).contains("permits: 1"));

    let sem = Arc::new(Semaphore::new(1));
    let owned = ready(poll_once(Box::pin(sem.clone().acquire_owned()).as_mut()));
    assert_eq!(owned.num_permits(), 1);
    assert!(sem.clone().try_acquire_owned().is_none());
    drop(owned);
    let owned = sem.clone().try_acquire_owned().unwrap();
    owned.forget();
    assert_eq!(sem.available_permits(), 0);
    sem.release();
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn semaphore_waiters_acquire_in_arrival_order() {
    rt(4).block_on(async {
        let sem = Arc::new(Semaphore::new(0));
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..20 {
            let (sem, order) = (sem.clone(), order.clone());
            tasks.push(
                spawn_queued(async move {
                    let _permit = sem.acquire().await;
                    order.lock().unwrap().push(i);
                })
                .await,
            );
        }
        sem.release();
        for task in tasks {
            no_hang(task).await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), (0..20).collect::<Vec<_>>());
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn a_large_acquire_is_not_starved_by_small_ones() {
    let sem = Semaphore::new(2);
    let held = sem.try_acquire().unwrap();
    let mut large = Box::pin(sem.acquire_many(2));
    assert!(poll_once(large.as_mut()).is_pending());
    // One permit is free, but the large request is first in line.
    let mut small = Box::pin(sem.acquire());
    assert!(poll_once(small.as_mut()).is_pending());
    assert!(sem.try_acquire().is_none());
    assert!(sem.locked());
    drop(held);
    let large = ready(poll_once(large.as_mut()));
    assert!(poll_once(small.as_mut()).is_pending());
    drop(large);
    drop(ready(poll_once(small.as_mut())));
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn a_cancelled_semaphore_waiter_loses_no_permit_at_any_point() {
    let sem = Semaphore::new(1);

    // Cancelled while queued.
    let held = sem.try_acquire().unwrap();
    let mut a = Box::pin(sem.acquire());
    assert!(poll_once(a.as_mut()).is_pending());
    drop(a);
    drop(held);
    assert_eq!(sem.available_permits(), 1);

    // Granted, then cancelled before being polled: passed to the next.
    let held = sem.try_acquire().unwrap();
    let mut a = Box::pin(sem.acquire());
    let mut b = Box::pin(sem.acquire());
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_pending());
    drop(held);
    assert_eq!(sem.available_permits(), 0, "granted to a");
    drop(a);
    assert_eq!(sem.available_permits(), 0, "granted to b");
    drop(ready(poll_once(b.as_mut())));
    assert_eq!(sem.available_permits(), 1);

    // Granted, then cancelled, nobody behind: back to the count.
    let held = sem.try_acquire().unwrap();
    let mut a = Box::pin(sem.acquire_many(1));
    assert!(poll_once(a.as_mut()).is_pending());
    sem.release(); // asyncio-style release grants it too
    drop(a);
    drop(held);
    assert_eq!(sem.available_permits(), 2);

    // The owned flavour, granted then cancelled.
    let sem = Arc::new(Semaphore::new(0));
    let mut a = Box::pin(sem.clone().acquire_owned());
    assert!(poll_once(a.as_mut()).is_pending());
    sem.release();
    drop(a);
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn a_cancelled_large_request_at_the_head_lets_the_line_move() {
    let sem = Semaphore::new(1);
    let mut large = Box::pin(sem.acquire_many(3));
    let mut small = Box::pin(sem.acquire());
    assert!(poll_once(large.as_mut()).is_pending());
    assert!(poll_once(small.as_mut()).is_pending());
    drop(large);
    drop(ready(poll_once(small.as_mut())));
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn a_semaphore_of_two_never_admits_three_tasks_on_four_workers() {
    rt(4).block_on(async {
        let sem = Arc::new(Semaphore::new(2));
        let inside = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..500)
            .map(|_| {
                let (sem, inside, peak) = (sem.clone(), inside.clone(), peak.clone());
                runtime::spawn(async move {
                    let _permit = sem.acquire().await;
                    let now = inside.fetch_add(1, SeqCst) + 1;
                    peak.fetch_max(now, SeqCst);
                    runtime::yield_now().await;
                    inside.fetch_sub(1, SeqCst);
                })
            })
            .collect();
        for task in tasks {
            no_hang(task).await.unwrap();
        }
        let peak = peak.load(SeqCst);
        assert!((1..=2).contains(&peak), "peak {peak}");
        assert_eq!(sem.available_permits(), 2);
    });
}

#[test]
fn cancelling_semaphore_tasks_at_random_keeps_the_count() {
    rt(4).block_on(async {
        let sem = Arc::new(Semaphore::new(3));
        let tasks: Vec<_> = (0..400u64)
            .map(|i| {
                let sem = sem.clone();
                runtime::spawn(async move {
                    let _permit = sem.acquire_many(1 + (i % 3) as usize).await;
                    runtime::yield_now().await;
                })
            })
            .collect();
        let mut rng = 0x2545_F491_4F6C_DD1D;
        for (i, task) in tasks.iter().enumerate() {
            if one_in(&mut rng, 3) {
                task.cancel();
            }
            if i % 8 == 0 {
                runtime::yield_now().await;
            }
        }
        for task in tasks {
            let _ = no_hang(task).await;
        }
        assert_eq!(sem.available_permits(), 3);
        assert!(!sem.locked());
    });
}

#[test]
fn a_manual_release_wakes_a_waiting_task() {
    rt(2).block_on(async {
        let sem = Arc::new(Semaphore::new(1));
        sem.acquire().await.forget();
        let waiter = spawn_queued({
            let sem = sem.clone();
            async move { sem.acquire().await.forget() }
        })
        .await;
        sem.release();
        no_hang(waiter).await.unwrap();
        assert_eq!(sem.available_permits(), 0);
    });
}

// ------------------------------------------------------- BoundedSemaphore

#[test]
fn a_bounded_semaphore_refuses_to_grow_past_its_initial_value() {
    let sem = BoundedSemaphore::new(2);
    assert_eq!((sem.bound(), sem.available_permits()), (2, 2));
    let err = sem.release().unwrap_err();
    assert_eq!(err.bound(), 2);
    assert_eq!(
        err.to_string(),
        "BoundedSemaphore released too many times (bound: 2)"
    );
    assert!(format!("{err:?}").contains("SemaphoreOverflow"));
    let _: &dyn std::error::Error = &err;
    assert_eq!(
        sem.available_permits(),
        2,
        "a failed release changes nothing"
    );

    // acquire + forget + release is the asyncio pattern.
    ready(poll_once(Box::pin(sem.acquire()).as_mut())).forget();
    assert_eq!(sem.available_permits(), 1);
    assert_eq!(sem.release(), Ok(()));
    assert!(sem.release().is_err());

    // A permit dropped after an unmatched release cannot push it past the
    // bound either.
    let permit = sem.try_acquire().unwrap();
    sem.release().unwrap();
    drop(permit);
    assert_eq!(sem.available_permits(), 2);

    // The other ways in.
    let many = sem.try_acquire_many(2).unwrap();
    assert!(sem.locked());
    drop(many);
    drop(ready(poll_once(Box::pin(sem.acquire_many(2)).as_mut())));
    let sem = Arc::new(sem);
    let owned = ready(poll_once(Box::pin(sem.clone().acquire_owned()).as_mut()));
    let owned2 = sem.clone().try_acquire_owned().unwrap();
    assert!(sem.clone().try_acquire_owned().is_none());
    drop((owned, owned2));
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn a_bounded_semaphore_is_fair_and_cancel_safe_too() {
    let sem = BoundedSemaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let mut a = Box::pin(sem.acquire());
    let mut b = Box::pin(sem.acquire());
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_pending());
    drop(held);
    drop(a);
    drop(ready(poll_once(b.as_mut())));
    assert_eq!(sem.available_permits(), 1);
}

// ------------------------------------------------------------------ Event

#[test]
fn event_methods() {
    let event = Event::new();
    assert!(!event.is_set());
    let mut waiter = Box::pin(event.wait());
    assert!(poll_once(waiter.as_mut()).is_pending());
    event.set();
    assert!(event.is_set());
    ready(poll_once(waiter.as_mut()));
    // Set: returns at once, however many times.
    for _ in 0..3 {
        ready(poll_once(Box::pin(event.wait()).as_mut()));
    }
    event.set(); // idempotent
    event.clear();
    assert!(!event.is_set());
    assert!(poll_once(Box::pin(event.wait()).as_mut()).is_pending());
    assert!(format!("{event:?}").contains("set: false"));
    assert!(!Event::default().is_set());
}

#[test]
fn a_waiter_woken_by_set_returns_even_if_the_event_is_cleared_first() {
    let event = Event::new();
    let mut waiter = Box::pin(event.wait());
    assert!(poll_once(waiter.as_mut()).is_pending());
    event.set();
    event.clear();
    ready(poll_once(waiter.as_mut()));
}

#[test]
fn set_wakes_every_task_waiting_on_every_worker() {
    rt(4).block_on(async {
        let event = Arc::new(Event::new());
        let woken = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (event, woken) = (event.clone(), woken.clone());
            tasks.push(
                spawn_queued(async move {
                    event.wait().await;
                    woken.fetch_add(1, SeqCst);
                })
                .await,
            );
        }
        assert_eq!(woken.load(SeqCst), 0);
        event.set();
        for task in tasks {
            no_hang(task).await.unwrap();
        }
        assert_eq!(woken.load(SeqCst), 50);
    });
}

#[test]
fn a_cancelled_event_waiter_does_not_disturb_the_others() {
    let event = Event::new();
    let mut a = Box::pin(event.wait());
    let mut b = Box::pin(event.wait());
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_pending());
    drop(a);
    event.set();
    ready(poll_once(b.as_mut()));
    // Notified, then dropped before it looked: harmless.
    event.clear();
    let mut c = Box::pin(event.wait());
    assert!(poll_once(c.as_mut()).is_pending());
    event.set();
    drop(c);
    ready(poll_once(Box::pin(event.wait()).as_mut()));
}

// -------------------------------------------------------------- Condition

#[test]
fn condition_methods() {
    let mut cond = Condition::new(1);
    *cond.get_mut() += 1;
    assert!(!cond.locked());
    let guard = cond.try_lock().unwrap();
    assert!(cond.locked() && cond.try_lock().is_none());
    assert!(format!("{cond:?}").contains("waiters: 0"));
    drop(guard);
    let guard = ready(poll_once(Box::pin(cond.lock()).as_mut()));
    assert_eq!(*guard, 2);
    drop(guard);
    assert_eq!((cond.notify(3), cond.notify_all()), (0, 0));
    assert_eq!(cond.into_inner(), 2);
    let cond: Condition = Condition::default();
    assert_eq!(cond.waiters(), 0);
}

#[test]
fn wait_releases_the_lock_and_takes_it_back() {
    let cond = Condition::new(0);
    let mut waiter = Box::pin(cond.wait(cond.try_lock().unwrap()));
    assert!(poll_once(waiter.as_mut()).is_pending());
    assert!(!cond.locked(), "released while waiting");
    assert_eq!(cond.waiters(), 1);
    let mut guard = cond.try_lock().unwrap();
    *guard = 7;
    assert_eq!(cond.notify(1), 1);
    assert!(
        poll_once(waiter.as_mut()).is_pending(),
        "notified, but the lock is held"
    );
    drop(guard);
    let guard = ready(poll_once(waiter.as_mut()));
    assert_eq!(*guard, 7);
    assert!(cond.locked());
}

#[test]
fn notify_wakes_waiters_in_fifo_order_n_at_a_time() {
    let cond = Condition::new(());
    let mut waiters: Vec<_> = (0..5)
        .map(|_| {
            let mut w = Box::pin(cond.wait(cond.try_lock().unwrap()));
            assert!(poll_once(w.as_mut()).is_pending());
            w
        })
        .collect();
    assert_eq!(cond.waiters(), 5);
    assert_eq!(cond.notify(2), 2);
    assert_eq!(cond.waiters(), 3);
    // The first two, in order; each takes the lock in turn.
    let first = ready(poll_once(waiters[0].as_mut()));
    assert!(poll_once(waiters[1].as_mut()).is_pending());
    drop(first);
    drop(ready(poll_once(waiters[1].as_mut())));
    for w in &mut waiters[2..] {
        assert!(poll_once(w.as_mut()).is_pending(), "not notified");
    }
    assert_eq!(cond.notify_all(), 3);
    for w in &mut waiters[2..] {
        drop(ready(poll_once(w.as_mut())));
    }
    assert_eq!(cond.waiters(), 0);
}

#[test]
fn a_notification_to_a_cancelled_waiter_is_passed_on() {
    let cond = Condition::new(());
    let wait = || {
        let mut w = Box::pin(cond.wait(cond.try_lock().unwrap()));
        assert!(poll_once(w.as_mut()).is_pending());
        w
    };

    // Cancelled before being notified: it just leaves the line.
    let (a, mut b) = (wait(), wait());
    drop(a);
    assert_eq!(cond.waiters(), 1);
    assert_eq!(cond.notify(1), 1);
    drop(ready(poll_once(b.as_mut())));

    // Notified, then cancelled before it saw the notification.
    let (a, mut b) = (wait(), wait());
    assert_eq!(cond.notify(1), 1);
    assert_eq!(cond.waiters(), 1);
    drop(a);
    assert_eq!(cond.waiters(), 0, "passed on to b");
    drop(ready(poll_once(b.as_mut())));

    // Notified, saw it, then cancelled while re-acquiring the lock.
    let (mut a, mut b) = (wait(), wait());
    let held = cond.try_lock().unwrap();
    assert_eq!(cond.notify(1), 1);
    assert!(poll_once(a.as_mut()).is_pending(), "waiting for the lock");
    drop(a);
    assert_eq!(cond.waiters(), 0, "passed on to b");
    drop(held);
    drop(ready(poll_once(b.as_mut())));

    // A wait that returned used its notification up: nothing is passed on.
    let (mut a, mut b) = (wait(), wait());
    assert_eq!(cond.notify(1), 1);
    drop(ready(poll_once(a.as_mut())));
    drop(a);
    assert_eq!(cond.waiters(), 1);
    assert!(poll_once(b.as_mut()).is_pending());
    assert_eq!(cond.notify(1), 1);
    drop(ready(poll_once(b.as_mut())));
    assert!(!cond.locked());
}

#[test]
#[should_panic(expected = "the guard belongs to another condition's lock")]
fn waiting_with_another_conditions_guard_panics() {
    let (one, other) = (Condition::new(()), Condition::new(()));
    let guard = other.try_lock().unwrap();
    let _ = poll_once(Box::pin(one.wait(guard)).as_mut());
}

#[test]
fn wait_for_returns_once_the_predicate_holds() {
    rt(4).block_on(async {
        let cond = Arc::new(Condition::new(0u32));
        // Already true: returns at once.
        let guard = no_hang(cond.wait_for(cond.lock().await, |n| *n == 0)).await;
        drop(guard);
        let waiter = spawn_queued({
            let cond = cond.clone();
            async move { *cond.wait_for(cond.lock().await, |n| *n >= 3).await }
        })
        .await;
        for _ in 0..5 {
            *cond.lock().await += 1;
            cond.notify_all();
        }
        assert!(no_hang(waiter).await.unwrap() >= 3);
    });
}

#[test]
fn producers_and_consumers_on_four_workers_pass_every_item() {
    const PRODUCERS: u64 = 4;
    const ITEMS: u64 = 250;
    rt(4).block_on(async {
        // (queue, producers still running)
        let cond = Arc::new(Condition::new((Vec::<u64>::new(), PRODUCERS)));
        let consumers: Vec<_> = (0..4)
            .map(|_| {
                let cond = cond.clone();
                runtime::spawn(async move {
                    let (mut sum, mut count) = (0, 0);
                    loop {
                        let mut state = cond
                            .wait_for(cond.lock().await, |(q, live)| !q.is_empty() || *live == 0)
                            .await;
                        match state.0.pop() {
                            Some(item) => (sum, count) = (sum + item, count + 1),
                            None => return (sum, count),
                        }
                    }
                })
            })
            .collect();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let cond = cond.clone();
                runtime::spawn(async move {
                    for i in 0..ITEMS {
                        cond.lock().await.0.push(p * ITEMS + i);
                        cond.notify(1);
                    }
                    cond.lock().await.1 -= 1;
                    cond.notify_all();
                })
            })
            .collect();
        for producer in producers {
            no_hang(producer).await.unwrap();
        }
        let (mut sum, mut count) = (0, 0);
        for consumer in consumers {
            let (s, c) = no_hang(consumer).await.unwrap();
            (sum, count) = (sum + s, count + c);
        }
        let n = PRODUCERS * ITEMS;
        assert_eq!((sum, count), (n * (n - 1) / 2, n));
    });
}

#[test]
fn cancelling_condition_waiters_at_random_loses_no_notification() {
    const WAITERS: usize = 200;
    rt(4).block_on(async {
        // Tokens: one per notify(1); each waiter that returns takes one.
        let cond = Arc::new(Condition::new(0usize));
        let mut tasks = Vec::new();
        for _ in 0..WAITERS {
            let cond = cond.clone();
            tasks.push(runtime::spawn(async move {
                let mut tokens = cond.wait_for(cond.lock().await, |n| *n > 0).await;
                *tokens -= 1;
            }));
        }
        while cond.waiters() < WAITERS {
            runtime::yield_now().await;
        }
        let mut rng = 0xD1B5_4A32_D192_ED03;
        let mut cancelled = vec![false; WAITERS];
        for i in 0..WAITERS {
            if one_in(&mut rng, 3) {
                cancelled[i] = tasks[i].cancel();
            }
            *cond.lock().await += 1;
            cond.notify(1);
        }
        let mut returned = 0;
        for (task, cancelled) in tasks.into_iter().zip(cancelled) {
            match no_hang(task).await {
                Ok(()) => returned += 1,
                Err(err) => assert!(cancelled && err.is_cancelled(), "{err:?}"),
            }
        }
        assert_eq!(*cond.lock().await, WAITERS - returned);
    });
}

// ---------------------------------------------------------------- Barrier

#[test]
fn barrier_methods() {
    let barrier = Barrier::new(3);
    assert_eq!(
        (barrier.parties(), barrier.n_waiting(), barrier.broken()),
        (3, 0, false)
    );
    let mut a = Box::pin(barrier.wait());
    let mut b = Box::pin(barrier.wait());
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_pending());
    assert_eq!(barrier.n_waiting(), 2);
    assert!(format!("{barrier:?}").contains("n_waiting: 2"));
    assert_eq!(ready(poll_once(Box::pin(barrier.wait()).as_mut())), Ok(2));
    assert_eq!(barrier.n_waiting(), 0, "the next round starts empty");
    assert_eq!(ready(poll_once(a.as_mut())), Ok(0));
    assert_eq!(ready(poll_once(b.as_mut())), Ok(1));

    let single = Barrier::new(1);
    for _ in 0..3 {
        assert_eq!(ready(poll_once(Box::pin(single.wait()).as_mut())), Ok(0));
    }
    assert_eq!(
        BrokenBarrier.to_string(),
        "the barrier is broken (aborted, or reset while waiting)"
    );
    let _: &dyn std::error::Error = &BrokenBarrier;
}

#[test]
fn a_barrier_of_zero_parties_is_refused_with_a_clear_message() {
    let err = std::panic::catch_unwind(|| Barrier::new(0)).unwrap_err();
    assert_eq!(
        runtime_tests::panic_message(&*err),
        "Barrier::new: parties must be at least 1"
    );
}

#[test]
fn barrier_indices_are_a_permutation_in_every_round() {
    const PARTIES: usize = 8;
    const ROUNDS: usize = 20;
    rt(4).block_on(async {
        let barrier = Arc::new(Barrier::new(PARTIES));
        let tasks: Vec<_> = (0..PARTIES)
            .map(|p| {
                let barrier = barrier.clone();
                runtime::spawn(async move {
                    let mut indices = Vec::new();
                    for round in 0..ROUNDS {
                        if (p + round) % 3 == 0 {
                            runtime::yield_now().await;
                        }
                        indices.push(barrier.wait().await.unwrap());
                    }
                    indices
                })
            })
            .collect();
        let mut per_task = Vec::new();
        for task in tasks {
            per_task.push(no_hang(task).await.unwrap());
        }
        for round in 0..ROUNDS {
            let mut indices: Vec<_> = per_task.iter().map(|t| t[round]).collect();
            indices.sort_unstable();
            assert_eq!(indices, (0..PARTIES).collect::<Vec<_>>(), "round {round}");
        }
    });
}

#[test]
fn abort_wakes_every_waiter_with_broken_barrier_until_reset() {
    rt(4).block_on(async {
        let barrier = Arc::new(Barrier::new(5));
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let barrier = barrier.clone();
            tasks.push(spawn_queued(async move { barrier.wait().await }).await);
        }
        assert_eq!(barrier.n_waiting(), 4);
        barrier.abort();
        assert!(barrier.broken());
        for task in tasks {
            assert_eq!(no_hang(task).await.unwrap(), Err(BrokenBarrier));
        }
        assert_eq!(barrier.wait().await, Err(BrokenBarrier));
        assert_eq!(barrier.n_waiting(), 0);
        barrier.reset();
        assert!(!barrier.broken());
        let others: Vec<_> = (0..4)
            .map(|_| {
                let barrier = barrier.clone();
                runtime::spawn(async move { barrier.wait().await.unwrap() })
            })
            .collect();
        let mut indices = vec![no_hang(barrier.wait()).await.unwrap()];
        for task in others {
            indices.push(no_hang(task).await.unwrap());
        }
        indices.sort_unstable();
        assert_eq!(indices, [0, 1, 2, 3, 4]);
    });
}

#[test]
fn reset_fails_the_current_waiters_and_starts_a_new_round() {
    let barrier = Barrier::new(2);
    let mut a = Box::pin(barrier.wait());
    assert!(poll_once(a.as_mut()).is_pending());
    barrier.reset();
    assert!(!barrier.broken());
    assert_eq!(ready(poll_once(a.as_mut())), Err(BrokenBarrier));
    let mut b = Box::pin(barrier.wait());
    assert!(poll_once(b.as_mut()).is_pending());
    assert_eq!(ready(poll_once(Box::pin(barrier.wait()).as_mut())), Ok(1));
    assert_eq!(ready(poll_once(b.as_mut())), Ok(0));
}

#[test]
fn a_cancelled_barrier_waiter_leaves_the_count_without_deadlocking_the_rest() {
    let barrier = Barrier::new(3);
    let mut a = Box::pin(barrier.wait());
    let mut b = Box::pin(barrier.wait());
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_pending());
    drop(b);
    assert_eq!(barrier.n_waiting(), 1);
    let mut c = Box::pin(barrier.wait());
    assert!(poll_once(c.as_mut()).is_pending());
    assert_eq!(ready(poll_once(Box::pin(barrier.wait()).as_mut())), Ok(2));
    assert_eq!(ready(poll_once(a.as_mut())), Ok(0));
    assert_eq!(ready(poll_once(c.as_mut())), Ok(1));

    // Dropped after the barrier tripped: the round is over; nothing stays.
    let mut d = Box::pin(barrier.wait());
    let mut e = Box::pin(barrier.wait());
    assert!(poll_once(d.as_mut()).is_pending());
    assert!(poll_once(e.as_mut()).is_pending());
    assert_eq!(ready(poll_once(Box::pin(barrier.wait()).as_mut())), Ok(2));
    drop(d);
    assert_eq!(ready(poll_once(e.as_mut())), Ok(1));
    assert_eq!(barrier.n_waiting(), 0);
}

#[test]
fn cancelling_barrier_tasks_on_four_workers_never_deadlocks_the_others() {
    rt(4).block_on(async {
        let barrier = Arc::new(Barrier::new(4));
        let mut tasks = Vec::new();
        for _ in 0..3 {
            let barrier = barrier.clone();
            tasks.push(spawn_queued(async move { barrier.wait().await }).await);
        }
        let victim = tasks.remove(1);
        assert!(victim.cancel());
        assert!(no_hang(victim).await.unwrap_err().is_cancelled());
        assert_eq!(barrier.n_waiting(), 2);
        let late: Vec<_> = (0..2)
            .map(|_| {
                let barrier = barrier.clone();
                runtime::spawn(async move { barrier.wait().await })
            })
            .collect();
        let mut indices = Vec::new();
        for task in tasks.into_iter().chain(late) {
            indices.push(no_hang(task).await.unwrap().unwrap());
        }
        indices.sort_unstable();
        assert_eq!(indices, [0, 1, 2, 3]);
    });
}

// ------------------------------------------------------------ cooperation

#[test]
fn a_loop_of_always_ready_waits_still_lets_other_tasks_run() {
    let rt = rt(1);
    rt.block_on(async {
        let other_ran = Arc::new(AtomicBool::new(false));
        let spinner = runtime::spawn({
            let other_ran = other_ran.clone();
            async move {
                let (lock, sem, event, barrier) = (
                    Lock::new(()),
                    Semaphore::new(1),
                    Event::new(),
                    Barrier::new(1),
                );
                event.set();
                let mut rounds = 0u32;
                while !other_ran.load(SeqCst) {
                    drop(lock.lock().await);
                    drop(sem.acquire().await);
                    event.wait().await;
                    barrier.wait().await.unwrap();
                    rounds += 1;
                    assert!(rounds < 1_000_000, "the loop never yielded");
                }
            }
        });
        let other = runtime::spawn(async move { other_ran.store(true, SeqCst) });
        no_hang(spinner).await.unwrap();
        no_hang(other).await.unwrap();
    });
}
