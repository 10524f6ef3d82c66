//! Side-by-side benchmarks of `runtime`, tokio's multi-thread runtime and smol.
//!
//! Run them with
//!
//! ```text
//! cargo bench -p runtime-benches                       # all workloads, 15 samples
//! cargo bench -p runtime-benches -- --samples 5        # fewer samples
//! cargo bench -p runtime-benches -- --workers 4 --only ping_pong,timers
//! ```
//!
//! The `compare` bench target (see [`harness`]) builds each runtime once per
//! workload with the same worker count, runs one warm-up, then `N` sample
//! rounds in which the three runtimes take turns (the starting runtime
//! rotates each round), and prints a markdown table of medians, the ratio of
//! `runtime` to the fastest peer, and a second table of minimums.
//!
//! # Layout
//!
//! * [`Bench`] is the list of workloads; each runtime implements it once, in a
//!   parallel layout: [`RuntimeBench`], [`TokioBench`], [`SmolBench`]. Every
//!   method performs one run and returns the measured time; setup that is not
//!   part of the workload (building the runtime) happens in `new`.
//! * [`Workload`] names the workloads and dispatches a run to a [`Bench`].
//! * [`Sizes`] holds the counts; tests use [`Sizes::scaled_down`].
//! * The helpers below ([`Countdown`], [`TimerState`], [`busy_work`],
//!   [`run_on_threads`]) are shared by all three adapters so that only the
//!   schedulers differ.
//!
//! The workloads mirror tokio's own `rt_multi_threaded` benchmarks, plus a
//! few that exercise the rest of the API (blocking offload, timers,
//! cross-thread submission, CPU-bound fan-out, and a TCP echo over
//! loopback with the client in the same process, and `http_hello`, a
//! keep-alive HTTP/1.1 server driven by an in-process load generator).

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

mod floor;
pub mod harness;
mod http;
pub mod hyper_hello;
mod memory;
mod runtime_bench;
mod smol_bench;
mod tokio_bench;
mod wrk;

pub use floor::Floor;
pub use http::{http_expected_body, http_request, HttpClientConn, HttpServerConn, HTTP_READ_BUF};
pub use memory::{measure_memory, MEMORY_TASKS};
pub use runtime_bench::RuntimeBench;
pub use smol_bench::SmolBench;
pub use tokio_bench::TokioBench;
pub use wrk::{measure_wrk, WRK_CONNECTIONS};

/// One implementation of every workload on one runtime.
///
/// Each method performs exactly one run of the workload on the already-built
/// runtime and returns the wall-clock time it took (only the work itself is
/// timed). Methods panic if the runtime misbehaves (lost tasks, errors).
pub trait Bench {
    /// Column name in the results table.
    fn name(&self) -> &'static str;

    /// From inside a task, spawn `n` tasks that each decrement a counter; the
    /// last one signals completion.
    fn spawn_many_local(&self, n: usize) -> Duration;

    /// From the calling (non-worker) thread, spawn `n` such tasks through the
    /// runtime handle.
    fn spawn_many_remote(&self, n: usize) -> Duration;

    /// From inside a task, spawn `n` tasks whose future is ready at once
    /// (a cache hit) and await each before the next. With `eager`, a
    /// runtime that has eager tasks (asyncio's `eager_task_factory`) uses
    /// them; the others spawn plainly, their only way.
    fn spawn_ready(&self, n: usize, eager: bool) -> Duration;

    /// `tasks` tasks each yielding `yields` times.
    fn yield_many(&self, tasks: usize, yields: usize) -> Duration;

    /// `pairs` pairs of tasks bouncing a message through two oneshots.
    fn ping_pong(&self, pairs: usize) -> Duration;

    /// A chain of `depth` tasks where each spawns the next.
    fn chained_spawn(&self, depth: usize) -> Duration;

    /// `n` blocking closures submitted concurrently from one task, then
    /// all awaited.
    fn blocking_offload(&self, n: usize) -> Duration;

    /// `n` tasks each sleeping a pseudo-random 1–10 ms (see [`TimerState`]).
    fn timers(&self, n: usize) -> TimerRun;

