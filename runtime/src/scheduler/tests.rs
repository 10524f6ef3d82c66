//! Invariants of the worker loop that only the scheduler's internals can
//! observe.

use crate::net::{TcpListener, TcpStream, UnixStream};
use crate::Runtime;
use futures_io::AsyncRead;
use std::sync::atomic::{AtomicU8, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Wake, Waker};

/// Records, when woken, whether the thread waking it is a worker that is
/// still on the sleepers list.
struct ListedWhenWoken(AtomicU8);

const NOT_WOKEN: u8 = 0;
const WOKEN_OFF_LIST: u8 = 1;
const WOKEN_WHILE_LISTED: u8 = 2;

impl Wake for ListedWhenWoken {
    fn wake(self: Arc<Self>) {
        let listed = crate::context::with_core(|core| {
            core.is_some_and(|core| core.shared.idle.is_listed(core.index))
        });
        let seen = if listed {
            WOKEN_WHILE_LISTED
        } else {
            WOKEN_OFF_LIST
        };
        let _ = self.0.compare_exchange(NOT_WOKEN, seen, SeqCst, SeqCst);
    }
}

#[test]
fn a_parked_worker_leaves_the_sleepers_list_before_it_dispatches_io() {
    let rt = Runtime::builder().workers(1).build().unwrap();
    let shared = rt.handle().shared().clone();
    let (ours, mut theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let mut ours = rt.block_on(async { UnixStream::from_std(ours) }).unwrap();
    let probe = Arc::new(ListedWhenWoken(AtomicU8::new(NOT_WOKEN)));
    let waker = Waker::from(probe.clone());
    let mut buf = [0; 1];
    // Drain the optimistic first readiness, then leave our waker.
    loop {
        let poll =
            std::pin::Pin::new(&mut ours).poll_read(&mut Context::from_waker(&waker), &mut buf);
        if poll.is_pending() {
            break;
        }
    }
    // Wait until the worker sleeps in its poller, then make it wake for I/O.
    while !shared.remotes[0].hot.pulse.is_parked() {
        std::thread::yield_now();
    }
    std::io::Write::write_all(&mut theirs, b"!").unwrap();
    while probe.0.load(SeqCst) == NOT_WOKEN {
        std::thread::yield_now();
    }
    assert_eq!(
        probe.0.load(SeqCst),
        WOKEN_OFF_LIST,
        "the worker dispatched its I/O while still listed as a sleeper: the tasks it woke \
         could only have woken itself"
    );
    drop((ours, theirs));
}

#[test]
fn accepted_connections_are_spread_over_the_loops() {
    let rt = Runtime::builder().workers(2).build().unwrap();
    let shared = rt.handle().shared().clone();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // One accept task, on one worker, takes every connection.
        let server = crate::spawn(async move {
            let mut accepted = Vec::new();
            for _ in 0..8 {
                accepted.push(listener.accept().await.unwrap().0);
            }
            accepted
        });
        // The clients are made on this plain thread: spread too.
        let mut clients = Vec::new();
        for _ in 0..8 {
            clients.push(TcpStream::connect(addr).await.unwrap());
        }
        let accepted = server.await.unwrap();
        let per_worker: Vec<usize> = shared.remotes.iter().map(|r| r.io.num_sources()).collect();
        // 16 streams (plus the listener, now dropped) over 2 loops.
        assert!(
            per_worker.iter().all(|&n| n >= 6),
            "connections bunched on one loop: {per_worker:?}"
        );
        drop((accepted, clients));
    });
}

/// A task left in the LIFO slot of a worker that does not come back for it
/// (here: parked, with nothing to wake it) is taken by a searching worker on
/// its last pass, instead of waiting for its owner (tokio#4941).
#[test]
fn a_searching_worker_takes_a_peers_lifo_task_on_its_last_pass() {
    use crate::task::{Meta, RawTask, TaskId};
    use std::sync::atomic::AtomicBool;
    use std::time::{Duration, Instant};

    let rt = Runtime::builder().workers(2).build().unwrap();
    let shared = rt.handle().shared().clone();
    while !(shared.remotes[0].hot.pulse.is_parked() && shared.remotes[1].hot.pulse.is_parked()) {
        std::thread::yield_now();
    }
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    let id = TaskId::next();
    let location = std::panic::Location::caller();
    let meta = Meta::new(
        location,
        crate::task::spawn_stamp_of(Instant::now()),
        None,
        None,
    );
    let future = async move { flag.store(true, SeqCst) };
    let raw = RawTask::new(future, shared.clone(), id, meta, true);
    // SAFETY: `raw` is fresh from `RawTask::new`, owned, with output `()`.
    // Its first run goes into worker 0's slot, as if a task polled there
    // had woken it; worker 0 sleeps on.
    let task: crate::Task<()> = unsafe {
        shared.bind(raw, |notified| {
            assert!(shared.remotes[0].hot.lifo.push(notified).is_none());
        })
    };
    // Worker 1 wakes, finds no queued work, searches, and on its last pass
    // finds worker 0's slot.
    shared.wake_worker(1);
    let start = Instant::now();
    while !ran.load(SeqCst) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the task in the parked worker's LIFO slot never ran"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(task.join_blocking().is_ok());
    assert_eq!(rt.handle().metrics().workers[1].steals, 1);
    assert_eq!(rt.handle().metrics().workers[0].stolen_from, 1);
}
