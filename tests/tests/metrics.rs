//! `Handle::metrics()`: each counter and gauge moves with the work that
//! should move it (never a duration compared with a speed: only bounds the
//! work itself guarantees, and orders).

use runtime_tests::{block_until, rt, wait_until, HANG};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

#[test]
fn spawned_alive_and_polled_tasks_are_counted() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    let before = handle.metrics();
    assert_eq!(before.tasks_alive, 0);
    let gate = Arc::new(runtime::sync::Event::new());
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let gate = gate.clone();
            handle.spawn(async move { gate.wait().await })
        })
        .collect();
    wait_until("every task polled once", || {
        handle.metrics().total_polls() >= before.total_polls() + 100
    });
    let during = handle.metrics();
    assert_eq!(during.tasks_spawned - before.tasks_spawned, 100);
    assert_eq!(during.tasks_alive, 100);
    gate.set();
    rt.block_on(async {
        for task in tasks {
            task.await.unwrap();
        }
    });
    wait_until("every task gone", || handle.metrics().tasks_alive == 0);
    let after = handle.metrics();
    assert_eq!(after.tasks_spawned - before.tasks_spawned, 100);
    assert!(
        after.total_polls() >= before.total_polls() + 200,
        "each task is polled at least twice (pending, then ready): {after:?}"
    );
}

#[test]
fn a_ping_pong_runs_from_the_lifo_slot() {
    let rt = rt(1);
    rt.block_on(async {
        let pinger = runtime::spawn(async {
            for _ in 0..1_000 {
                let (ping_tx, ping_rx) = futures_channel::oneshot::channel::<()>();
                let (pong_tx, pong_rx) = futures_channel::oneshot::channel::<()>();
                let ponger = runtime::spawn(async move {
                    ping_rx.await.unwrap();
                    pong_tx.send(()).unwrap();
                });
                ping_tx.send(()).unwrap();
                pong_rx.await.unwrap();
                ponger.await.unwrap();
            }
        });
        pinger.await.unwrap();
    });
    let metrics = rt.handle().metrics();
    assert!(
        metrics.workers[0].lifo_hits > 0,
        "a task woken during its waker's poll runs next, from the LIFO slot: {metrics:?}"
    );
    assert!(metrics.workers[0].lifo_hits <= metrics.workers[0].polls);
}

#[test]
fn a_blocked_workers_queue_is_stolen_and_both_sides_count_it() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    let done = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicBool::new(false));
    let (done2, finished2) = (done.clone(), finished.clone());
    // Spawned on a worker, the 200 tasks land in its local queue; the task
    // then blocks that worker until they have all run: only a thief can.
    let spawner = handle.spawn(async move {
        for _ in 0..200 {
            let (done, finished) = (done2.clone(), finished2.clone());
            runtime::spawn(async move {
                if done.fetch_add(1, SeqCst) + 1 == 200 {
                    finished.store(true, SeqCst);
                }
            });
        }
        block_until(&finished2);
    });
    rt.block_on(spawner).unwrap();
    assert_eq!(done.load(SeqCst), 200);
    let metrics = handle.metrics();
    assert!(
        metrics.total_steals() >= 1,
        "the idle worker stole: {metrics:?}"
    );
    // A thief counts its steal, then its victim's: a snapshot may fall in
    // between, so the two agree once the thieves are done.
    wait_until("every steal has a victim", || {
        let metrics = handle.metrics();
        let stolen_from: u64 = metrics.workers.iter().map(|w| w.stolen_from).sum();
        metrics.total_steals() == stolen_from
    });
}

#[test]
fn queue_depths_show_work_waiting_behind_a_blocked_worker() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    let release = Arc::new(AtomicBool::new(false));
    let (spawned_tx, spawned_rx) = mpsc::channel();
    let release2 = release.clone();
    let blocker = handle.spawn(async move {
        let local: Vec<_> = (0..5).map(|_| runtime::spawn(async {})).collect();
        spawned_tx.send(()).unwrap();
        block_until(&release2);
        for task in local {
            task.await.unwrap();
        }
    });
    spawned_rx.recv_timeout(HANG).unwrap();
    // From this plain thread: the global queue.
    let remote: Vec<_> = (0..3).map(|_| handle.spawn(async {})).collect();
    let metrics = handle.metrics();
    assert_eq!(metrics.workers[0].local_queue_depth, 5, "{metrics:?}");
    assert_eq!(metrics.injector_depth, 3, "{metrics:?}");
    release.store(true, SeqCst);
    rt.block_on(async {
        blocker.await.unwrap();
        for task in remote {
            task.await.unwrap();
        }
    });
    let metrics = handle.metrics();
    assert_eq!(metrics.workers[0].local_queue_depth, 0);
    assert_eq!(metrics.injector_depth, 0);
}

