//! Regression tests for bugs found in review: reference cycles that leaked
//! tasks and runtimes, timers outliving their runtime, pools waiting for
//! themselves.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

/// Set when the runtime's `Shared` (which owns the builder hooks) is freed.
struct DropFlag(Arc<AtomicBool>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, SeqCst);
    }
}

fn runtime_with_drop_probe() -> (runtime::Runtime, Arc<AtomicBool>) {
    let freed = Arc::new(AtomicBool::new(false));
    let probe = DropFlag(freed.clone());
    let rt = runtime::Runtime::builder()
        .workers(2)
        .on_thread_start(move || {
            let _ = &probe;
        })
        .build()
        .unwrap();
    (rt, freed)
}

/// Control: a plain task leaves nothing behind.
#[test]
fn control_runtime_is_freed_after_drop() {
    let (rt, freed) = runtime_with_drop_probe();
    let t = rt.spawn(async { 1 });
    assert_eq!(rt.block_on(t).unwrap(), 1);
    drop(rt);
    assert!(freed.load(SeqCst), "control: Shared should be freed");
}

/// Finding 1: a task that polls `task::cancelled()` and then finishes
/// without ever being `cancel_with_grace`d keeps a clone of its own waker in
/// its own header: the reference count never reaches zero, so the task
/// allocation (and the `Arc<Shared>` it holds) leak forever.
#[test]
fn cancelled_future_leaks_its_task_and_the_runtime() {
    let (rt, freed) = runtime_with_drop_probe();
    let t = rt.spawn(async {
        let mut c = std::pin::pin!(runtime::task::cancelled());
        // One poll registers the waker, then the work "wins" the select.
        std::future::poll_fn(|cx| {
            let _ = c.as_mut().poll(cx);
            Poll::Ready(())
        })
        .await;
        7
    });
    assert_eq!(rt.block_on(t).unwrap(), 7);
    drop(rt);
    assert!(
        freed.load(SeqCst),
        "task allocation (and runtime Shared) leaked through meta.cancel_wakers"
    );
}

/// Finding 2: `Signal` never removes its waker from the process-global
/// slot, so a task that listened once (select against ctrl_c, say) and
/// finished is pinned until the next delivery of that signal.
#[cfg(unix)]
#[test]
fn signal_listener_pins_finished_task_and_runtime() {
    use runtime::signal::{signal, SignalKind};
    let (rt, freed) = runtime_with_drop_probe();
    let t = rt.spawn(async {
        let mut s = signal(SignalKind::user_defined2()).unwrap();
        std::future::poll_fn(|cx| {
            let _ = s.poll_recv(cx);
            Poll::Ready(())
        })
        .await;
        drop(s);
    });
    rt.block_on(t).unwrap();
    drop(rt);
    assert!(
        freed.load(SeqCst),
        "the task's waker stays in signal::registry::TABLE until SIGUSR2 arrives"
    );
}

/// Finding 3a: `cancel_remaining_tasks` clears every timer slab; a `Sleep`
/// registered before that panics ("invalid key") when dropped afterwards.
#[test]
fn sleep_dropped_after_runtime_shutdown_does_not_panic() {
    let rt = runtime::Runtime::builder().workers(1).build().unwrap();
    let mut s = Box::pin(runtime::sleep(Duration::from_secs(60)));
    rt.block_on(std::future::poll_fn(|cx| {
        assert!(s.as_mut().poll(cx).is_pending());
        Poll::Ready(())
    }));
    drop(rt);
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| drop(s)));
    assert!(
        result.is_ok(),
        "dropping a registered Sleep after shutdown panicked"
    );
}

/// Finding 3b: the same through `shutdown_background`: a task that is inside
/// a poll while shutdown clears the timer wheels resolves to `Panicked`
/// (the stale key panics while its future is dropped) instead of `Cancelled`.
#[test]
fn task_running_during_shutdown_background_resolves_cancelled() {
    let rt = runtime::Runtime::builder().workers(2).build().unwrap();
    let inside = Arc::new(AtomicBool::new(false));
    let inside2 = inside.clone();
    let task = rt.spawn(async move {
        let mut s = Box::pin(runtime::sleep(Duration::from_secs(60)));
        std::future::poll_fn(|cx| {
            assert!(s.as_mut().poll(cx).is_pending()); // registered in the wheel
            inside2.store(true, SeqCst);
            std::thread::sleep(Duration::from_millis(300)); // still in the poll
            Poll::<()>::Pending
        })
        .await;
    });
    while !inside.load(SeqCst) {
        std::thread::yield_now();
    }
    rt.shutdown_background();
    let result = task.join_blocking();
    assert!(
        matches!(&result, Err(e) if e.is_cancelled()),
        "expected Cancelled, got {result:?}"
    );
}

