//! Stress and soak: the runtime at sizes a real service reaches.
//!
//! Ignored by default (each takes seconds to a minute in release, and the
//! debug build is slower still); `.ci/run` runs them in release:
//! `cargo test --release -p runtime-tests --test soak -- --ignored --test-threads=1`.
//! (Dropping a `Task` handle detaches its task.) No assertion is about time: each checks what happened (every task ran
//! once, every fd and registration came back, shutdown returned while
//! blocking jobs were still stuck, no thread left behind), and a hang
//! fails after `HANG`.

use runtime::net::{TcpListener, TcpStream};
use runtime::Runtime;
use runtime_tests::{
    block_on_within, epoll_registrations, on_watchdog_thread, open_fds, rss_bytes, rt, threads,
    wait_until, DropCounter,
};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// One bit per task: set once by the task; a second set is counted.
struct Tally {
    bits: Vec<AtomicU64>,
    twice: AtomicUsize,
    done: AtomicUsize,
}

impl Tally {
    fn new(n: usize) -> Arc<Tally> {
        Arc::new(Tally {
            bits: (0..n.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
            twice: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
        })
    }

    fn mark(&self, id: usize) {
        let bit = 1 << (id % 64);
        if self.bits[id / 64].fetch_or(bit, SeqCst) & bit != 0 {
            self.twice.fetch_add(1, SeqCst);
        }
        self.done.fetch_add(1, SeqCst);
    }

    fn assert_each_once(&self, n: usize) {
        assert_eq!(self.twice.load(SeqCst), 0, "a task ran twice");
        let set: u64 = self
            .bits
            .iter()
            .map(|b| u64::from(b.load(SeqCst).count_ones()))
            .sum();
        assert_eq!(set as usize, n, "a task never ran");
    }
}

#[test]
#[ignore = "soak: run by .ci/run in release"]
fn ten_million_tasks_from_eight_threads_and_from_tasks_each_run_exactly_once() {
    const TOTAL: usize = 10_000_000;
    const SPAWNERS: usize = 8;
    /// Half from plain threads, half from tasks.
    const EACH: usize = TOTAL / (2 * SPAWNERS);
    /// Spawners pause while this many of theirs are queued, so memory
    /// stays bounded whatever the machine's speed.
    const IN_FLIGHT: usize = 50_000;
    let rt = rt(2);
    let tally = Tally::new(TOTAL);

    let tasks: Vec<_> = (0..SPAWNERS)
        .map(|s| {
            let tally = tally.clone();
            rt.spawn(async move {
                let first = (SPAWNERS + s) * EACH;
                for (n, id) in (first..first + EACH).enumerate() {
                    while n - tally.done.load(SeqCst).min(n) > IN_FLIGHT {
                        runtime::yield_now().await;
                    }
                    let tally = tally.clone();
                    drop(runtime::spawn(async move { tally.mark(id) }));
                }
            })
        })
        .collect();
    let handle = rt.handle().clone();
    let threads: Vec<_> = (0..SPAWNERS)
        .map(|s| {
            let (tally, handle) = (tally.clone(), handle.clone());
            std::thread::spawn(move || {
                for (n, id) in (s * EACH..(s + 1) * EACH).enumerate() {
                    while n - tally.done.load(SeqCst).min(n) > IN_FLIGHT {
                        std::thread::yield_now();
                    }
                    let tally = tally.clone();
                    drop(handle.spawn(async move { tally.mark(id) }));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    block_on_within(&rt, async {
        for task in tasks {
            task.await.unwrap();
        }
    });
    wait_until("all ten million tasks ran", || {
        tally.done.load(SeqCst) >= TOTAL
    });
    tally.assert_each_once(TOTAL);
}

#[test]
#[ignore = "soak: run by .ci/run in release"]
fn a_million_tasks_sleep_at_once_on_two_workers() {
    const N: usize = 1_000_000;
    let rt = rt(2);
    let tally = Tally::new(N);
    let before = rss_bytes();
    let peak = block_on_within(&rt, {
        let tally = tally.clone();
        async move {
            // One deadline for all (with a spread of 0..1 s), far enough
            // out that they are all asleep together on any machine that
            // spawns a million tasks in under two seconds.
            let wake_at = std::time::Instant::now() + Duration::from_secs(2);
            for id in 0..N {
                let tally = tally.clone();
                let deadline = wake_at + Duration::from_micros((id % 1000) as u64 * 1000);
                drop(runtime::spawn(async move {
                    runtime::sleep_until(deadline).await;
                    tally.mark(id);
                }));
            }
            let asleep = N - tally.done.load(SeqCst);
            let peak = rss_bytes();
            while tally.done.load(SeqCst) < N {
                runtime::sleep(Duration::from_millis(20)).await;
            }
            (asleep, peak)
        }
    });
    tally.assert_each_once(N);
    let (asleep, peak) = peak;
    eprintln!(
        "{asleep} of {N} tasks asleep at once; RSS +{} MiB, {} bytes per task",
        (peak - before) >> 20,
        (peak - before) / N
    );
}

#[test]
#[ignore = "soak: run by .ci/run in release"]
fn a_hundred_thousand_connections_in_waves_leave_no_fd_or_registration_behind() {
    const WAVES: usize = 100;
    const PER_WAVE: usize = 1_000;
    let rt = rt(2);
    block_on_within(&rt, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (fds, registrations) = (open_fds(), epoll_registrations());
        let served = Arc::new(AtomicUsize::new(0));
        let server = runtime::spawn({
            let served = served.clone();
            async move {
                loop {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    let served = served.clone();
                    drop(runtime::spawn(async move {
                        let mut byte = [0];
                        stream.read_exact(&mut byte).await.unwrap();
                        stream.write_all(&byte).await.unwrap();
                        drop(stream);
                        served.fetch_add(1, SeqCst);
                    }));
                }
            }
        });
        for wave in 0..WAVES {
            let clients: Vec<_> = (0..PER_WAVE)
                .map(|i| {
                    runtime::spawn(async move {
                        let mut stream = TcpStream::connect(addr).await.unwrap();
                        // A reset instead of a graceful close: no TIME_WAIT
                        // left to use up the loopback's ports.
                        stream.set_linger(Some(Duration::ZERO)).unwrap();
                        let byte = (wave * PER_WAVE + i) as u8;
                        stream.write_all(&[byte]).await.unwrap();
                        let mut echo = [0];
                        stream.read_exact(&mut echo).await.unwrap();
                        assert_eq!(echo[0], byte);
                    })
                })
                .collect();
            for client in clients {
                client.await.unwrap();
            }
        }
        // The server side drops each stream right after its echo.
        while served.load(SeqCst) < WAVES * PER_WAVE {
            runtime::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(open_fds(), fds, "an fd outlived its connection");
        assert_eq!(
            epoll_registrations(),
            registrations,
            "a registration outlived its connection"
        );
        drop(server);
    });
}

#[test]
#[ignore = "soak: run by .ci/run in release"]
fn shutdown_with_stuck_blocking_jobs_sleepers_and_sockets_returns_and_leaks_no_thread() {
    const STUCK: usize = 64;
    const SLEEPERS: usize = 10_000;
    const PAIRS: usize = 500;
    let (threads_before, fds_before) = (threads(), open_fds());
    let rt = Runtime::builder()
        .workers(2)
        .max_blocking_threads(2 * STUCK)
        .build()
        .unwrap();
    // The runtime's own fds (pollers, wake-up fds, source sets).
    let fds_with_runtime = open_fds();
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let started = Arc::new(AtomicUsize::new(0));
    let drops = DropCounter::new();
    block_on_within(&rt, async {
        for _ in 0..STUCK {
            let (gate, started) = (gate.clone(), started.clone());
            drop(runtime::to_thread(move || {
                started.fetch_add(1, SeqCst);
                let (open, opened) = &*gate;
                let mut open = open.lock().unwrap();
                while !*open {
                    open = opened.wait(open).unwrap();
                }
            }));
        }
        for _ in 0..SLEEPERS {
            let token = drops.token();
            drop(runtime::spawn(async move {
                let _token = token;
                runtime::sleep(Duration::from_secs(3600)).await;
            }));
        }
        // 1,000 open sockets: both ends of 500 connections, each end a
        // task waiting to read.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        for _ in 0..PAIRS {
            let (client, accepted) =
                futures_lite::future::zip(TcpStream::connect(addr), listener.accept()).await;
            for mut end in [client.unwrap(), accepted.unwrap().0] {
                let token = drops.token();
                drop(runtime::spawn(async move {
                    let _token = token;
                    let mut byte = [0];
                    let _ = end.read(&mut byte).await;
                }));
            }
        }
        while started.load(SeqCst) < STUCK {
            runtime::sleep(Duration::from_millis(5)).await;
        }
    });
    assert!(open_fds() >= fds_before + 2 * PAIRS);

    // Returns although all 64 blocking jobs are still stuck: the gate
    // opens only after it returned.
    let released = Arc::new(AtomicBool::new(false));
    on_watchdog_thread({
        let released = released.clone();
        move || {
            rt.shutdown_timeout(Duration::from_millis(500));
            assert!(!released.load(SeqCst));
        }
    });
    assert_eq!(
        drops.drops(),
        SLEEPERS + 2 * PAIRS,
        "a task's future outlived shutdown"
    );
    // Every socket is closed. The runtime's own fds live on while the
    // stuck blocking threads hold its handle (their context).
    assert_eq!(open_fds(), fds_with_runtime, "a socket outlived shutdown");

    released.store(true, SeqCst);
    *gate.0.lock().unwrap() = true;
    gate.1.notify_all();
    // Workers, the monitor and every blocking thread exit.
    wait_until("every runtime thread exited", || {
        threads() == threads_before
    });
}
