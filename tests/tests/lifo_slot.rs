//! The LIFO slot keeps a message's receiver next in line, but can starve
//! nobody (tokio#4941): consecutive LIFO polls are capped and share one
//! budget, and a searching worker takes a busy peer's slot on its last pass.

use futures_channel::mpsc;
use futures_lite::StreamExt;
use runtime_tests::{wait_until, HANG};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A pair of tasks bouncing a message for as long as `stop` is clear: each
/// send wakes the other side during the sender's poll, so each worker
/// running a pair keeps re-filling its own LIFO slot. Counts round trips.
fn spawn_pair(handle: &runtime::Handle, stop: Arc<AtomicBool>, rounds: Arc<AtomicU64>) {
    let (to_pong, mut pings) = mpsc::unbounded::<()>();
    let (to_ping, mut pongs) = mpsc::unbounded::<()>();
    handle.spawn(async move {
        while let Some(()) = pings.next().await {
            if to_ping.unbounded_send(()).is_err() {
                break;
            }
        }
    });
    handle.spawn(async move {
        while !stop.load(SeqCst) {
            to_pong.unbounded_send(()).unwrap();
            if pongs.next().await.is_none() {
                break;
            }
            rounds.fetch_add(1, SeqCst);
        }
    });
}

/// Every worker is kept busy by its own ping-pong pair, then 100 tasks are
/// spawned: all of them must run while the pairs are still bouncing.
fn waiting_tasks_run_while_pairs_bounce(workers: usize) {
    let rt = runtime_tests::rt(workers);
    let handle = rt.handle().clone();
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicU64::new(0));
    for _ in 0..workers {
        spawn_pair(&handle, stop.clone(), rounds.clone());
    }
    wait_until("the pairs bounce", || rounds.load(SeqCst) > 1_000);

    let ran = Arc::new(AtomicUsize::new(0));
    // Spawned from a worker (into its local queue), and from outside (the
    // injector): neither may wait for the pairs to stop.
    let spawner = {
        let ran = ran.clone();
        handle.spawn(async move {
            for _ in 0..50 {
                let ran = ran.clone();
                runtime::spawn(async move {
                    ran.fetch_add(1, SeqCst);
                });
            }
        })
    };
    for _ in 0..50 {
        let ran = ran.clone();
        handle.spawn(async move {
            ran.fetch_add(1, SeqCst);
        });
    }
    let start = Instant::now();
    while ran.load(SeqCst) < 100 {
        assert!(
            start.elapsed() < HANG,
            "{} of 100 tasks ran in {HANG:?} while the pairs bounced ({} rounds)",
            ran.load(SeqCst),
            rounds.load(SeqCst)
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let rounds_when_done = rounds.load(SeqCst);
    assert!(!stop.load(SeqCst));
    wait_until("the pairs still bounce after", || {
        rounds.load(SeqCst) > rounds_when_done
    });
    stop.store(true, SeqCst);
    rt.block_on(spawner).unwrap();
    let metrics = handle.metrics();
    assert!(
        metrics.workers.iter().map(|w| w.lifo_hits).sum::<u64>() > 0,
        "the pairs ran from the LIFO slot: {metrics:?}"
    );
}

#[test]
fn waiting_tasks_run_while_a_pair_bounces_on_2_workers() {
    waiting_tasks_run_while_pairs_bounce(2);
}

#[test]
fn waiting_tasks_run_while_a_pair_bounces_on_4_workers() {
    waiting_tasks_run_while_pairs_bounce(4);
}

/// A task woken into the slot of a worker that then stays busy in its
/// poll runs elsewhere before that poll ends: taken by a searching worker
/// on its last pass, or, once the poll counts as a stall (~1 ms), by the
/// workers serving the stalled loop. (Which one is a matter of timing; the
/// unit test `a_searching_worker_takes_a_peers_lifo_task_on_its_last_pass`
/// isolates the first.)
#[test]
fn a_searching_worker_takes_a_busy_peers_slot() {
    let rt = runtime_tests::rt(2);
    let handle = rt.handle().clone();
    let released = Arc::new(AtomicBool::new(false));
    let took_slot = Arc::new(AtomicBool::new(false));
    let (woken_tx, mut woken_rx) = mpsc::unbounded::<()>();
    // The task that will be woken into the busy worker's slot.
    let (seen, release) = (took_slot.clone(), released.clone());
    let waiter = handle.spawn(async move {
        woken_rx.next().await.unwrap();
        // Ran while the waker's poll is still going: it was taken from the
        // slot by the other worker.
        seen.store(!release.load(SeqCst), SeqCst);
    });
    wait_until("the waiter is parked on its channel", || {
        handle
            .all_tasks()
            .iter()
            .any(|t| t.id() == waiter.id() && t.polls() > 0)
    });
    let release = released.clone();
    let busy = handle.spawn(async move {
        // Wakes the waiter into this worker's LIFO slot, then keeps the
        // worker busy until the waiter has run somewhere else (bounded).
        woken_tx.unbounded_send(()).unwrap();
        let start = Instant::now();
        while !waiter.is_done() && start.elapsed() < HANG {
            std::hint::spin_loop();
        }
        release.store(true, SeqCst);
        waiter.await.unwrap();
    });
    rt.block_on(busy).unwrap();
    assert!(
        took_slot.load(SeqCst),
        "the woken task waited for its waker's poll to end"
    );
}