/// Finding 7: a runtime dropped on one of its own blocking threads waits
/// for itself until the shutdown deadline (10 s).
#[test]
fn a_runtime_dropped_on_its_own_blocking_thread_does_not_wait_for_itself() {
    let rt = runtime::Runtime::builder().workers(1).build().unwrap();
    let handle = rt.handle().clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let _job = handle.run_in_executor(None, move || {
        // Would wait an hour for its own thread before the fix.
        rt.shutdown_timeout(Duration::from_secs(3600));
        tx.send(()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("shutdown from a blocking thread waited for itself");
}

#[test]
fn an_executor_shut_down_from_its_own_job_does_not_wait_for_itself() {
    let pool = Arc::new(runtime::ThreadPoolExecutor::new(2));
    let (tx, rx) = std::sync::mpsc::channel();
    let p = pool.clone();
    let _job = pool.run(move || {
        p.shutdown(true);
        tx.send(()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("shutdown(true) from a job waited for its own thread");
}

#[test]
fn a_sleep_polled_after_shutdown_completes_instead_of_hanging() {
    let rt = runtime::Runtime::builder().workers(1).build().unwrap();
    let handle = rt.handle().clone();
    drop(rt);
    let _guard = handle.enter();
    let mut sleep = runtime::sleep(Duration::from_secs(3600));
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    assert!(Pin::new(&mut sleep).poll(&mut cx).is_ready());
}

/// A plain thread completes what a task awaits while the main thread drops
/// the runtime: the remote wake-up must not touch the scheduler's shared
/// state after handing the task over (it used to borrow that state from
/// the woken task itself, which shutdown can free mid-call: a
/// use-after-free that ThreadSanitizer and AddressSanitizer report). Run
/// under a sanitizer (`.ci/sanitize`) this is the regression test; on its
/// own it still checks that every such race ends cleanly.
#[test]
fn remote_wakes_racing_the_runtime_drop_end_cleanly() {
    for round in 0..5_000 {
        let rt = runtime::Runtime::builder().workers(1).build().unwrap();
        let (tx, rx) = futures_channel::oneshot::channel::<u32>();
        let task = rt.spawn(async move { rx.await.ok() });
        let waker = std::thread::spawn(move || {
            if round % 2 == 0 {
                std::thread::yield_now();
            }
            let _ = tx.send(round);
        });
        drop(task);
        drop(rt);
        waker.join().unwrap();
    }
}

/// A waker that counts its wake-ups and, if told to, panics in `wake`.
struct ProbeWaker {
    woken: std::sync::atomic::AtomicUsize,
    panics: bool,
}

impl std::task::Wake for ProbeWaker {
    fn wake(self: Arc<Self>) {
        self.woken.fetch_add(1, SeqCst);
        if self.panics {
            panic!("a foreign waker that panics");
        }
    }
}

/// `n` probes, the one at `bad` panicking, and their wakers.
fn probes(n: usize, bad: usize) -> (Vec<Arc<ProbeWaker>>, Vec<std::task::Waker>) {
    let probes: Vec<_> = (0..n)
        .map(|i| {
            Arc::new(ProbeWaker {
                woken: std::sync::atomic::AtomicUsize::new(0),
                panics: i == bad,
            })
        })
        .collect();
    let wakers = probes
        .iter()
        .map(|p| std::task::Waker::from(p.clone()))
        .collect();
    (probes, wakers)
}

/// Waits (bounded) until every probe has been woken; returns how many were.
fn wait_until_all_woken(probes: &[Arc<ProbeWaker>]) -> usize {
    let woken = || probes.iter().filter(|p| p.woken.load(SeqCst) > 0).count();
    let deadline = std::time::Instant::now() + runtime_tests::HANG;
    while woken() < probes.len() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    woken()
}

#[test]
fn a_panicking_waker_does_not_strand_the_other_waiters_of_an_event() {
    let rt = runtime_tests::rt(1);
    let _enter = rt.enter();
    let event = runtime::sync::Event::new();
    let (probes, wakers) = probes(50, 25);
    let mut waits: Vec<_> = (0..50).map(|_| Box::pin(event.wait())).collect();
    for (wait, waker) in waits.iter_mut().zip(&wakers) {
        let mut cx = std::task::Context::from_waker(waker);
        assert!(wait.as_mut().poll(&mut cx).is_pending());
    }
    let set = std::panic::catch_unwind(AssertUnwindSafe(|| event.set()));
    assert!(set.is_err(), "the waker's panic reaches the caller");
    let woken = probes.iter().filter(|p| p.woken.load(SeqCst) == 1).count();
    assert_eq!(
        woken, 50,
        "every waiter woken once, the panicking one included"
    );
}

#[test]
fn a_panicking_waker_does_not_strand_the_rest_of_a_timer_batch() {
    let rt = runtime_tests::rt(1);
    let _enter = rt.enter();
    let (probes, wakers) = probes(20, 7);
    let deadline = std::time::Instant::now() + Duration::from_millis(20);
    let mut sleeps: Vec<_> = (0..20)
        .map(|_| Box::pin(runtime::sleep_until(deadline)))
        .collect();
    for (sleep, waker) in sleeps.iter_mut().zip(&wakers) {
        let mut cx = std::task::Context::from_waker(waker);
        assert!(sleep.as_mut().poll(&mut cx).is_pending());
    }
    // The worker fires the batch; the panic is contained by its loop.
    assert_eq!(
        wait_until_all_woken(&probes),
        20,
        "a fired timer's task left waiting"
    );
}

#[test]
fn a_panicking_waker_does_not_strand_the_rest_of_an_io_batch() {
    use futures_lite::io::AsyncRead;
    let rt = runtime_tests::rt(1);
    let _enter = rt.enter();
    let (probes, wakers) = probes(10, 4);
    let mut pairs: Vec<_> = (0..10)
        .map(|_| {
            let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
            (runtime::net::UnixStream::from_std(ours).unwrap(), theirs)
        })
        .collect();
    let mut buf = [0; 1];
    for ((ours, _), waker) in pairs.iter_mut().zip(&wakers) {
        let mut cx = std::task::Context::from_waker(waker);
        // The first try consumes the optimistic readiness; then it waits.
        while Pin::new(&mut *ours).poll_read(&mut cx, &mut buf).is_ready() {}
    }
    for (_, theirs) in &mut pairs {
        std::io::Write::write_all(theirs, b"!").unwrap();
    }
    assert_eq!(
        wait_until_all_woken(&probes),
        10,
        "a ready socket's task left waiting"
    );
}
