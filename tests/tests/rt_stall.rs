//! Loops that help each other: a worker stuck in one long poll strands
//! none of its timers, sockets or queued tasks, and the watchdog names the
//! task that blocks it.
//!
//! Every test blocks one worker W with a `spawn_local` task (pinned to W)
//! that sleeps its thread for [`BLOCK`], after arranging for something of
//! W's (a timer in W's shard, a socket in W's source set, a connection
//! accepted on W) to become due during the block. The assertion is about
//! order, never duration: the thing completes while the blocker still
//! blocks (`ended` is still false), which without the hand-over could only
//! happen after it.

use runtime::net::{TcpListener, UnixStream};
use runtime::Runtime;
use runtime_tests::{block_on_within, capture::Warnings};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

/// How long the blocker holds its worker.
const BLOCK: Duration = Duration::from_millis(500);

/// What the blocker tells the others.
#[derive(Default)]
struct Block {
    started: AtomicBool,
    ended: AtomicBool,
}

impl Block {
    /// Blocks the current worker (from inside a task on it) for [`BLOCK`].
    fn block_this_worker(self: &Arc<Self>) -> runtime::Task<()> {
        let block = self.clone();
        runtime::spawn_local(async move {
            block.started.store(true, SeqCst);
            std::thread::sleep(BLOCK);
            block.ended.store(true, SeqCst);
        })
    }

    /// True while the blocker has started and not ended.
    fn still_blocking(&self) -> bool {
        self.started.load(SeqCst) && !self.ended.load(SeqCst)
    }

    /// True until the blocker ends: what "completed before the blocker
    /// ended" checks. (On a loaded machine the thing may even complete
    /// before the blocker starts; that is no wait for it either.)
    fn not_ended(&self) -> bool {
        !self.ended.load(SeqCst)
    }
}

fn runtime_with(workers: usize) -> Runtime {
    Runtime::builder()
        .workers(workers)
        .thread_name("stall")
        .build()
        .unwrap()
}

/// Spawns `thing` (which completes when what the test is about does), then
/// blocks this worker; true if `thing` completed before the block ended.
async fn completes_during_the_block(
    block: &Arc<Block>,
    thing: impl std::future::Future<Output = ()> + Send + 'static,
) -> bool {
    let waiter = runtime::spawn({
        let block = block.clone();
        async move {
            thing.await;
            block.not_ended()
        }
    });
    let blocker = block.block_this_worker();
    let during = waiter.await.unwrap();
    blocker.await.unwrap();
    during
}

/// Polls `future` once, here, so whatever it registers belongs to this
/// worker; it must still be pending.
fn poll_once<F: std::future::Future + Unpin>(future: &mut F) {
    let waker = std::task::Waker::noop();
    assert!(std::pin::Pin::new(future)
        .poll(&mut Context::from_waker(waker))
        .is_pending());
}

#[test]
fn a_sleep_on_a_blocked_worker_fires_during_the_block() {
    for workers in [2, 4] {
        let rt = runtime_with(workers);
        let fired_during_block = block_on_within(&rt, async {
            runtime::spawn(async {
                let block = Arc::new(Block::default());
                // First polled here, on W: the timer sits in W's shard.
                let mut sleep = runtime::sleep(Duration::from_millis(10));
                poll_once(&mut sleep);
                completes_during_the_block(&block, sleep).await
            })
            .await
            .unwrap()
        });
        assert!(
            fired_during_block,
            "{workers} workers: the sleep waited for its blocked worker"
        );
    }
}

#[test]
fn an_interval_on_a_blocked_worker_ticks_during_the_block() {
    for workers in [2, 4] {
        let rt = runtime_with(workers);
        let ticked_during_block = block_on_within(&rt, async {
            runtime::spawn(async {
                let block = Arc::new(Block::default());
                let mut interval = runtime::interval(Duration::from_millis(10));
                // The first tick is immediate; the second one's timer goes
                // to W's shard.
                interval.tick().await;
                std::future::poll_fn(|cx| {
                    assert!(interval.poll_tick(cx).is_pending());
                    Poll::Ready(())
                })
                .await;
                let tick = async move {
                    interval.tick().await;
                };
                completes_during_the_block(&block, tick).await
            })
            .await
            .unwrap()
        });
        assert!(
            ticked_during_block,
            "{workers} workers: the interval waited for its blocked worker"
        );
    }
}

#[test]
fn a_call_later_callback_runs_during_the_block() {
    for workers in [2, 4] {
        let rt = runtime_with(workers);
        let handle = rt.handle().clone();
        let ran_during_block = block_on_within(&rt, async move {
            runtime::spawn(async move {
                let block = Arc::new(Block::default());
                let (tx, rx) = futures_channel::oneshot::channel();
                let _timer = handle.call_later(Duration::from_millis(10), {
                    let block = block.clone();
                    move || {
                        let _ = tx.send(block.not_ended());
                    }
                });
                // Let this worker poll the callback's task first, so its
                // timer lands in this worker's shard.
                for _ in 0..3 {
                    runtime::yield_now().await;
                }
                let blocker = block.block_this_worker();
                let during = rx.await.unwrap();
                blocker.await.unwrap();
                during
            })
            .await
            .unwrap()
        });
        assert!(
            ran_during_block,
            "{workers} workers: call_later waited for its blocked worker"
        );
    }
}