    /// From inside a task, spawn `n` tasks that each sleep for an hour on
    /// the runtime's own timer; returns once every one has been polled
    /// (is asleep). They are never woken: the `memory` binary measures
    /// its RSS with them asleep and exits.
    fn sleeping_tasks(&self, n: usize);

    /// `threads` plain threads, each `iters` times spawning a trivial task
    /// through the handle and blocking on its result.
    fn cross_thread_submit(&self, threads: usize, iters: usize) -> Duration;

    /// `tasks` tasks each running [`busy_work`]`(unit_iters)`.
    fn fanout_compute(&self, tasks: usize, unit_iters: u64) -> Duration;

    /// An echo server on loopback and `conns` client connections on the
    /// same runtime, each sending `msgs` messages of [`TCP_ECHO_MSG_LEN`]
    /// bytes one at a time and reading each echo back before the next
    /// (verified against [`echo_message`]). Every adapter runs the same
    /// logic: `TCP_NODELAY` on both ends; the server task per connection
    /// reads up to [`TCP_ECHO_READ_BUF`] bytes and writes them all back;
    /// the client writes a message and reads exactly its length. Timed
    /// from binding the listener to the last client's last echo.
    fn tcp_echo(&self, conns: usize, msgs: usize) -> Duration;

    /// A keep-alive HTTP/1.1 "hello" server on loopback and `conns` client
    /// connections on the same runtime (the load generator), each sending
    /// `reqs` requests ([`http_request`]) one at a time and reading each
    /// response before the next (its body checked against
    /// [`http_expected_body`]). Every adapter runs the same logic:
    /// `TCP_NODELAY` on both ends; the server task per connection reads up
    /// to [`HTTP_READ_BUF`] bytes into an [`HttpServerConn`] and writes its
    /// responses back; the client collects each response with an
    /// [`HttpClientConn`]. Timed from binding the listener to the last
    /// client's last response.
    fn http_hello(&self, conns: usize, reqs: usize) -> Duration;

    /// A setup task binds an echo server, connects `tasks` clients, then
    /// spawns a hog that blocks its worker with [`STALL_HOG`]-long polls (a
    /// blocking sleep, then a yield, until the run ends) — started from the
    /// setup task, so it tends to share a worker with the sockets and
    /// timers the setup made, like a server whose handler blocks. Then
    /// `tasks` sleepers each sleep [`STALL_SLEEP`] `rounds` times in a row,
    /// and the `tasks` clients each do `rounds` echo round trips of
    /// [`TCP_ECHO_MSG_LEN`] bytes (pausing [`STALL_SLEEP`] between trips).
    /// Every sleep's lateness and every round trip's time go into the
    /// [`StallRecorder`]; the run waits for the hog to stop.
    fn stalled_worker(&self, tasks: usize, rounds: usize) -> StallRun;

    /// Serves the keep-alive HTTP "hello" of [`Bench::http_hello`] on
    /// `listener` (accepting forever) and returns at once: the server side
    /// of the `http_wrk` rows, which the `http_server` binary runs in its
    /// own process for `wrk` to load.
    fn serve_http(&self, listener: std::net::TcpListener);
}

/// How long each poll of the `stalled_worker` hog blocks its worker.
pub const STALL_HOG: Duration = Duration::from_millis(200);

/// The `stalled_worker` sleep, and the pause between its round trips.
pub const STALL_SLEEP: Duration = Duration::from_millis(10);

/// What one `stalled_worker` run measured.
#[derive(Clone, Copy, Debug)]
pub struct StallRun {
    /// Median and 99th percentile of the sleeps' lateness.
    pub sleep_p50: Duration,
    /// See [`StallRun::sleep_p50`].
    pub sleep_p99: Duration,
    /// Median and 99th percentile of the echo round trips.
    pub trip_p50: Duration,
    /// See [`StallRun::trip_p50`].
    pub trip_p99: Duration,
}

/// Shared state of one `stalled_worker` run.
#[derive(Debug, Default)]
pub struct StallRecorder {
    sleeps: std::sync::Mutex<Vec<Duration>>,
    trips: std::sync::Mutex<Vec<Duration>>,
    stop: std::sync::atomic::AtomicBool,
}

