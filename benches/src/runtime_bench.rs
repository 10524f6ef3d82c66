//! The workloads on `runtime`.
//!
//! Kept in the same order and shape as `tokio_bench.rs` and
//! `smol_bench.rs`; only the runtime calls differ.

use std::fmt;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use futures_channel::oneshot;
use runtime::{Handle, Runtime, Task};

use crate::{
    blocking_expected, busy_work, countdown, echo_message, http_expected_body, http_request,
    run_on_threads, Bench, Countdown, HttpClientConn, HttpServerConn, StallRecorder, StallRun,
    TimerRun, TimerState, SLEEP_FOREVER, STALL_HOG, STALL_SLEEP, TCP_ECHO_MSG_LEN,
    TCP_ECHO_READ_BUF,
};
use runtime::net::{TcpListener, TcpStream};

/// A `runtime::Runtime` with a fixed number of workers.
pub struct RuntimeBench {
    rt: Runtime,
    handle: Handle,
}

impl fmt::Debug for RuntimeBench {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeBench").finish_non_exhaustive()
    }
}

impl RuntimeBench {
    /// Builds a runtime with `workers` worker threads.
    pub fn new(workers: usize) -> Self {
        let rt = Runtime::builder()
            .workers(workers)
            .build()
            .expect("failed to build the runtime");
        let handle = rt.handle().clone();
        RuntimeBench { rt, handle }
    }

    /// The runtime itself (kept alive for as long as the bench).
    pub fn runtime(&self) -> &Runtime {
        &self.rt
    }
}

/// Lets a task run on without anyone awaiting it.
fn detach<T>(task: Task<T>) {
    drop(task);
}

fn chain(depth: usize, done: Countdown) {
    if depth == 0 {
        done.hit();
    } else {
        detach(runtime::spawn(async move { chain(depth - 1, done) }));
    }
}