#[test]
fn a_socket_on_a_blocked_worker_receives_during_the_block() {
    for workers in [2, 4] {
        let rt = runtime_with(workers);
        let read_during_block = block_on_within(&rt, async {
            runtime::spawn(async {
                let block = Arc::new(Block::default());
                let (ours, mut theirs) = std::os::unix::net::UnixStream::pair().unwrap();
                // Registered here: the socket joins W's source set.
                let mut ours = UnixStream::from_std(ours).unwrap();
                // The peer writes only once W is blocked, so the edge
                // arrives while nobody but a helper can see it.
                let writer = std::thread::spawn({
                    let block = block.clone();
                    move || {
                        while !block.started.load(SeqCst) {
                            std::thread::yield_now();
                        }
                        theirs.write_all(&[42]).unwrap();
                        theirs
                    }
                });
                let read = async move {
                    let mut byte = [0; 1];
                    ours.read_exact(&mut byte).await.unwrap();
                    assert_eq!(byte, [42]);
                };
                let during = completes_during_the_block(&block, read).await;
                drop(writer.join().unwrap());
                during
            })
            .await
            .unwrap()
        });
        assert!(
            read_during_block,
            "{workers} workers: the socket waited for its blocked worker"
        );
    }
}

#[test]
fn a_task_in_the_blocked_workers_lifo_slot_runs_during_the_block() {
    let rt = runtime_with(2);
    let ran_during_block = block_on_within(&rt, async {
        runtime::spawn(async {
            let block = Arc::new(Block::default());
            let (tx, rx) = futures_channel::oneshot::channel::<()>();
            let waiting = Arc::new(AtomicBool::new(false));
            let receiver = runtime::spawn({
                let (block, waiting) = (block.clone(), waiting.clone());
                async move {
                    waiting.store(true, SeqCst);
                    rx.await.unwrap();
                    block.not_ended()
                }
            });
            // Let the receiver park on the channel (if it has not quite,
            // the test still passes, it just takes another path).
            while !waiting.load(SeqCst) {
                runtime::yield_now().await;
            }
            runtime::sleep(Duration::from_millis(5)).await;
            let block2 = block.clone();
            // One poll wakes the receiver (into this worker's LIFO slot) and
            // then blocks the worker.
            runtime::spawn_local(async move {
                block2.started.store(true, SeqCst);
                tx.send(()).unwrap();
                std::thread::sleep(BLOCK);
                block2.ended.store(true, SeqCst);
            })
            .await
            .unwrap();
            receiver.await.unwrap()
        })
        .await
        .unwrap()
    });
    assert!(
        ran_during_block,
        "the woken task waited in the LIFO slot of its blocked worker"
    );
}

#[test]
fn one_accept_loop_blocked_does_not_freeze_its_connections() {
    const CLIENTS: usize = 32;
    let rt = runtime_with(2);
    let listener = rt
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .expect("bind a listener");
    let addr = listener.local_addr().unwrap();
    let block = Arc::new(Block::default());
    let accepted = Arc::new(AtomicUsize::new(0));
    // The accept loop spawns an echo task per connection; once all clients
    // are connected it blocks its own worker.
    let server = rt.spawn({
        let (block, accepted) = (block.clone(), accepted.clone());
        async move {
            for _ in 0..CLIENTS {
                let (mut stream, _) = listener.accept().await.unwrap();
                accepted.fetch_add(1, SeqCst);
                drop(runtime::spawn(async move {
                    let mut buf = [0; 64];
                    loop {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => stream.write_all(&buf[..n]).await.unwrap(),
                        }
                    }
                }));
            }
            block.block_this_worker().await.unwrap();
        }
    });
    // Plain-thread clients, so nothing on the client side depends on the
    // runtime; each counts the round trips it completes during the block.
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let block = block.clone();
            std::thread::spawn(move || {
                let mut stream = std::net::TcpStream::connect(addr).unwrap();
                stream.set_nodelay(true).unwrap();
                let mut during = 0;
                let mut buf = [0; 8];
                while !block.ended.load(SeqCst) {
                    let msg = (i as u64).to_le_bytes();
                    stream.write_all(&msg).unwrap();
                    stream.read_exact(&mut buf).unwrap();
                    assert_eq!(buf, msg);
                    // Count a round trip only if it started and ended
                    // inside the block.
                    if block.still_blocking() {
                        during += 1;
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
                during
            })
        })
        .collect();
    let during: Vec<usize> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    block_on_within(&rt, server).unwrap();
    assert_eq!(accepted.load(SeqCst), CLIENTS);
    assert!(
        during.iter().all(|&n| n > 0),
        "connections frozen while their accept loop's worker was blocked: \
         round trips during the block per client: {during:?}"
    );
}

