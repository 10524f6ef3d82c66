//! Many threads at once: a million tiny tasks from four plain threads, work
//! spreading over every worker, spawns from inside tasks.

use runtime_tests::rt;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

#[test]
fn a_million_tasks_from_four_threads_each_run_exactly_once() {
    const PER_THREAD: usize = 250_000;
    let rt = rt(2);
    let ran: Arc<Vec<AtomicU8>> = Arc::new((0..4 * PER_THREAD).map(|_| AtomicU8::new(0)).collect());
    let remaining = Arc::new(AtomicUsize::new(4 * PER_THREAD));
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let handle = rt.handle().clone();
            let (ran, remaining, done_tx) = (ran.clone(), remaining.clone(), done_tx.clone());
            std::thread::spawn(move || {
                for i in 0..PER_THREAD {
                    let slot = t * PER_THREAD + i;
                    let (ran, remaining, done_tx) =
                        (ran.clone(), remaining.clone(), done_tx.clone());
                    drop(handle.spawn(async move {
                        ran[slot].fetch_add(1, SeqCst);
                        if remaining.fetch_sub(1, SeqCst) == 1 {
                            done_tx.send(()).unwrap();
                        }
                    }));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    done_rx.recv().unwrap();
    assert!(ran.iter().all(|r| r.load(SeqCst) == 1));
}

#[test]
fn cpu_bound_tasks_run_on_every_worker() {
    const WORKERS: usize = 2;
    let rt = rt(WORKERS);
    let threads = Arc::new(Mutex::new(HashSet::new()));
    rt.block_on(async {
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let threads = threads.clone();
                runtime::spawn(async move {
                    let start = std::time::Instant::now();
                    let mut x = 0u64;
                    while start.elapsed() < std::time::Duration::from_millis(1) {
                        x = x.wrapping_add(1);
                    }
                    threads.lock().unwrap().insert(std::thread::current().id());
                    x
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    assert_eq!(threads.lock().unwrap().len(), WORKERS);
}

#[test]
fn deep_spawn_chains_and_fan_out_from_tasks() {
    fn chain(n: usize, done: futures_channel::oneshot::Sender<usize>) {
        if n == 0 {
            done.send(0).unwrap();
        } else {
            drop(runtime::spawn(async move { chain(n - 1, done) }));
        }
    }
    let rt = rt(2);
    rt.block_on(async {
        let (tx, rx) = futures_channel::oneshot::channel();
        runtime::spawn(async move { chain(10_000, tx) });
        assert_eq!(rx.await.unwrap(), 0);

        let count = Arc::new(AtomicUsize::new(0));
        let c = count.clone();
        runtime::spawn(async move {
            let tasks: Vec<_> = (0..10_000)
                .map(|_| {
                    let c = c.clone();
                    runtime::spawn(async move {
                        runtime::yield_now().await;
                        c.fetch_add(1, SeqCst);
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        })
        .await
        .unwrap();
        assert_eq!(count.load(SeqCst), 10_000);
    });
}

#[test]
fn ping_pong_between_tasks_on_many_workers() {
    let rt = rt(4);
    rt.block_on(async {
        let tasks: Vec<_> = (0..200)
            .map(|_| {
                runtime::spawn(async {
                    for _ in 0..50 {
                        let (tx1, rx1) = futures_channel::oneshot::channel::<()>();
                        let (tx2, rx2) = futures_channel::oneshot::channel::<()>();
                        let partner = runtime::spawn(async move {
                            rx1.await.unwrap();
                            tx2.send(()).unwrap();
                        });
                        tx1.send(()).unwrap();
                        rx2.await.unwrap();
                        partner.await.unwrap();
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
}

#[test]
fn wakes_from_foreign_threads_are_never_lost() {
    // A worker parks while another thread wakes its task: repeated many
    // times, any lost wake-up hangs this test.
    let rt = rt(2);
    for _ in 0..2_000 {
        let (tx, rx) = futures_channel::oneshot::channel::<u32>();
        let task = rt.spawn(async move { rx.await.unwrap() });
        std::thread::spawn(move || tx.send(1).unwrap());
        assert_eq!(task.join_blocking().unwrap(), 1);
    }
}
