//! The blocking pool: to_thread, run_in_executor, ThreadPoolExecutor,
//! growth up to the limit, retirement, panics.

use runtime::{Runtime, ThreadPoolExecutor};
use runtime_tests::rt;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::Duration;

#[test]
fn a_blocking_sleep_does_not_delay_other_tasks() {
    // One worker: if the sleep ran on it, the ticker could not tick.
    let rt = rt(1);
    let order = rt.block_on(async {
        let (tx, rx) = mpsc::channel();
        let tx2 = tx.clone();
        let blocking = runtime::to_thread(move || {
            std::thread::sleep(Duration::from_millis(300));
            tx2.send("blocking done").unwrap();
        });
        let ticker = runtime::spawn(async move {
            for _ in 0..5 {
                runtime::sleep(Duration::from_millis(5)).await;
            }
            tx.send("ticker done").unwrap();
        });
        ticker.await.unwrap();
        blocking.await.unwrap();
        rx.try_iter().collect::<Vec<_>>()
    });
    assert_eq!(order, ["ticker done", "blocking done"]);
}

#[test]
fn the_pool_never_exceeds_its_limit_and_still_runs_everything() {
    let rt = Runtime::builder()
        .workers(1)
        .max_blocking_threads(3)
        .build()
        .unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let jobs: Vec<_> = (0..12)
            .map(|i| {
                let (running, peak) = (running.clone(), peak.clone());
                runtime::to_thread(move || {
                    let now = running.fetch_add(1, SeqCst) + 1;
                    peak.fetch_max(now, SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, SeqCst);
                    i
                })
            })
            .collect();
        let mut sum = 0;
        for job in jobs {
            sum += job.await.unwrap();
        }
        assert_eq!(sum, 66);
    });
    assert!(peak.load(SeqCst) <= 3, "peak {}", peak.load(SeqCst));
    assert!(peak.load(SeqCst) >= 2, "long jobs should run in parallel");
}

#[test]
fn idle_blocking_threads_retire_after_the_keep_alive() {
    let alive = Arc::new(AtomicUsize::new(0));
    let (up, down) = (alive.clone(), alive.clone());
    let rt = Runtime::builder()
        .workers(1)
        .blocking_keep_alive(Duration::from_millis(30))
        .on_thread_start(move || {
            if std::thread::current().name() == Some("runtime-blk") {
                up.fetch_add(1, SeqCst);
            }
        })
        .on_thread_stop(move || {
            if std::thread::current().name() == Some("runtime-blk") {
                down.fetch_sub(1, SeqCst);
            }
        })
        .build()
        .unwrap();
    rt.block_on(async {
        runtime::to_thread(|| ()).await.unwrap();
    });
    assert!(alive.load(SeqCst) >= 1);
    let start = std::time::Instant::now();
    while alive.load(SeqCst) > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "threads never retired"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_panic_in_a_blocking_call_is_reported() {
    let rt = rt(1);
    rt.block_on(async {
        let err = runtime::to_thread(|| panic!("blocking boom"))
            .await
            .unwrap_err();
        assert_eq!(err.panic_message(), Some("blocking boom"));
        // The pool still works.
        assert_eq!(runtime::spawn_blocking(|| 3).await.unwrap(), 3);
    });
}

#[test]
fn blocking_calls_see_their_runtime() {
    let rt = rt(1);
    rt.block_on(async {
        let inner = runtime::to_thread(|| {
            let handle = runtime::Handle::current();
            handle.spawn(async { 9 }).join_blocking().unwrap()
        });
        assert_eq!(inner.await.unwrap(), 9);
    });
}

#[test]
fn run_in_executor_with_a_dedicated_pool() {
    let rt = rt(2);
    let pool = ThreadPoolExecutor::new(2);
    assert_eq!(pool.max_workers(), 2);
    rt.block_on(async {
        let names: Vec<_> = (0..6)
            .map(|_| {
                runtime::run_in_executor(Some(&pool), || {
                    std::thread::sleep(Duration::from_millis(5));
                    std::thread::current().name().unwrap().to_string()
                })
            })
            .collect();
        for name in names {
            assert_eq!(name.await.unwrap(), "runtime-exec");
        }
        let h = runtime::Handle::current();
        assert_eq!(h.run_in_executor(None, || 1).await.unwrap(), 1);
        assert_eq!(h.run_in_executor(Some(&pool), || 2).await.unwrap(), 2);
    });
    assert!(pool.num_threads() <= 2);
}

#[test]
fn executor_shutdown_waits_for_queued_work_then_refuses_more() {
    let pool = ThreadPoolExecutor::new(1);
    let done = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..5)
        .map(|_| {
            let done = done.clone();
            pool.run(move || {
                std::thread::sleep(Duration::from_millis(5));
                done.fetch_add(1, SeqCst);
            })
        })
        .collect();
    pool.shutdown(true);
    assert_eq!(done.load(SeqCst), 5, "queued jobs still run on shutdown");
    assert_eq!(pool.num_threads(), 0);
    for task in tasks {
        task.join_blocking().unwrap();
    }
    let late = pool.run(|| 1).join_blocking().unwrap_err();
    assert!(late.is_cancelled());
}