impl Bench for RuntimeBench {
    fn name(&self) -> &'static str {
        "runtime"
    }

    fn spawn_many_local(&self, n: usize) -> Duration {
        let (done, finished) = countdown(n);
        let start = Instant::now();
        detach(self.handle.spawn(async move {
            for _ in 0..n {
                let done = done.clone();
                detach(runtime::spawn(async move { done.hit() }));
            }
        }));
        finished.wait();
        start.elapsed()
    }

    fn spawn_many_remote(&self, n: usize) -> Duration {
        let (done, finished) = countdown(n);
        let start = Instant::now();
        for _ in 0..n {
            let done = done.clone();
            detach(self.handle.spawn(async move { done.hit() }));
        }
        finished.wait();
        start.elapsed()
    }

    fn spawn_ready(&self, n: usize, eager: bool) -> Duration {
        let (done, finished) = countdown(1);
        let start = Instant::now();
        detach(self.handle.spawn(async move {
            let mut sum = 0;
            for i in 0..n {
                let task = if eager {
                    runtime::spawn_eager(async move { i })
                } else {
                    runtime::spawn(async move { i })
                };
                sum += task.await.expect("a ready task failed");
            }
            assert_eq!(sum, n * (n - 1) / 2);
            done.hit();
        }));
        finished.wait();
        start.elapsed()
    }

    fn yield_many(&self, tasks: usize, yields: usize) -> Duration {
        let (done, finished) = countdown(tasks);
        let start = Instant::now();
        detach(self.handle.spawn(async move {
            for _ in 0..tasks {
                let done = done.clone();
                detach(runtime::spawn(async move {
                    for _ in 0..yields {
                        runtime::yield_now().await;
                    }
                    done.hit();
                }));
            }
        }));
        finished.wait();
        start.elapsed()
    }

    fn ping_pong(&self, pairs: usize) -> Duration {
        let (done, finished) = countdown(pairs);
        let start = Instant::now();
        detach(self.handle.spawn(async move {
            for _ in 0..pairs {
                let done = done.clone();
                detach(runtime::spawn(async move {
                    let (tx1, rx1) = oneshot::channel::<()>();
                    let (tx2, rx2) = oneshot::channel::<()>();
                    detach(runtime::spawn(async move {
                        rx1.await.unwrap();
                        tx2.send(()).unwrap();
                    }));
                    tx1.send(()).unwrap();
                    rx2.await.unwrap();
                    done.hit();
                }));
            }
        }));
        finished.wait();
        start.elapsed()
    }

    fn chained_spawn(&self, depth: usize) -> Duration {
        let (done, finished) = countdown(1);
        let start = Instant::now();
        detach(self.handle.spawn(async move { chain(depth, done) }));
        finished.wait();
        start.elapsed()
    }

    fn blocking_offload(&self, n: usize) -> Duration {
        let (tx, rx) = mpsc::sync_channel(1);
        let start = Instant::now();
        detach(self.handle.spawn(async move {
            let tasks: Vec<_> = (0..n as u64)
                .map(|i| runtime::to_thread(move || i * 2))
                .collect();
            let mut sum = 0;
            for task in tasks {
                sum += task.await.unwrap();
            }
            tx.send(sum).unwrap();
        }));
        let sum = rx.recv().unwrap();
        let elapsed = start.elapsed();
        assert_eq!(sum, blocking_expected(n));
        elapsed
    }

    fn timers(&self, n: usize) -> TimerRun {
        let state = TimerState::new(n);
        let (done, finished) = countdown(n);
        let shared = state.clone();
        let start = Instant::now();
        detach(self.handle.spawn(async move {
            for i in 0..n {
                let (done, state) = (done.clone(), shared.clone());
                detach(runtime::spawn(async move {
                    let delay = state.delay(i);
                    let deadline = Instant::now() + delay;
                    runtime::sleep(delay).await;
                    state.record(i, deadline);
                    done.hit();
                }));
            }
        }));
        finished.wait();
        TimerRun {
            elapsed: start.elapsed(),
            median_lateness: state.median_lateness(),
        }
    }

    fn sleeping_tasks(&self, n: usize) {
        let (done, finished) = countdown(n);
        detach(self.handle.spawn(async move {
            for _ in 0..n {
                let done = done.clone();
                detach(runtime::spawn(async move {
                    done.hit();
                    runtime::sleep(SLEEP_FOREVER).await;
                }));
            }
        }));
        finished.wait();
    }

    fn cross_thread_submit(&self, threads: usize, iters: usize) -> Duration {
        run_on_threads(threads, iters, || {
            let handle = self.handle.clone();
            move || handle.spawn(async { 1 }).join_blocking().unwrap()
        })
    }

    fn fanout_compute(&self, tasks: usize, unit_iters: u64) -> Duration {
        let (done, finished) = countdown(tasks);
        let start = Instant::now();
        detach(self.handle.spawn(async move {
            for _ in 0..tasks {
                let done = done.clone();
                detach(runtime::spawn(async move {
                    busy_work(unit_iters);
                    done.hit();
                }));
            }
        }));
        finished.wait();
        start.elapsed()
    }

    fn tcp_echo(&self, conns: usize, msgs: usize) -> Duration {
        let (done, finished) = countdown(conns);
        let start = Instant::now();
        detach(self.handle.spawn(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("local address");
            detach(runtime::spawn(async move {
                for _ in 0..conns {
                    let (mut stream, _) = listener.accept().await.expect("accept");
                    stream.set_nodelay(true).expect("nodelay");
                    detach(runtime::spawn(async move {
                        let mut buf = [0; TCP_ECHO_READ_BUF];
                        loop {
                            let n = stream.read(&mut buf).await.expect("server read");
                            if n == 0 {
                                break;
                            }
                            stream.write_all(&buf[..n]).await.expect("server write");
                        }
                    }));
                }
            }));
            for conn in 0..conns {
                let done = done.clone();
                detach(runtime::spawn(async move {
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
                }));
            }
        }));
        finished.wait();
        start.elapsed()
    }

    fn http_hello(&self, conns: usize, reqs: usize) -> Duration {
        let (done, finished) = countdown(conns);
        let start = Instant::now();
        detach(self.handle.spawn(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("local address");
            detach(runtime::spawn(async move {
                for _ in 0..conns {
                    let (stream, _) = listener.accept().await.expect("accept");
                    detach(runtime::spawn(serve_http_conn(stream)));
                }
            }));
            for c in 0..conns {
                let done = done.clone();
                detach(runtime::spawn(async move {
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
                }));
            }
        }));
        finished.wait();
        start.elapsed()
    }

    fn stalled_worker(&self, tasks: usize, rounds: usize) -> StallRun {
        let recorder = StallRecorder::new();
        let (done, finished) = countdown(2 * tasks);
        let (hog_done, hog_finished) = countdown(1);
        let rec = recorder.clone();
        detach(self.handle.spawn(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("local address");
            detach(runtime::spawn(async move {
                for _ in 0..tasks {
                    let (mut stream, _) = listener.accept().await.expect("accept");
                    stream.set_nodelay(true).expect("nodelay");
                    detach(runtime::spawn(async move {
                        let mut buf = [0; TCP_ECHO_MSG_LEN];
                        while stream.read_exact(&mut buf).await.is_ok() {
                            stream.write_all(&buf).await.expect("echo write");
                        }
                    }));
                }
            }));
            // Connect every client first, from this task, then start the hog
            // here too: it shares this worker with the sockets and timers
            // the setup made, like a server whose handler blocks.
            let mut streams = Vec::with_capacity(tasks);
            for _ in 0..tasks {
                let stream = TcpStream::connect(addr).await.expect("connect");
                stream.set_nodelay(true).expect("nodelay");
                streams.push(stream);
            }
            let hog = rec.clone();
            detach(runtime::spawn(async move {
                while !hog.stopped() {
                    std::thread::sleep(STALL_HOG);
                    runtime::yield_now().await;
                }
                hog_done.hit();
            }));
            for (c, mut stream) in streams.into_iter().enumerate() {
                let (sleeper_done, sleeper_rec) = (done.clone(), rec.clone());
                detach(runtime::spawn(async move {
                    for _ in 0..rounds {
                        let deadline = Instant::now() + STALL_SLEEP;
                        runtime::sleep(STALL_SLEEP).await;
                        sleeper_rec.sleep_woke(deadline);
                    }
                    sleeper_done.hit();
                }));
                let (done, rec) = (done.clone(), rec.clone());
                detach(runtime::spawn(async move {
                    let mut buf = [0; TCP_ECHO_MSG_LEN];
                    for i in 0..rounds {
                        let msg = echo_message(c, i);
                        let start = Instant::now();
                        stream.write_all(&msg).await.expect("client write");
                        stream.read_exact(&mut buf).await.expect("client read");
                        rec.trip_done(start);
                        assert_eq!(buf, msg);
                        runtime::sleep(STALL_SLEEP).await;
                    }
                    done.hit();
                }));
            }
        }));
        finished.wait();
        let run = recorder.finish();
        hog_finished.wait();
        run
    }

    fn serve_http(&self, listener: std::net::TcpListener) {
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let _enter = self.rt.enter();
        let listener = TcpListener::from_std(listener).expect("register the listener");
        detach(self.handle.spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.expect("accept");
                detach(runtime::spawn(serve_http_conn(stream)));
            }
        }));
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
