//! Instruction counts of `runtime`'s hot paths, for callgrind.
//!
//! ```text
//! cargo build --release -p runtime-benches --bin hotpath
//! valgrind --tool=callgrind target/release/hotpath ping_pong 100000
//! valgrind --tool=callgrind target/release/hotpath ping_pong 0
//! ```
//!
//! Each workload runs `N` operations inside one task on a one-worker
//! runtime, so nothing is stolen and nothing spins waiting for a peer:
//! instruction counts repeat from run to run. (Total(N) − Total(0)) / N is
//! the cost of one operation. Workloads:
//!
//! - `spawn`: spawn a trivial task and await it;
//! - `spawn_eager`: the same with `spawn_eager` (completes inside the spawn);
//! - `spawn_many`: spawn `N` detached tasks, then wait for all of them (the
//!   `spawn_many_local` row's pattern: one spawn, poll, completion and free
//!   each, with `N` cells alive at once);
//! - `chain`: a chain of `N` tasks, each spawning the next and ending (the
//!   `chained_spawn` row's pattern: one spawn, poll, completion and free
//!   per link, one cell alive at a time);
//! - `timers`: `N` detached tasks that each sleep 1–10 ms, then wait for all
//!   (the `timers` row: spawn, register, fire, wake, poll, complete; idle
//!   parks between ticks are in the count too, so it repeats less exactly);
//! - `yield`: one `yield_now`;
//! - `ping_pong`: a round trip between two tasks over oneshot channels;
//! - `sleep`: register a timer and cancel it (poll a `Sleep` once, drop it);
//! - `echo`: a 64-byte message over a Unix socket pair to an echo task and
//!   back (each side waits for readiness: the reactor's whole path).

use futures_channel::oneshot;
use std::future::Future;
use std::pin::pin;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Waker};
use std::time::Duration;

const USAGE: &str =
    "usage: hotpath <spawn|spawn_eager|spawn_many|chain|timers|yield|ping_pong|sleep|echo> <N>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(workload), Some(n)) = (
        args.first(),
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let rt = runtime::Runtime::builder()
        .workers(1)
        .build()
        .expect("runtime should start");
    let workload = workload.clone();
    let done = rt.block_on(async move {
        runtime::spawn(async move {
            match workload.as_str() {
                "spawn" => spawn(n).await,
                "spawn_eager" => spawn_eager(n).await,
                "spawn_many" => spawn_many(n).await,
                "chain" => chain(n).await,
                "timers" => timers(n).await,
                "yield" => yields(n).await,
                "ping_pong" => ping_pong(n).await,
                "sleep" => sleeps(n),
                "echo" => echo(n).await,
                _ => return false,
            }
            true
        })
        .await
        .expect("the workload task panicked")
    });
    if done {
        ExitCode::SUCCESS
    } else {
        eprintln!("{USAGE}");
        ExitCode::FAILURE
    }
}

async fn spawn(n: usize) {
    for i in 0..n {
        assert_eq!(runtime::spawn(async move { i }).await.unwrap(), i);
    }
}

async fn spawn_eager(n: usize) {
    for i in 0..n {
        assert_eq!(runtime::spawn_eager(async move { i }).await.unwrap(), i);
    }
}

/// `n` detached tasks whose futures hold one pointer (as the
/// `spawn_many_local` row's do); returns when all have run.
async fn spawn_many(n: usize) {
    let done = Arc::new(AtomicUsize::new(0));
    for _ in 0..n {
        let done = done.clone();
        drop(runtime::spawn(async move {
            done.fetch_add(1, Relaxed);
        }));
    }
    while done.load(Relaxed) < n {
        // Behind all of them in the queue: one yield is enough.
        runtime::yield_now().await;
    }
}

/// A chain of `n` detached tasks, each spawning the next before it ends
/// (as the `chained_spawn` row's do); returns when the last has run.
async fn chain(n: usize) {
    fn link(left: usize, last: oneshot::Sender<()>) {
        if left == 0 {
            last.send(()).unwrap();
        } else {
            drop(runtime::spawn(async move { link(left - 1, last) }));
        }
    }
    let (last, ended) = oneshot::channel();
    link(n, last);
    ended.await.unwrap();
}

/// `n` detached tasks that each sleep `i % 10 + 1` ms (as the `timers`
/// row's do); returns when all have woken.
async fn timers(n: usize) {
    let done = Arc::new(AtomicUsize::new(0));
    for i in 0..n {
        let done = done.clone();
        drop(runtime::spawn(async move {
            runtime::sleep(Duration::from_millis(i as u64 % 10 + 1)).await;
            done.fetch_add(1, Relaxed);
        }));
    }
    while done.load(Relaxed) < n {
        runtime::sleep(Duration::from_millis(1)).await;
    }
}

async fn yields(n: usize) {
    for _ in 0..n {
        runtime::yield_now().await;
    }
}

async fn ping_pong(n: usize) {
    let (to_pong, mut pings) = futures_channel::mpsc::unbounded::<oneshot::Sender<()>>();
    let pong = runtime::spawn(async move {
        use futures_lite_free::next;
        while let Some(reply) = next(&mut pings).await {
            reply.send(()).unwrap();
        }
    });
    for _ in 0..n {
        let (tx, rx) = oneshot::channel();
        to_pong.unbounded_send(tx).unwrap();
        rx.await.unwrap();
    }
    drop(to_pong);
    pong.await.unwrap();
}

fn sleeps(n: usize) {
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..n {
        let mut sleep = pin!(runtime::sleep(Duration::from_secs(1)));
        assert!(sleep.as_mut().poll(&mut cx).is_pending());
    }
}

async fn echo(n: usize) {
    let (mut client, mut server) = runtime::net::UnixStream::pair().unwrap();
    let echo = runtime::spawn(async move {
        let mut buf = [0u8; 64];
        for _ in 0..n {
            server.read_exact(&mut buf).await.unwrap();
            server.write_all(&buf).await.unwrap();
        }
    });
    let msg = [7u8; 64];
    let mut buf = [0u8; 64];
    for _ in 0..n {
        client.write_all(&msg).await.unwrap();
        client.read_exact(&mut buf).await.unwrap();
        assert_eq!(buf, msg);
    }
    echo.await.unwrap();
}

/// `StreamExt::next` without another dependency.
mod futures_lite_free {
    use futures_core::Stream;
    use std::pin::Pin;

    pub async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
        std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
    }
}