impl StallRecorder {
    /// A recorder with nothing recorded.
    pub fn new() -> Arc<StallRecorder> {
        Arc::default()
    }

    /// Records a sleep that was due at `deadline` and woke up now.
    pub fn sleep_woke(&self, deadline: Instant) {
        let late = Instant::now().saturating_duration_since(deadline);
        self.sleeps.lock().unwrap().push(late);
    }

    /// Records a round trip that started at `start` and ended now.
    pub fn trip_done(&self, start: Instant) {
        self.trips.lock().unwrap().push(start.elapsed());
    }

    /// True once the measured tasks are done: the hog stops.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Tells the hog to stop and summarises the run.
    pub fn finish(&self) -> StallRun {
        self.stop.store(true, Ordering::SeqCst);
        let sleeps = self.sleeps.lock().unwrap();
        let trips = self.trips.lock().unwrap();
        StallRun {
            sleep_p50: percentile(&sleeps, 50),
            sleep_p99: percentile(&sleeps, 99),
            trip_p50: percentile(&trips, 50),
            trip_p99: percentile(&trips, 99),
        }
    }
}

/// The `p`th percentile (nearest rank) of `values`, which must not be empty.
pub fn percentile(values: &[Duration], p: usize) -> Duration {
    assert!(!values.is_empty(), "no values");
    let mut v = values.to_vec();
    v.sort_unstable();
    let rank = (p * v.len()).div_ceil(100).clamp(1, v.len());
    v[rank - 1]
}

/// Bytes per `tcp_echo` message.
pub const TCP_ECHO_MSG_LEN: usize = 64;

/// The `tcp_echo` server's read buffer.
pub const TCP_ECHO_READ_BUF: usize = 4096;

/// Message `i` of connection `conn` in `tcp_echo`: differs between
/// connections and messages, so a misdelivered echo is caught.
pub fn echo_message(conn: usize, i: usize) -> [u8; TCP_ECHO_MSG_LEN] {
    let mut msg = [0; TCP_ECHO_MSG_LEN];
    for (k, byte) in msg.iter_mut().enumerate() {
        *byte = (conn.wrapping_mul(131) ^ i.wrapping_mul(31) ^ k) as u8;
    }
    msg
}

/// Result of one run of the timers workload.
#[derive(Clone, Copy, Debug)]
pub struct TimerRun {
    /// Time from the first spawn until the last timer task finished.
    pub elapsed: Duration,
    /// Median over all timers of (actual wake time − requested deadline).
    pub median_lateness: Duration,
}

/// Workload sizes. [`Sizes::full`] is what the benchmark uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// Tasks spawned by `spawn_many_local` / `spawn_many_remote`.
    pub spawn: usize,
    /// Tasks in `yield_many`.
    pub yield_tasks: usize,
    /// Yields per task in `yield_many`.
    pub yields: usize,
    /// Pairs in `ping_pong`.
    pub ping_pong: usize,
    /// Length of the chain in `chained_spawn`.
    pub chain: usize,
    /// Closures in `blocking_offload`.
    pub blocking: usize,
    /// Timers in `timers`.
    pub timers: usize,
    /// Submitting threads in `cross_thread_submit`.
    pub submit_threads: usize,
    /// Iterations per submitting thread in `cross_thread_submit`.
    pub submit_iters: usize,
    /// Tasks in `fanout_compute`.
    pub fanout_tasks: usize,
    /// [`busy_work`] iterations per task in `fanout_compute` (see
    /// [`calibrate_unit`]).
    pub unit_iters: u64,
    /// The time `unit_iters` iterations are calibrated to take (for labels).
    pub unit: Duration,
    /// Connections in `tcp_echo`.
    pub tcp_conns: usize,
    /// Messages per connection in `tcp_echo`.
    pub tcp_msgs: usize,
    /// Keep-alive connections in `http_hello`.
    pub http_conns: usize,
    /// Requests per connection in `http_hello`.
    pub http_reqs: usize,
    /// Sleepers, and echo clients, in `stalled_worker`.
    pub stall_tasks: usize,
    /// Sleeps per sleeper, and round trips per client, in `stalled_worker`.
    pub stall_rounds: usize,
}

