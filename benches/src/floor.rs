//! The floor column: each workload's work done by the simplest fast code
//! with no runtime at all (issue 11). "runtime / floor" then says how far
//! the runtime is from what the hardware allows, where "runtime / fastest
//! peer" only says how it compares.
//!
//! Each floor does the same observable work as the runtimes' version (the
//! same closures or messages, the same counts, the same checks) and
//! nothing a runtime must do besides: no wakers, no scheduling decisions,
//! no cross-thread hand-off unless the workload is about one. They are
//! written once, plainly, to be obviously correct:
//!
//! | workload | floor |
//! |---|---|
//! | spawn_many_local | a `VecDeque` of boxed closures, run in order on this thread |
//! | spawn_many_remote | boxed closures through a crossbeam channel to pre-started threads |
//! | spawn_ready | a boxed ready future, polled once inline |
//! | yield_many | a `VecDeque` of boxed counters, round-robin |
//! | ping_pong | the two oneshot channels per pair, sent and received in turn on this thread, two boxes per pair |
//! | chained_spawn | a `VecDeque` where each boxed closure pushes the next |
//! | blocking_offload | boxed closures through a channel to one pre-started thread, results back through another |
//! | timers | the deadlines in a binary heap; this thread sleeps until each |
//! | tcp_echo | blocking loopback sockets in lockstep on this thread: every client writes, every server side echoes, every client reads |
//!
//! The other workloads have no floor: `cross_thread_submit` and
//! `http_hello` are about the runtime's own cross-thread and connection
//! handling, `fanout_compute` has its sequential baseline row, and
//! `stalled_worker` measures lateness under a deliberate stall.

use crate::{
    blocking_expected, countdown, echo_message, Sample, Sizes, TimerRun, TimerState, Workload,
    TCP_ECHO_MSG_LEN,
};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::future::Future;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

type Job = Box<dyn FnOnce() + Send>;

/// The no-runtime versions of the workloads, with the threads some of them
/// hand work to started once (as a runtime's are).
#[derive(Debug)]
pub struct Floor {
    /// Threads for the sharded floors (`tcp_echo`), as many as the
    /// runtimes' workers.
    workers: usize,
    /// `spawn_many_remote`'s consumers (one per worker).
    remote: Option<crossbeam_channel::Sender<Job>>,
    /// `blocking_offload`'s one thread.
    blocking: Option<crossbeam_channel::Sender<Job>>,
    threads: Vec<JoinHandle<()>>,
}

impl Floor {
    /// Starts `workers` consumer threads and one blocking thread.
    pub fn new(workers: usize) -> Floor {
        let (remote, remote_rx) = crossbeam_channel::unbounded::<Job>();
        let (blocking, blocking_rx) = crossbeam_channel::unbounded::<Job>();
        let mut threads = Vec::new();
        for _ in 0..workers.max(1) {
            let jobs = remote_rx.clone();
            threads.push(thread::spawn(move || jobs.iter().for_each(|job| job())));
        }
        threads.push(thread::spawn(move || {
            blocking_rx.iter().for_each(|job| job())
        }));
        Floor {
            workers: workers.max(1),
            remote: Some(remote),
            blocking: Some(blocking),
            threads,
        }
    }

    /// Whether `workload` has a floor.
    pub fn has(workload: Workload) -> bool {
        !matches!(
            workload,
            Workload::CrossThreadSubmit
                | Workload::FanoutCompute
                | Workload::HttpHello
                | Workload::StalledWorker
        )
    }

