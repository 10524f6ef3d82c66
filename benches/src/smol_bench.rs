//! The workloads on smol: an `async_executor::Executor` (via
//! `smol::Executor`) run by a fixed number of threads, each in
//! `smol::block_on(ex.run(shutdown_signal))`.
//!
//! Kept in the same order and shape as `runtime_bench.rs` and
//! `tokio_bench.rs`; only the runtime calls differ.

use std::sync::{mpsc, Arc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use futures_channel::oneshot;
use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol::net::{TcpListener, TcpStream};
use smol::{channel, Executor, Timer};

use crate::{
    blocking_expected, busy_work, countdown, echo_message, http_expected_body, http_request,
    run_on_threads, Bench, Countdown, HttpClientConn, HttpServerConn, StallRecorder, StallRun,
    TimerRun, TimerState, SLEEP_FOREVER, STALL_HOG, STALL_SLEEP, TCP_ECHO_MSG_LEN,
    TCP_ECHO_READ_BUF,
};

type Ex = Arc<Executor<'static>>;

/// A smol executor driven by `workers` threads.
#[derive(Debug)]
pub struct SmolBench {
    ex: Ex,
    /// Dropping it closes the channel, which makes every `ex.run` return.
    shutdown: Option<channel::Sender<()>>,
    threads: Vec<JoinHandle<()>>,
}

impl SmolBench {
    /// Starts `workers` threads running the executor.
    pub fn new(workers: usize) -> Self {
        let ex: Ex = Arc::new(Executor::new());
        let (shutdown, signal) = channel::bounded::<()>(1);
        let threads = (0..workers)
            .map(|i| {
                let (ex, signal) = (ex.clone(), signal.clone());
                thread::Builder::new()
                    .name(format!("smol-worker-{i}"))
                    .spawn(move || {
                        smol::block_on(ex.run(async move {
                            let _ = signal.recv().await;
                        }))
                    })
                    .expect("failed to spawn a smol worker thread")
            })
            .collect();
        SmolBench {
            ex,
            shutdown: Some(shutdown),
            threads,
        }
    }
}

impl Drop for SmolBench {
    fn drop(&mut self) {
        drop(self.shutdown.take());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn chain(ex: Ex, depth: usize, done: Countdown) {
    if depth == 0 {
        done.hit();
    } else {
        ex.clone()
            .spawn(async move { chain(ex, depth - 1, done) })
            .detach();
    }
}

impl Bench for SmolBench {
    fn name(&self) -> &'static str {
        "smol"
    }

    fn spawn_ready(&self, n: usize, _eager: bool) -> Duration {
        let (done, finished) = countdown(1);
        let ex = self.ex.clone();
        let start = Instant::now();
        self.ex
            .spawn(async move {
                let mut sum = 0;
                for i in 0..n {
                    sum += ex.spawn(async move { i }).await;
                }
                assert_eq!(sum, n * (n - 1) / 2);
                done.hit();
            })
            .detach();
        finished.wait();
        start.elapsed()
    }

    fn spawn_many_local(&self, n: usize) -> Duration {
        let (done, finished) = countdown(n);
        let ex = self.ex.clone();
        let start = Instant::now();
        self.ex
            .spawn(async move {
                for _ in 0..n {
                    let done = done.clone();
                    ex.spawn(async move { done.hit() }).detach();
                }
            })
            .detach();
        finished.wait();
        start.elapsed()
    }

    fn spawn_many_remote(&self, n: usize) -> Duration {
        let (done, finished) = countdown(n);
        let start = Instant::now();
        for _ in 0..n {
            let done = done.clone();
            self.ex.spawn(async move { done.hit() }).detach();
        }
        finished.wait();
        start.elapsed()
    }

    fn yield_many(&self, tasks: usize, yields: usize) -> Duration {
        let (done, finished) = countdown(tasks);
        let ex = self.ex.clone();
        let start = Instant::now();
        self.ex
            .spawn(async move {
                for _ in 0..tasks {
                    let done = done.clone();
                    ex.spawn(async move {
                        for _ in 0..yields {
                            smol::future::yield_now().await;
                        }
                        done.hit();
                    })
                    .detach();
                }
            })
            .detach();
        finished.wait();
        start.elapsed()
    }

    fn ping_pong(&self, pairs: usize) -> Duration {
        let (done, finished) = countdown(pairs);
        let ex = self.ex.clone();
        let start = Instant::now();
        self.ex
            .spawn(async move {
                for _ in 0..pairs {
                    let (done, inner) = (done.clone(), ex.clone());
                    ex.spawn(async move {
                        let (tx1, rx1) = oneshot::channel::<()>();
                        let (tx2, rx2) = oneshot::channel::<()>();
                        inner
                            .spawn(async move {
                                rx1.await.unwrap();
                                tx2.send(()).unwrap();
                            })
                            .detach();
                        tx1.send(()).unwrap();
                        rx2.await.unwrap();
                        done.hit();
                    })
                    .detach();
                }
            })
            .detach();
        finished.wait();
        start.elapsed()
    }

    fn chained_spawn(&self, depth: usize) -> Duration {
        let (done, finished) = countdown(1);
        let ex = self.ex.clone();
        let start = Instant::now();
        self.ex
            .spawn(async move { chain(ex, depth, done) })
            .detach();
        finished.wait();
        start.elapsed()
    }

    fn blocking_offload(&self, n: usize) -> Duration {
        let (tx, rx) = mpsc::sync_channel(1);
        let start = Instant::now();
        self.ex
            .spawn(async move {
                let tasks: Vec<_> = (0..n as u64)
                    .map(|i| smol::unblock(move || i * 2))
                    .collect();
                let mut sum = 0;
                for task in tasks {
                    sum += task.await;
                }
                tx.send(sum).unwrap();
            })
            .detach();
        let sum = rx.recv().unwrap();
        let elapsed = start.elapsed();
        assert_eq!(sum, blocking_expected(n));
        elapsed
    }

    fn timers(&self, n: usize) -> TimerRun {
        let state = TimerState::new(n);
        let (done, finished) = countdown(n);
        let (ex, shared) = (self.ex.clone(), state.clone());
        let start = Instant::now();
        self.ex
            .spawn(async move {
                for i in 0..n {
                    let (done, state) = (done.clone(), shared.clone());
                    ex.spawn(async move {
                        let delay = state.delay(i);
                        let deadline = Instant::now() + delay;
                        Timer::after(delay).await;
                        state.record(i, deadline);
                        done.hit();
                    })
                    .detach();
                }
            })
            .detach();
        finished.wait();
        TimerRun {
            elapsed: start.elapsed(),
            median_lateness: state.median_lateness(),
        }
    }

    fn sleeping_tasks(&self, n: usize) {
        let (done, finished) = countdown(n);
        let ex = self.ex.clone();
        self.ex
            .spawn(async move {
                for _ in 0..n {
                    let done = done.clone();
                    ex.spawn(async move {
                        done.hit();
                        Timer::after(SLEEP_FOREVER).await;
                    })
                    .detach();
                }
            })
            .detach();
        finished.wait();
    }

    fn cross_thread_submit(&self, threads: usize, iters: usize) -> Duration {
        run_on_threads(threads, iters, || {
            let ex = self.ex.clone();
            move || smol::block_on(ex.spawn(async { 1 }))
        })
    }

    fn fanout_compute(&self, tasks: usize, unit_iters: u64) -> Duration {
        let (done, finished) = countdown(tasks);
        let ex = self.ex.clone();
        let start = Instant::now();
        self.ex
            .spawn(async move {
                for _ in 0..tasks {
                    let done = done.clone();
                    ex.spawn(async move {
                        busy_work(unit_iters);
                        done.hit();
                    })
                    .detach();
                }
            })
            .detach();
        finished.wait();
        start.elapsed()
    }

    fn tcp_echo(&self, conns: usize, msgs: usize) -> Duration {
        let (done, finished) = countdown(conns);
        let ex = self.ex.clone();
        let start = Instant::now();
        self.ex
            .spawn(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                let addr = listener.local_addr().expect("local address");
                let server_ex = ex.clone();
                ex.spawn(async move {
                    for _ in 0..conns {
                        let (mut stream, _) = listener.accept().await.expect("accept");
                        stream.set_nodelay(true).expect("nodelay");
                        server_ex
                            .spawn(async move {
                                let mut buf = [0; TCP_ECHO_READ_BUF];
                                loop {
                                    let n = stream.read(&mut buf).await.expect("server read");
                                    if n == 0 {
                                        break;
                                    }
                                    stream.write_all(&buf[..n]).await.expect("server write");
                                }
                            })
                            .detach();
                    }
                })
                .detach();
                for conn in 0..conns {
                    let done = done.clone();
                    ex.spawn(async move {
                        let mut stream = TcpStream::connect(addr).await.expect("connect");
                        stream.set_nodelay(true).expect("nodelay");
                        let mut buf = [0; TCP_ECHO_MSG_LEN];
                        for i in 0..msgs {
                            let msg = echo_message(conn, i);
                            stream.write_all(&msg).await.expect("client write");
                            stream.read_exact(&mut buf).await.expect("client read");
                            assert_eq!(buf, msg, "connection {conn}: echo {i} differs");
                        }
                        done.hit();
                    })
                    .detach();
                }
            })
            .detach();
        finished.wait();
        start.elapsed()
    }

    fn http_hello(&self, conns: usize, reqs: usize) -> Duration {
        let (done, finished) = countdown(conns);
        let ex = self.ex.clone();
        let start = Instant::now();
        self.ex
            .spawn(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                let addr = listener.local_addr().expect("local address");
                let server_ex = ex.clone();
                ex.spawn(async move {
                    for _ in 0..conns {
                        let (stream, _) = listener.accept().await.expect("accept");
                        server_ex.spawn(serve_http_conn(stream)).detach();
                    }
                })
                .detach();
                for c in 0..conns {
                    let done = done.clone();
                    ex.spawn(async move {
                        let mut stream = TcpStream::connect(addr).await.expect("connect");
                        stream.set_nodelay(true).expect("nodelay");
                        let mut conn = HttpClientConn::new();
                        for i in 0..reqs {
                            stream
                                .write_all(&http_request(c, i))
                                .await
                                .expect("client write");
                            let body = loop {
                                let n = stream.read(conn.read_buf()).await.expect("client read");
                                assert!(n > 0, "connection {c}: the server closed");
                                if let Some(body) = conn.filled(n) {
                                    break body;
                                }
                            };
                            assert_eq!(body, http_expected_body(c, i));
                        }
                        done.hit();
                    })
                    .detach();
                }
            })
            .detach();
        finished.wait();
        start.elapsed()
    }

    fn stalled_worker(&self, tasks: usize, rounds: usize) -> StallRun {
        let recorder = StallRecorder::new();
        let (done, finished) = countdown(2 * tasks);
        let (hog_done, hog_finished) = countdown(1);
        let rec = recorder.clone();
        let ex = self.ex.clone();
        self.ex
            .spawn(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                let addr = listener.local_addr().expect("local address");
                let server_ex = ex.clone();
                ex.spawn(async move {
                    for _ in 0..tasks {
                        let (mut stream, _) = listener.accept().await.expect("accept");
                        stream.set_nodelay(true).expect("nodelay");
                        server_ex
                            .spawn(async move {
                                let mut buf = [0; TCP_ECHO_MSG_LEN];
                                while stream.read_exact(&mut buf).await.is_ok() {
                                    stream.write_all(&buf).await.expect("echo write");
                                }
                            })
                            .detach();
                    }
                })
                .detach();
                // Connect every client first, from this task, then start the
                // hog here too (as on the other runtimes).
                let mut streams = Vec::with_capacity(tasks);
                for _ in 0..tasks {
                    let stream = TcpStream::connect(addr).await.expect("connect");
                    stream.set_nodelay(true).expect("nodelay");
                    streams.push(stream);
                }
                let hog = rec.clone();
                ex.spawn(async move {
                    while !hog.stopped() {
                        std::thread::sleep(STALL_HOG);
                        smol::future::yield_now().await;
                    }
                    hog_done.hit();
                })
                .detach();
                for (c, mut stream) in streams.into_iter().enumerate() {
                    let (sleeper_done, sleeper_rec) = (done.clone(), rec.clone());
                    ex.spawn(async move {
                        for _ in 0..rounds {
                            let deadline = Instant::now() + STALL_SLEEP;
                            Timer::after(STALL_SLEEP).await;
                            sleeper_rec.sleep_woke(deadline);
                        }
                        sleeper_done.hit();
                    })
                    .detach();
                    let (done, rec) = (done.clone(), rec.clone());
                    ex.spawn(async move {
                        let mut buf = [0; TCP_ECHO_MSG_LEN];
                        for i in 0..rounds {
                            let msg = echo_message(c, i);
                            let start = Instant::now();
                            stream.write_all(&msg).await.expect("client write");
                            stream.read_exact(&mut buf).await.expect("client read");
                            rec.trip_done(start);
                            assert_eq!(buf, msg);
                            Timer::after(STALL_SLEEP).await;
                        }
                        done.hit();
                    })
                    .detach();
                }
            })
            .detach();
        finished.wait();
        let run = recorder.finish();
        hog_finished.wait();
        run
    }

    fn serve_http(&self, listener: std::net::TcpListener) {
        let listener = TcpListener::try_from(listener).expect("register the listener");
        let ex = self.ex.clone();
        self.ex
            .spawn(async move {
                loop {
                    let (stream, _) = listener.accept().await.expect("accept");
                    ex.spawn(serve_http_conn(stream)).detach();
                }
            })
            .detach();
    }
}

/// The server side of one `http_hello` connection.
async fn serve_http_conn(mut stream: TcpStream) {
    stream.set_nodelay(true).expect("nodelay");
    let mut conn = HttpServerConn::new();
    loop {
        let n = match stream.read(conn.read_buf()).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        conn.filled(n);
        if !conn.output().is_empty() {
            if stream.write_all(conn.output()).await.is_err() {
                break;
            }
            conn.clear_output();
        }
    }
}