impl Sizes {
    /// The benchmark sizes; `unit_iters` is what [`calibrate_unit`] returned
    /// for [`Sizes::UNIT`].
    pub fn full(unit_iters: u64) -> Self {
        Sizes {
            spawn: 100_000,
            yield_tasks: 200,
            yields: 1_000,
            ping_pong: 1_000,
            chain: 1_000,
            blocking: 10_000,
            timers: 100_000,
            submit_threads: 4,
            submit_iters: 25_000,
            fanout_tasks: 64,
            unit_iters,
            unit: Self::UNIT,
            tcp_conns: 50,
            tcp_msgs: 2_000,
            http_conns: 50,
            http_reqs: 2_000,
            stall_tasks: 10,
            stall_rounds: 100,
        }
    }

    /// The duration of one `fanout_compute` unit at full size.
    pub const UNIT: Duration = Duration::from_millis(1);

    /// Every count divided by `div` (at least 1); the number of submitting
    /// threads, fan-out tasks and TCP and HTTP connections stay, their per-unit
    /// work shrinks.
    pub fn scaled_down(self, div: usize) -> Self {
        let s = |n: usize| (n / div).max(1);
        Sizes {
            spawn: s(self.spawn),
            yield_tasks: s(self.yield_tasks),
            yields: s(self.yields),
            ping_pong: s(self.ping_pong),
            chain: s(self.chain),
            blocking: s(self.blocking),
            timers: s(self.timers),
            submit_threads: self.submit_threads,
            submit_iters: s(self.submit_iters),
            fanout_tasks: self.fanout_tasks,
            unit_iters: (self.unit_iters / div as u64).max(1),
            unit: self.unit / div as u32,
            tcp_conns: self.tcp_conns,
            tcp_msgs: s(self.tcp_msgs),
            http_conns: self.http_conns,
            http_reqs: s(self.http_reqs),
            stall_tasks: self.stall_tasks,
            stall_rounds: s(self.stall_rounds),
        }
    }
}

/// The workloads, in table order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// See [`Bench::spawn_many_local`].
    SpawnManyLocal,
    /// See [`Bench::spawn_many_remote`].
    SpawnManyRemote,
    /// [`Bench::spawn_ready`], plain spawns.
    SpawnReady,
    /// [`Bench::spawn_ready`], eager where the runtime has it.
    SpawnEagerReady,
    /// See [`Bench::yield_many`].
    YieldMany,
    /// See [`Bench::ping_pong`].
    PingPong,
    /// See [`Bench::chained_spawn`].
    ChainedSpawn,
    /// See [`Bench::blocking_offload`].
    BlockingOffload,
    /// See [`Bench::timers`].
    Timers,
    /// See [`Bench::cross_thread_submit`].
    CrossThreadSubmit,
    /// See [`Bench::fanout_compute`].
    FanoutCompute,
    /// See [`Bench::tcp_echo`].
    TcpEcho,
    /// See [`Bench::http_hello`].
    HttpHello,
    /// See [`Bench::stalled_worker`].
    StalledWorker,
}

/// What one run of a workload measured.
#[derive(Clone, Debug)]
pub struct Sample {
    /// Wall-clock time of the run (`None`: the row would mean nothing,
    /// as for `stalled_worker`, whose length is set by its sleeps).
    pub time: Option<Duration>,
    /// Latencies, each its own row (lower is better): `(label, value)`,
    /// the same labels in the same order for every runtime.
    pub latencies: Vec<(&'static str, Duration)>,
}

impl Workload {
    /// All workloads, in table order.
    pub const ALL: [Workload; 14] = [
        Workload::SpawnManyLocal,
        Workload::SpawnManyRemote,
        Workload::SpawnReady,
        Workload::SpawnEagerReady,
        Workload::YieldMany,
        Workload::PingPong,
        Workload::ChainedSpawn,
        Workload::BlockingOffload,
        Workload::Timers,
        Workload::CrossThreadSubmit,
        Workload::FanoutCompute,
        Workload::TcpEcho,
        Workload::HttpHello,
        Workload::StalledWorker,
    ];