    /// One run of `workload`'s floor (`None` if it has none).
    pub fn run(&self, workload: Workload, sizes: &Sizes) -> Option<Sample> {
        let time = match workload {
            Workload::SpawnManyLocal => spawn_many_local(sizes.spawn),
            Workload::SpawnManyRemote => self.spawn_many_remote(sizes.spawn),
            Workload::SpawnReady | Workload::SpawnEagerReady => spawn_ready(sizes.spawn),
            Workload::YieldMany => yield_many(sizes.yield_tasks, sizes.yields),
            Workload::PingPong => ping_pong(sizes.ping_pong),
            Workload::ChainedSpawn => chained_spawn(sizes.chain),
            Workload::BlockingOffload => self.blocking_offload(sizes.blocking),
            Workload::Timers => {
                let run = timers(sizes.timers);
                return Some(Sample {
                    time: Some(run.elapsed),
                    latencies: vec![("median lateness", run.median_lateness)],
                });
            }
            Workload::TcpEcho => tcp_echo(sizes.tcp_conns, sizes.tcp_msgs, self.workers),
            _ => return None,
        };
        Some(Sample {
            time: Some(time),
            latencies: Vec::new(),
        })
    }

    fn spawn_many_remote(&self, n: usize) -> Duration {
        let (done, finished) = countdown(n);
        let remote = self.remote.as_ref().expect("running");
        let start = Instant::now();
        for _ in 0..n {
            let done = done.clone();
            remote
                .send(Box::new(move || done.hit()))
                .expect("consumers alive");
        }
        finished.wait();
        start.elapsed()
    }

    fn blocking_offload(&self, n: usize) -> Duration {
        let blocking = self.blocking.as_ref().expect("running");
        let (results, answers) = crossbeam_channel::unbounded::<u64>();
        let start = Instant::now();
        for i in 0..n as u64 {
            let results = results.clone();
            blocking
                .send(Box::new(move || {
                    let _ = results.send(i * 2);
                }))
                .expect("the blocking thread is alive");
        }
        let sum: u64 = answers.iter().take(n).sum();
        let elapsed = start.elapsed();
        assert_eq!(sum, blocking_expected(n));
        elapsed
    }
}