#[test]
fn parks_and_busy_time_follow_the_worker() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    wait_until("the idle worker parks", || {
        handle.metrics().workers[0].parks >= 1
    });
    let before = handle.metrics().workers[0].clone();
    // A poll that holds the worker 20 ms: awake all along.
    rt.block_on(handle.spawn(async { std::thread::sleep(Duration::from_millis(20)) }))
        .unwrap();
    let after = handle.metrics().workers[0].clone();
    assert!(
        after.busy >= before.busy + Duration::from_millis(20),
        "busy {:?} -> {:?}",
        before.busy,
        after.busy
    );
    // Once the worker sleeps again, its busy time stops growing (it
    // would grow forever if sleep counted as busy).
    wait_until("busy time stops while the worker sleeps", || {
        let a = handle.metrics().workers[0].busy;
        std::thread::sleep(Duration::from_millis(5));
        handle.metrics().workers[0].busy == a
    });
}

#[test]
fn the_monitor_sees_a_long_poll() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    let handle2 = handle.clone();
    // The poll lasts until the monitor has measured it.
    rt.block_on(handle.spawn(async move {
        let start = Instant::now();
        while handle2
            .metrics()
            .workers
            .iter()
            .all(|w| w.longest_poll.is_zero())
        {
            assert!(
                start.elapsed() < HANG,
                "the monitor never measured the poll"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }))
    .unwrap();
}

#[test]
fn debug_mode_times_every_poll() {
    let rt = runtime::Runtime::builder()
        .workers(1)
        .debug(true)
        .slow_poll_threshold(Duration::from_secs(3600))
        .build()
        .unwrap();
    rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(30)) }))
        .unwrap();
    // The worker records the poll's time once the poll returns, which may
    // be just after the task's completion woke this thread.
    let handle = rt.handle().clone();
    wait_until("the 30 ms poll is recorded", || {
        handle.metrics().workers[0].longest_poll >= Duration::from_millis(30)
    });
}

#[test]
fn io_sources_and_pending_timers_come_and_go() {
    let _serial = runtime_tests::serial();
    let rt = rt(2);
    let handle = rt.handle().clone();
    let base = handle.metrics();
    assert_eq!(base.timers_pending, 0);
    let listener = rt.block_on(async {
        runtime::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
    });
    assert_eq!(handle.metrics().io_sources, base.io_sources + 1);
    drop(listener);
    assert_eq!(handle.metrics().io_sources, base.io_sources);

    let sleepers: Vec<_> = (0..10)
        .map(|_| handle.spawn(runtime::sleep(Duration::from_secs(3600))))
        .collect();
    wait_until("ten timers registered", || {
        handle.metrics().timers_pending == 10
    });
    for sleeper in &sleepers {
        sleeper.cancel();
    }
    wait_until("the cancelled timers removed", || {
        handle.metrics().timers_pending == 0
    });
    rt.block_on(async {
        runtime::sleep(Duration::from_millis(1)).await;
    });
    assert_eq!(
        handle.metrics().timers_pending,
        0,
        "a fired timer is not pending"
    );
}

#[test]
fn the_blocking_pool_shows_its_queue_and_its_oldest_job() {
    let rt = runtime::Runtime::builder()
        .workers(1)
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let handle = rt.handle().clone();
    let (unblock_tx, unblock_rx) = mpsc::channel::<()>();
    let (started_tx, started_rx) = mpsc::channel::<()>();
    let first = handle.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        unblock_rx.recv().unwrap();
    });
    started_rx.recv_timeout(HANG).unwrap();
    let queued: Vec<_> = (0..3).map(|_| handle.spawn_blocking(|| ())).collect();
    let early = handle.metrics().blocking;
    assert_eq!(early.threads, 1, "{early:?}");
    assert_eq!(early.idle, 0, "{early:?}");
    assert_eq!(early.queued, 3, "{early:?}");
    let early_age = early.oldest_queued.expect("jobs are queued");
    std::thread::sleep(Duration::from_millis(5));
    let late_age = handle.metrics().blocking.oldest_queued.unwrap();
    assert!(
        late_age > early_age,
        "the oldest job keeps ageing while it waits"
    );

    unblock_tx.send(()).unwrap();
    rt.block_on(async {
        first.await.unwrap();
        for job in queued {
            job.await.unwrap();
        }
    });
    let after = handle.metrics().blocking;
    assert_eq!(after.queued, 0);
    assert_eq!(after.oldest_queued, None);
}

#[test]
fn the_display_line_names_each_part() {
    let rt = rt(2);
    let line = rt.handle().metrics().to_string();
    for part in [
        "tasks", "polls", "steals", "parks", "busy", "injector", "io", "timers", "blocking",
    ] {
        assert!(line.contains(part), "{part} missing from {line}");
    }
    assert!(!line.contains('\n'), "one line: {line}");
}