    /// The name accepted by `--only`.
    pub fn name(self) -> &'static str {
        match self {
            Workload::SpawnManyLocal => "spawn_many_local",
            Workload::SpawnManyRemote => "spawn_many_remote",
            Workload::SpawnReady => "spawn_ready",
            Workload::SpawnEagerReady => "spawn_eager_ready",
            Workload::YieldMany => "yield_many",
            Workload::PingPong => "ping_pong",
            Workload::ChainedSpawn => "chained_spawn",
            Workload::BlockingOffload => "blocking_offload",
            Workload::Timers => "timers",
            Workload::CrossThreadSubmit => "cross_thread_submit",
            Workload::FanoutCompute => "fanout_compute",
            Workload::TcpEcho => "tcp_echo",
            Workload::HttpHello => "http_hello",
            Workload::StalledWorker => "stalled_worker",
        }
    }

    /// Looks a workload up by [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Workload> {
        Self::ALL.into_iter().find(|w| w.name() == name)
    }

    /// Row label, e.g. `spawn_many_local (100k)`.
    pub fn label(self, sizes: &Sizes) -> String {
        let size = match self {
            Workload::SpawnManyLocal
            | Workload::SpawnManyRemote
            | Workload::SpawnReady
            | Workload::SpawnEagerReady => count(sizes.spawn),
            Workload::YieldMany => format!("{}×{}", count(sizes.yield_tasks), count(sizes.yields)),
            Workload::PingPong => count(sizes.ping_pong),
            Workload::ChainedSpawn => count(sizes.chain),
            Workload::BlockingOffload => count(sizes.blocking),
            Workload::Timers => count(sizes.timers),
            Workload::CrossThreadSubmit => {
                format!("{}×{}", sizes.submit_threads, count(sizes.submit_iters))
            }
            Workload::FanoutCompute => {
                let us = sizes.unit.as_micros();
                if us >= 1000 && us % 1000 == 0 {
                    format!("{}×{}ms", sizes.fanout_tasks, us / 1000)
                } else {
                    format!("{}×{us}µs", sizes.fanout_tasks)
                }
            }
            Workload::TcpEcho => format!(
                "{}×{}×{TCP_ECHO_MSG_LEN}B",
                sizes.tcp_conns,
                count(sizes.tcp_msgs)
            ),
            Workload::HttpHello => {
                format!("{}×{} req", sizes.http_conns, count(sizes.http_reqs))
            }
            Workload::StalledWorker => format!(
                "{} sleeps, {} round trips, {}ms polls",
                count(sizes.stall_tasks * sizes.stall_rounds),
                count(sizes.stall_tasks * sizes.stall_rounds),
                STALL_HOG.as_millis()
            ),
        };
        format!("{} ({size})", self.name())
    }

    /// Performs one run of this workload on `bench`.
    pub fn run(self, bench: &dyn Bench, sizes: &Sizes) -> Sample {
        let time = match self {
            Workload::SpawnManyLocal => bench.spawn_many_local(sizes.spawn),
            Workload::SpawnManyRemote => bench.spawn_many_remote(sizes.spawn),
            Workload::SpawnReady => bench.spawn_ready(sizes.spawn, false),
            Workload::SpawnEagerReady => bench.spawn_ready(sizes.spawn, true),
            Workload::YieldMany => bench.yield_many(sizes.yield_tasks, sizes.yields),
            Workload::PingPong => bench.ping_pong(sizes.ping_pong),
            Workload::ChainedSpawn => bench.chained_spawn(sizes.chain),
            Workload::BlockingOffload => bench.blocking_offload(sizes.blocking),
            Workload::Timers => {
                let run = bench.timers(sizes.timers);
                return Sample {
                    time: Some(run.elapsed),
                    latencies: vec![("median lateness", run.median_lateness)],
                };
            }
            Workload::StalledWorker => {
                let run = bench.stalled_worker(sizes.stall_tasks, sizes.stall_rounds);
                return Sample {
                    time: None,
                    latencies: vec![
                        ("sleep p50 lateness", run.sleep_p50),
                        ("sleep p99 lateness", run.sleep_p99),
                        ("round trip p50", run.trip_p50),
                        ("round trip p99", run.trip_p99),
                    ],
                };
            }
            Workload::CrossThreadSubmit => {
                bench.cross_thread_submit(sizes.submit_threads, sizes.submit_iters)
            }
            Workload::FanoutCompute => bench.fanout_compute(sizes.fanout_tasks, sizes.unit_iters),
            Workload::TcpEcho => bench.tcp_echo(sizes.tcp_conns, sizes.tcp_msgs),
            Workload::HttpHello => bench.http_hello(sizes.http_conns, sizes.http_reqs),
        };
        Sample {
            time: Some(time),
            latencies: Vec::new(),
        }
    }
}