impl Drop for Floor {
    fn drop(&mut self) {
        // Disconnecting the channels ends the threads' loops.
        drop(self.remote.take());
        drop(self.blocking.take());
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn spawn_many_local(n: usize) -> Duration {
    let (done, finished) = countdown(n);
    let start = Instant::now();
    let mut queue: VecDeque<Job> = VecDeque::new();
    for _ in 0..n {
        let done = done.clone();
        queue.push_back(Box::new(move || done.hit()));
    }
    while let Some(job) = queue.pop_front() {
        job();
    }
    finished.wait();
    start.elapsed()
}

/// Polls a future once with a no-op waker: the whole of "running" a task
/// whose future is ready at once.
fn poll_once<F: Future>(future: F) -> Poll<F::Output> {
    let future = pin!(future);
    future.poll(&mut Context::from_waker(Waker::noop()))
}

fn spawn_ready(n: usize) -> Duration {
    let start = Instant::now();
    let mut sum = 0;
    for i in 0..n {
        // Through `black_box`, so the allocation and the dynamic call stay
        // (the optimiser would otherwise fold the loop into a formula).
        let future: std::pin::Pin<Box<dyn Future<Output = usize> + Send>> =
            std::hint::black_box(Box::pin(async move { i }));
        match poll_once(future) {
            Poll::Ready(value) => sum += value,
            Poll::Pending => unreachable!("a ready future"),
        }
    }
    let elapsed = start.elapsed();
    assert_eq!(sum, n * (n - 1) / 2);
    elapsed
}

fn yield_many(tasks: usize, yields: usize) -> Duration {
    let (done, finished) = countdown(tasks);
    let start = Instant::now();
    let mut queue: VecDeque<Box<usize>> = (0..tasks).map(|_| Box::new(yields)).collect();
    while let Some(mut left) = queue.pop_front() {
        if *left == 0 {
            done.hit();
        } else {
            *left -= 1;
            queue.push_back(left);
        }
    }
    finished.wait();
    start.elapsed()
}

fn ping_pong(pairs: usize) -> Duration {
    let (done, finished) = countdown(pairs);
    let start = Instant::now();
    for _ in 0..pairs {
        // The two tasks' allocations, and their two channels.
        let ping = Box::new(done.clone());
        let pong = Box::new(());
        let (tx1, mut rx1) = futures_channel::oneshot::channel::<()>();
        let (tx2, mut rx2) = futures_channel::oneshot::channel::<()>();
        tx1.send(()).expect("pong side alive");
        assert_eq!(rx1.try_recv(), Ok(Some(())));
        tx2.send(()).expect("ping side alive");
        assert_eq!(rx2.try_recv(), Ok(Some(())));
        drop(pong);
        ping.hit();
    }
    finished.wait();
    start.elapsed()
}

fn chained_spawn(depth: usize) -> Duration {
    /// A boxed closure that may push the next one.
    struct Link(LinkFn);
    type LinkFn = Box<dyn FnOnce(&mut VecDeque<Link>)>;
    fn link(depth: usize, done: crate::Countdown) -> Link {
        Link(Box::new(move |queue: &mut VecDeque<Link>| {
            if depth == 0 {
                done.hit();
            } else {
                queue.push_back(link(depth - 1, done));
            }
        }))
    }
    let (done, finished) = countdown(1);
    let start = Instant::now();
    let mut queue: VecDeque<Link> = VecDeque::new();
    queue.push_back(link(depth, done));
    while let Some(Link(next)) = queue.pop_front() {
        next(&mut queue);
    }
    finished.wait();
    start.elapsed()
}

fn timers(n: usize) -> TimerRun {
    let state = TimerState::new(n);
    let start = Instant::now();
    let mut due: BinaryHeap<Reverse<(Instant, usize)>> = (0..n)
        .map(|i| Reverse((Instant::now() + state.delay(i), i)))
        .collect();
    while let Some(&Reverse((deadline, _))) = due.peek() {
        let now = Instant::now();
        if deadline > now {
            thread::sleep(deadline - now);
        }
        let now = Instant::now();
        while let Some(&Reverse((deadline, i))) = due.peek() {
            if deadline > now {
                break;
            }
            due.pop();
            state.record(i, deadline);
        }
    }
    TimerRun {
        elapsed: start.elapsed(),
        median_lateness: state.median_lateness(),
    }
}

fn tcp_echo(conns: usize, msgs: usize, threads: usize) -> Duration {
    let start = Instant::now();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("local address");
    let mut shards: Vec<Vec<(usize, TcpStream, TcpStream)>> =
        (0..threads).map(|_| Vec::new()).collect();
    for conn in 0..conns {
        let client = TcpStream::connect(addr).expect("connect");
        let (server, _) = listener.accept().expect("accept");
        client.set_nodelay(true).expect("nodelay");
        server.set_nodelay(true).expect("nodelay");
        shards[conn % threads].push((conn, client, server));
    }
    // One thread per shard, each in lockstep over its connections: every
    // client writes, every server side echoes, every client reads.
    thread::scope(|scope| {
        for shard in &mut shards {
            scope.spawn(move || {
                let mut buf = [0; TCP_ECHO_MSG_LEN];
                for i in 0..msgs {
                    for (conn, client, _) in shard.iter_mut() {
                        client
                            .write_all(&echo_message(*conn, i))
                            .expect("client write");
                    }
                    for (_, _, server) in shard.iter_mut() {
                        server.read_exact(&mut buf).expect("server read");
                        server.write_all(&buf).expect("server write");
                    }
                    for (conn, client, _) in shard.iter_mut() {
                        client.read_exact(&mut buf).expect("client read");
                        assert_eq!(
                            buf,
                            echo_message(*conn, i),
                            "connection {conn}: echo {i} differs"
                        );
                    }
                }
            });
        }
    });
    start.elapsed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_floor_runs_at_smoke_size() {
        let sizes = Sizes::full(1).scaled_down(100);
        let floor = Floor::new(2);
        for workload in Workload::ALL {
            let sample = floor.run(workload, &sizes);
            assert_eq!(
                sample.is_some(),
                Floor::has(workload),
                "{}",
                workload.name()
            );
            if let Some(sample) = sample {
                assert!(sample.time.is_some_and(|t| t > Duration::ZERO));
            }
        }
    }
}