/// The capture of every thread's warnings (the monitor thread runs no
/// user hooks, so the subscriber is global for this test binary).
fn warnings() -> &'static Warnings {
    static WARNINGS: OnceLock<Warnings> = OnceLock::new();
    WARNINGS.get_or_init(|| {
        let warnings = Warnings::default();
        tracing::dispatcher::set_global_default(tracing::Dispatch::new(warnings.clone()))
            .expect("no other global subscriber in this binary");
        warnings
    })
}

#[test]
fn the_watchdog_names_the_task_that_blocks_its_worker() {
    let warnings = warnings();
    let rt = Runtime::builder()
        .workers(2)
        .stall_threshold(Some(Duration::from_millis(50)))
        .build()
        .unwrap();
    block_on_within(&rt, async {
        runtime::task::Builder::new()
            .name("the-culprit")
            .spawn(async { std::thread::sleep(Duration::from_millis(400)) })
            .await
            .unwrap();
        // Polls under the threshold are not reported.
        runtime::task::Builder::new()
            .name("the-innocent")
            .spawn(async {
                for _ in 0..20 {
                    std::thread::sleep(Duration::from_millis(5));
                    runtime::yield_now().await;
                }
            })
            .await
            .unwrap();
    });
    drop(rt);
    let messages = warnings.messages();
    let reports: Vec<_> = messages
        .iter()
        .filter(|m| m.contains("the-culprit"))
        .collect();
    assert_eq!(reports.len(), 1, "one report per stall: {messages:?}");
    assert!(
        reports[0].contains("stalled worker") && reports[0].contains("rt_stall.rs"),
        "the report names the task and its spawn site: {}",
        reports[0]
    );
    assert!(
        !messages.iter().any(|m| m.contains("the-innocent")),
        "{messages:?}"
    );
}

#[test]
fn the_watchdog_can_be_turned_off_and_rejects_zero() {
    let warnings = warnings();
    let rt = Runtime::builder()
        .workers(2)
        .stall_threshold(None)
        .build()
        .unwrap();
    block_on_within(&rt, async {
        runtime::task::Builder::new()
            .name("unwatched")
            .spawn(async { std::thread::sleep(Duration::from_millis(300)) })
            .await
            .unwrap();
    });
    drop(rt);
    assert!(!warnings.messages().iter().any(|m| m.contains("unwatched")));

    let error = Runtime::builder()
        .stall_threshold(Some(Duration::ZERO))
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("stall_threshold"), "{error}");
}

#[test]
fn a_single_worker_runtime_reports_its_stall_and_fires_timers_after_it() {
    let warnings = warnings();
    let rt = Runtime::builder()
        .workers(1)
        .stall_threshold(Some(Duration::from_millis(50)))
        .build()
        .unwrap();
    let fired_during_block = block_on_within(&rt, async {
        runtime::spawn(async {
            let block = Arc::new(Block::default());
            let mut sleep = runtime::sleep(Duration::from_millis(10));
            poll_once(&mut sleep);
            let sleeper = runtime::spawn({
                let block = block.clone();
                async move {
                    sleep.await;
                    block.still_blocking()
                }
            });
            let blocker = runtime::task::Builder::new()
                .name("lonely-blocker")
                .spawn_local({
                    let block = block.clone();
                    async move {
                        block.started.store(true, SeqCst);
                        std::thread::sleep(Duration::from_millis(300));
                        block.ended.store(true, SeqCst);
                    }
                });
            let during = sleeper.await.unwrap();
            blocker.await.unwrap();
            during
        })
        .await
        .unwrap()
    });
    drop(rt);
    // Nobody else can fire it: the timer waits for the poll to end.
    assert!(!fired_during_block);
    assert!(warnings
        .messages()
        .iter()
        .any(|m| m.contains("lonely-blocker") && m.contains("stalled worker")));
}

#[test]
fn shutdown_with_a_worker_stuck_in_a_poll_returns_and_names_the_task() {
    let warnings = warnings();
    let rt = runtime_with(2);
    let started = Arc::new(AtomicBool::new(false));
    let release = Arc::new(AtomicBool::new(false));
    drop(
        runtime::task::Builder::new()
            .name("never-ending-poll")
            .spawn_on(
                {
                    let (started, release) = (started.clone(), release.clone());
                    async move {
                        started.store(true, SeqCst);
                        while !release.load(SeqCst) {
                            std::thread::sleep(Duration::from_millis(5));
                        }
                    }
                },
                rt.handle(),
            ),
    );
    while !started.load(SeqCst) {
        std::thread::yield_now();
    }
    rt.shutdown_timeout(Duration::from_millis(100));
    let named = warnings
        .messages()
        .iter()
        .any(|m| m.contains("runtime shutdown") && m.contains("never-ending-poll"));
    release.store(true, SeqCst);
    assert!(named, "{:?}", warnings.messages());
}