/// `100000` → `100k`, `1500` → `1500`.
fn count(n: usize) -> String {
    if n >= 1000 && n % 1000 == 0 {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

/// A shared countdown: every task calls [`hit`](Countdown::hit) once, the
/// last one wakes the thread waiting in [`Done::wait`].
#[derive(Clone, Debug)]
pub struct Countdown {
    inner: Arc<(AtomicUsize, SyncSender<()>)>,
}

/// The waiting end of a [`Countdown`].
#[derive(Debug)]
pub struct Done {
    rx: Receiver<()>,
}

/// A countdown from `n` (which must be at least 1).
pub fn countdown(n: usize) -> (Countdown, Done) {
    assert!(n > 0, "countdown from zero would never fire");
    let (tx, rx) = mpsc::sync_channel(1);
    let inner = Arc::new((AtomicUsize::new(n), tx));
    (Countdown { inner }, Done { rx })
}

impl Countdown {
    /// Counts one down; the last call signals completion.
    pub fn hit(&self) {
        // AcqRel so that everything the other tasks did before their `hit`
        // is visible to the waiter once the last one fires.
        if self.inner.0.fetch_sub(1, Ordering::AcqRel) == 1 {
            let _ = self.inner.1.send(());
        }
    }
}

impl Done {
    /// Blocks until the countdown reached zero.
    pub fn wait(self) {
        self.rx
            .recv()
            .expect("every task dropped its countdown without finishing");
    }
}

/// Shared state of one timers run: the requested delays (a fixed-seed
/// xorshift sequence, so every runtime sleeps the same amounts) and the
/// lateness each timer task observed.
#[derive(Debug)]
pub struct TimerState {
    delays: Vec<Duration>,
    late_ns: Vec<AtomicU64>,
}

impl TimerState {
    /// `n` pseudo-random delays between 1 and 10 ms (microsecond steps).
    pub fn new(n: usize) -> Arc<Self> {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let delays = (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                Duration::from_micros(1_000 + x % 9_001)
            })
            .collect();
        let late_ns = (0..n).map(|_| AtomicU64::new(0)).collect();
        Arc::new(TimerState { delays, late_ns })
    }

    /// The delay timer `i` must sleep.
    pub fn delay(&self, i: usize) -> Duration {
        self.delays[i]
    }

    /// Records that timer `i`, due at `deadline`, woke up now.
    pub fn record(&self, i: usize, deadline: Instant) {
        let late = Instant::now().saturating_duration_since(deadline);
        self.late_ns[i].store(late.as_nanos() as u64, Ordering::Relaxed);
    }

    /// Median recorded lateness.
    pub fn median_lateness(&self) -> Duration {
        let mut v: Vec<u64> = self
            .late_ns
            .iter()
            .map(|a| a.load(Ordering::Relaxed))
            .collect();
        let mid = v.len() / 2;
        let (_, m, _) = v.select_nth_unstable(mid);
        Duration::from_nanos(*m)
    }
}

/// The CPU-bound unit of `fanout_compute`: an FNV-style hash loop.
pub fn busy_work(iters: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for i in 0..black_box(iters) {
        h ^= i;
        h = h.wrapping_mul(0x0100_0000_01b3).rotate_left(5);
    }
    black_box(h)
}

/// Number of [`busy_work`] iterations that take about `target` on this
/// machine (median of a few measurements).
pub fn calibrate_unit(target: Duration) -> u64 {
    // Grow until one measurement takes long enough to be meaningful.
    let mut iters: u64 = 10_000;
    loop {
        let start = Instant::now();
        busy_work(iters);
        if start.elapsed() >= Duration::from_millis(5) {
            break;
        }
        iters *= 2;
    }
    let mut rates: Vec<f64> = (0..7)
        .map(|_| {
            let start = Instant::now();
            busy_work(iters);
            iters as f64 / start.elapsed().as_secs_f64()
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    ((rates[rates.len() / 2] * target.as_secs_f64()) as u64).max(1)
}

/// Runs `tasks` units of [`busy_work`] sequentially on the calling thread:
/// the baseline for the fan-out speed-up.
pub fn fanout_sequential(tasks: usize, unit_iters: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..tasks {
        busy_work(unit_iters);
    }
    start.elapsed()
}

/// Starts `threads` plain threads that each call the closure produced by
/// `make` `iters` times (after all of them are ready), and times until all
/// have finished. Each call must return 1 (the trivial task's result).
pub fn run_on_threads<F>(threads: usize, iters: usize, make: impl Fn() -> F) -> Duration
where
    F: FnMut() -> u64 + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let mut submit = make();
            let barrier = barrier.clone();
            thread::Builder::new()
                .name(format!("submitter-{i}"))
                .spawn(move || {
                    barrier.wait();
                    let mut sum = 0;
                    for _ in 0..iters {
                        sum += submit();
                    }
                    sum
                })
                .expect("failed to spawn a submitter thread")
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    let mut total = 0;
    for h in handles {
        total += h.join().expect("submitter thread panicked");
    }
    let elapsed = start.elapsed();
    assert_eq!(total, (threads * iters) as u64, "lost task results");
    elapsed
}

/// How long a `sleeping_tasks` task sleeps: past any measurement.
pub const SLEEP_FOREVER: Duration = Duration::from_secs(3600);

/// Sum of `i * 2` for `i` in `0..n`: the expected `blocking_offload` result.
pub fn blocking_expected(n: usize) -> u64 {
    let n = n as u64;
    n * n.saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_scale_down() {
        let s = Sizes::full(1_000_000).scaled_down(100);
        assert_eq!(s.spawn, 1_000);
        assert_eq!(s.yield_tasks, 2);
        assert_eq!(s.submit_threads, 4);
        assert_eq!(s.fanout_tasks, 64);
        assert_eq!(s.unit_iters, 10_000);
        assert_eq!((s.tcp_conns, s.tcp_msgs), (50, 20));
        assert_eq!(
            Workload::FanoutCompute.label(&s),
            "fanout_compute (64×10µs)"
        );
    }

    #[test]
    fn labels() {
        let s = Sizes::full(1);
        assert_eq!(
            Workload::SpawnManyLocal.label(&s),
            "spawn_many_local (100k)"
        );
        assert_eq!(Workload::YieldMany.label(&s), "yield_many (200×1k)");
        assert_eq!(Workload::FanoutCompute.label(&s), "fanout_compute (64×1ms)");
        assert_eq!(
            Workload::CrossThreadSubmit.label(&s),
            "cross_thread_submit (4×25k)"
        );
        assert_eq!(Workload::TcpEcho.label(&s), "tcp_echo (50×2k×64B)");
        for w in Workload::ALL {
            assert_eq!(Workload::from_name(w.name()), Some(w));
        }
    }

    #[test]
    fn timer_delays_are_deterministic_and_in_range() {
        let a = TimerState::new(1000);
        let b = TimerState::new(1000);
        for i in 0..1000 {
            assert_eq!(a.delay(i), b.delay(i));
            assert!((1_000..=10_000).contains(&a.delay(i).as_micros()));
        }
    }

    #[test]
    fn countdown_fires_once_at_zero() {
        let (c, done) = countdown(3);
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let c = c.clone();
                thread::spawn(move || c.hit())
            })
            .collect();
        done.wait();
        for h in handles {
            h.join().unwrap();
        }
    }

    #[test]
    fn echo_messages_differ() {
        assert_ne!(echo_message(0, 0), echo_message(1, 0));
        assert_ne!(echo_message(0, 0), echo_message(0, 1));
        assert_eq!(echo_message(3, 4), echo_message(3, 4));
    }

    #[test]
    fn blocking_sum() {
        assert_eq!(blocking_expected(4), 2 * 6);
        assert_eq!(blocking_expected(0), 0);
    }
}