#[test]
fn executor_shutdown_does_not_wait_out_the_keep_alive() {
    // A pool thread still spinning for more work when `shutdown` came found
    // nobody had notified it and slept out the whole keep-alive (10 s)
    // before `shutdown(true)` could return. The window is the few
    // microseconds after each job, so go through it many times; one miss
    // costs 10 s, far over the bound.
    const ROUNDS: usize = 50;
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        for _ in 0..ROUNDS {
            let pool = ThreadPoolExecutor::new(1);
            pool.run(|| ()).join_blocking().unwrap();
            pool.shutdown(true);
        }
        let _ = done.send(());
    });
    finished
        .recv_timeout(Duration::from_secs(9))
        .expect("shutdown(true) waited out an idle thread's keep-alive");
}

#[test]
#[should_panic(expected = "max_workers must be greater than 0")]
fn an_executor_needs_a_worker() {
    let _ = ThreadPoolExecutor::new(0);
}

#[test]
fn ten_thousand_concurrent_blocking_calls() {
    let rt = rt(2);
    rt.block_on(async {
        let jobs: Vec<_> = (0..10_000u64)
            .map(|i| runtime::to_thread(move || i * 2))
            .collect();
        let mut sum = 0;
        for job in jobs {
            sum += job.await.unwrap();
        }
        assert_eq!(sum, 2 * (0..10_000u64).sum::<u64>());
    });
}

/// Panicking thread hooks on blocking threads are contained: the pool keeps
/// starting threads (the start hook used to run before the thread counted
/// itself started, so its panic left the pool believing a thread was still
/// starting, and no thread ever started again), and shutdown does not wait
/// its whole timeout for a thread whose stop hook panicked.
#[test]
fn panicking_thread_hooks_do_not_disable_the_blocking_pool() {
    let blocking = |name: Option<&str>| name.is_some_and(|n| n.ends_with("-blk"));
    let starts = Arc::new(AtomicUsize::new(0));
    let rt = Runtime::builder()
        .workers(1)
        .blocking_keep_alive(Duration::from_millis(1))
        .on_thread_start({
            let starts = starts.clone();
            move || {
                if blocking(std::thread::current().name()) {
                    starts.fetch_add(1, SeqCst);
                    panic!("start hook of a blocking thread");
                }
            }
        })
        .on_thread_stop(move || {
            if blocking(std::thread::current().name()) {
                panic!("stop hook of a blocking thread");
            }
        })
        .build()
        .unwrap();
    let results = runtime_tests::on_watchdog_thread(move || {
        let results = runtime_tests::block_on_within(&rt, async {
            let mut results = Vec::new();
            for i in 0..3u32 {
                results.push(runtime::to_thread(move || i * 10).await.unwrap());
                // Long enough past the keep-alive that the thread retires
                // (its stop hook panics) and the next call needs a new one.
                runtime::sleep(Duration::from_millis(50)).await;
            }
            results
        });
        // Returns once the pool's threads have exited, stop hooks and all.
        rt.shutdown_timeout(runtime_tests::HANG);
        results
    });
    assert_eq!(results, [0, 10, 20]);
    assert!(starts.load(SeqCst) >= 2, "threads kept starting");
}

/// A job submitted just as the pool's only thread times out of its
/// keep-alive must still run: either the submitter sees the thread leave
/// (and starts another) or the leaving thread sees the job (and stays).
/// With a 20 µs keep-alive (about 70 µs with the kernel's timer slack) and
/// gaps of 100..200 µs between jobs, thousands of submissions land near a
/// retirement; one stranded job hangs the run.
#[test]
fn jobs_submitted_as_the_last_thread_retires_are_never_stranded() {
    let rt = Runtime::builder()
        .workers(1)
        .max_blocking_threads(1)
        .blocking_keep_alive(Duration::from_micros(20))
        .build()
        .unwrap();
    let ran = runtime_tests::on_watchdog_thread(move || {
        runtime_tests::block_on_within(&rt, async {
            let mut ran = 0u32;
            for i in 0..10_000u32 {
                ran += runtime::to_thread(move || i % 2).await.unwrap() + 1 - i % 2;
                // A gap of 100..200 µs, spun (a sleep would be a whole tick).
                let gap = std::time::Instant::now();
                while gap.elapsed() < Duration::from_micros(100 + u64::from(i * 7 % 101)) {
                    std::hint::spin_loop();
                }
            }
            ran
        })
    });
    assert_eq!(ran, 10_000);
}

/// `Handle::spawn_blocking` / `Handle::to_thread` work from a plain thread
/// with no runtime context, and the closure still sees its runtime.
#[test]
fn handle_spawn_blocking_and_to_thread_work_from_a_plain_thread() {
    let rt = runtime_tests::rt(1);
    let handle = rt.handle().clone();
    let (a, b) = std::thread::spawn(move || {
        assert!(runtime::Handle::try_current().is_none(), "a plain thread");
        let a = handle.spawn_blocking(|| runtime::Handle::try_current().is_some());
        let b = handle.to_thread(|| 2 + 2);
        (a.join_blocking().unwrap(), b.join_blocking().unwrap())
    })
    .join()
    .unwrap();
    assert!(a, "blocking jobs enter their runtime's context");
    assert_eq!(b, 4);
}
