//! Shutdown with work in flight: pending tasks, sleeping timers, queued and
//! running blocking jobs, spawns after shutdown, stuck workers.

use runtime::Runtime;
use runtime_tests::{rt, DropCounter, Forever};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

#[test]
fn dropping_the_runtime_cancels_pending_tasks_and_timers() {
    let drops = DropCounter::new();
    let rt = rt(2);
    let handles: Vec<_> = (0..100)
        .map(|i| {
            let token = drops.token();
            rt.spawn(async move {
                let _token = token;
                if i % 2 == 0 {
                    runtime::sleep(Duration::from_secs(3600)).await;
                } else {
                    std::future::pending::<()>().await;
                }
            })
        })
        .collect();
    let locals = DropCounter::new();
    let token = locals.token();
    rt.block_on(async move {
        runtime::spawn(async move {
            runtime::spawn_local(Forever(token));
        })
        .await
        .unwrap();
        runtime::sleep(Duration::from_millis(10)).await;
    });
    drop(rt);
    assert_eq!(drops.drops(), 100, "every future is dropped at shutdown");
    assert_eq!(locals.drops(), 1, "local tasks are dropped by their worker");
    for handle in handles {
        assert!(handle.join_blocking().unwrap_err().is_cancelled());
    }
}

#[test]
fn run_cancels_what_main_left_behind() {
    let drops = DropCounter::new();
    let token = drops.token();
    runtime::run(async move {
        runtime::spawn(Forever(token));
        runtime::yield_now().await;
    });
    assert_eq!(drops.drops(), 1);
}

#[test]
fn spawning_after_shutdown_yields_a_cancelled_task() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    drop(rt);
    assert!(handle.is_shutdown());
    let drops = DropCounter::new();
    let token = drops.token();
    let task = handle.spawn(async move {
        let _token = token;
        1
    });
    assert!(task.join_blocking().unwrap_err().is_cancelled());
    assert_eq!(drops.drops(), 1);
    let blocking = handle.run_in_executor(None, || 1);
    assert!(blocking.join_blocking().unwrap_err().is_cancelled());
}

#[test]
fn queued_blocking_jobs_are_cancelled_and_running_ones_awaited() {
    let rt = Runtime::builder()
        .workers(1)
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let finished = Arc::new(AtomicBool::new(false));
    let (started_tx, started_rx) = mpsc::channel();
    let f = finished.clone();
    let running = rt.handle().run_in_executor(None, move || {
        started_tx.send(()).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        f.store(true, SeqCst);
    });
    started_rx.recv().unwrap();
    let queued = rt.handle().run_in_executor(None, || 2);
    rt.shutdown_timeout(Duration::from_secs(10));
    assert!(finished.load(SeqCst), "the running job was waited for");
    running.join_blocking().unwrap();
    assert!(queued.join_blocking().unwrap_err().is_cancelled());
}

#[test]
fn shutdown_does_not_hang_on_a_task_stuck_in_a_poll() {
    let rt = rt(2);
    let (tx, rx) = mpsc::channel();
    let _stuck = rt.spawn(async move {
        tx.send(()).unwrap();
        // Misbehaving: blocks its worker.
        std::thread::sleep(Duration::from_millis(1500));
    });
    rx.recv().unwrap();
    let start = Instant::now();
    rt.shutdown_timeout(Duration::from_millis(100));
    assert!(
        start.elapsed() < Duration::from_millis(1400),
        "shutdown waited for the stuck worker"
    );
}

#[test]
fn a_runtime_dropped_inside_its_own_task_does_not_deadlock() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    let (tx, rx) = mpsc::channel();
    let rt_cell = Arc::new(std::sync::Mutex::new(Some(rt)));
    let cell = rt_cell.clone();
    let _task = handle.spawn(async move {
        let rt = cell.lock().unwrap().take();
        drop(rt);
        tx.send(()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(30)).unwrap();
}

#[test]
fn many_runtimes_come_and_go_without_leaking_threads() {
    fn threads() -> usize {
        std::fs::read_dir("/proc/self/task")
            .map(|d| d.count())
            .unwrap_or(0)
    }
    let before = threads();
    for _ in 0..20 {
        let rt = rt(2);
        rt.block_on(async {
            runtime::to_thread(|| ()).await.unwrap();
            runtime::spawn(async {}).await.unwrap();
        });
    }
    // Other tests run in parallel: allow their threads, but not 20 × 3 of ours.
    let after = threads();
    assert!(
        after < before + 20,
        "threads before {before}, after {after}"
    );
}

/// A runtime whose blocking pool is running a job that ends by itself
/// after a second, and the flag the job sets when it ends. A shutdown that
/// waits for blocking jobs returns after the flag is set; one that does not
/// wait returns long before.
fn runtime_with_a_blocking_job() -> (runtime::Runtime, Arc<AtomicBool>) {
    let rt = runtime::Runtime::builder().workers(1).build().unwrap();
    let finished = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicBool::new(false));
    let enter = rt.enter();
    drop(rt.spawn(runtime::to_thread({
        let (finished, started) = (finished.clone(), started.clone());
        move || {
            started.store(true, SeqCst);
            std::thread::sleep(Duration::from_secs(1));
            finished.store(true, SeqCst);
        }
    })));
    drop(enter);
    while !started.load(SeqCst) {
        std::thread::yield_now();
    }
    (rt, finished)
}

/// Dropping a runtime inside async code does not block the worker doing
/// it: the drop returns while the dropped runtime's blocking job is still
/// running (a blocking shutdown waits for it), on another runtime's worker
/// and inside one of its own tasks.
#[test]
fn dropping_a_runtime_inside_async_code_does_not_block_the_worker() {
    // On another runtime's worker.
    let outer = runtime_tests::rt(1);
    let (inner, finished) = runtime_with_a_blocking_job();
    let job_running_after_drop = runtime_tests::block_on_within(&outer, async move {
        runtime::spawn(async move {
            drop(inner);
            !finished.load(SeqCst)
        })
        .await
        .unwrap()
    });
    assert!(
        job_running_after_drop,
        "the drop waited for the blocking job"
    );

    // Inside one of its own tasks.
    let (rt, finished) = runtime_with_a_blocking_job();
    let handle = rt.handle().clone();
    let slot = Arc::new(std::sync::Mutex::new(Some(rt)));
    let (tx, rx) = mpsc::channel();
    drop(handle.spawn({
        let slot = slot.clone();
        async move {
            let rt = slot.lock().unwrap().take();
            drop(rt);
            let _ = tx.send(!finished.load(SeqCst));
        }
    }));
    let job_running_after_drop = rx
        .recv_timeout(runtime_tests::HANG)
        .expect("the task that dropped its runtime finished");
    assert!(
        job_running_after_drop,
        "the drop waited for the blocking job"
    );
}
