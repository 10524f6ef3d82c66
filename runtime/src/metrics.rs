//! Runtime metrics: a plain snapshot, stable, with no feature flag.
//!
//! [`Handle::metrics`](crate::Handle::metrics) returns a
//! [`RuntimeMetrics`]: one [`WorkerMetrics`] per worker, the runtime-wide
//! counts, and the blocking pool's [`BlockingMetrics`].
//!
//! # What counting costs
//! Nothing shared on the hot path. Each worker counts its polls, LIFO
//! hits, steals, parks and busy time in `WorkerStats`, on the cache line
//! it already writes for every step (`OwnerLine`): single-writer relaxed
//! loads and stores, read only by a snapshot. The rest is counted where a
//! lock or a shared line is taken anyway (the registry shard for spawned
//! and alive tasks, the timer wheel for pending timers), on the rare path
//! (a thief bumps its victim's `stolen_from`), or by the monitor thread
//! (the longest poll, to its sampling period). A snapshot reads each
//! counter once; it is not one instant's picture of the whole runtime, and
//! the counters may be a few events apart from each other.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// A snapshot of a runtime's counters and gauges, from
/// [`Handle::metrics`](crate::Handle::metrics).
///
/// Counters (`polls`, `steals`, `tasks_spawned`, ...) only grow over the
/// runtime's life: subtract two snapshots for a rate. Gauges
/// (`local_queue_depth`, `tasks_alive`, `timers_pending`, ...) are the
/// value when the snapshot read them.
///
/// ```
/// let rt = runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let tasks: Vec<_> = (0..10).map(|i| runtime::spawn(async move { i })).collect();
///     for task in tasks {
///         task.await.unwrap();
///     }
/// });
/// let metrics = rt.handle().metrics();
/// assert_eq!(metrics.workers.len(), rt.handle().num_workers());
/// assert!(metrics.tasks_spawned >= 10);
/// let polls: u64 = metrics.workers.iter().map(|w| w.polls).sum();
/// assert!(polls >= 10);
/// println!("{metrics}"); // one line: tasks, polls, steals, queues, I/O, timers, blocking
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuntimeMetrics {
    /// One entry per worker, in worker order (`{name}-w{i}` is `workers[i]`).
    pub workers: Vec<WorkerMetrics>,
    /// Tasks waiting in the global queue (spawned or woken from outside
    /// the workers).
    pub injector_depth: usize,
    /// Tasks spawned on this runtime so far (`spawn`, `spawn_local`,
    /// `call_soon`, ...; not blocking jobs).
    pub tasks_spawned: u64,
    /// Tasks spawned and not yet finished.
    pub tasks_alive: usize,
    /// Sockets, pipes and other I/O sources registered with the workers'
    /// event loops.
    pub io_sources: usize,
    /// Timers (sleeps, timeouts, intervals' next tick) registered and not
    /// yet fired or cancelled.
    pub timers_pending: usize,
    /// The blocking pool (`to_thread`, `spawn_blocking`, `run_in_executor`).
    pub blocking: BlockingMetrics,
    /// Time since the runtime was built.
    pub uptime: Duration,
}

/// One worker's counters and gauges (a field of [`RuntimeMetrics`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerMetrics {
    /// Task polls this worker ran.
    pub polls: u64,
    /// Tasks this worker took from other workers (their queues, or the
    /// LIFO slot of a stalled one).
    pub steals: u64,
    /// Tasks other workers took from this one.
    pub stolen_from: u64,
    /// Times this worker went to sleep in its event loop's poller.
    pub parks: u64,
    /// Time this worker spent awake (running tasks, its event loop's
    /// duties, looking for work), up to the snapshot.
    pub busy: Duration,
    /// Tasks waiting in this worker's local queue.
    pub local_queue_depth: usize,
    /// Polls of a task taken from the LIFO slot: a task woken by the one
    /// before it on this worker, run right after it.
    pub lifo_hits: u64,
    /// Stalls the watchdog reported on this worker (one poll running past
    /// [`Builder::stall_threshold`](crate::Builder::stall_threshold)).
    pub stalls: u64,
    /// The longest single poll seen on this worker, as the monitor thread
    /// measures it: to its sampling period (1 ms), so polls shorter than
    /// that show as zero. In debug mode ([`Builder::debug`](crate::Builder::debug))
    /// every poll is timed, and this is exact.
    pub longest_poll: Duration,
}

/// The blocking pool's gauges (a field of [`RuntimeMetrics`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BlockingMetrics {
    /// Threads alive in the pool.
    pub threads: usize,
    /// Threads with nothing to run (waiting for a job, or just started).
    pub idle: usize,
    /// Jobs submitted and not yet started.
    pub queued: usize,
    /// How long the oldest job not yet started has waited (`None` when
    /// none is queued). Exact while up to [`BLOCKING_AGE_WINDOW`] jobs
    /// are queued; beyond that, the age of the oldest of the last
    /// `BLOCKING_AGE_WINDOW` submitted (a lower bound).
    pub oldest_queued: Option<Duration>,
}

/// How many queued blocking jobs [`BlockingMetrics::oldest_queued`] sees
/// exactly.
pub const BLOCKING_AGE_WINDOW: usize = 1024;

impl RuntimeMetrics {
    /// Polls summed over the workers.
    pub fn total_polls(&self) -> u64 {
        self.workers.iter().map(|w| w.polls).sum()
    }

    /// Steals summed over the workers.
    pub fn total_steals(&self) -> u64 {
        self.workers.iter().map(|w| w.steals).sum()
    }

    /// Busy time summed over the workers.
    pub fn total_busy(&self) -> Duration {
        self.workers.iter().map(|w| w.busy).sum()
    }
}

/// One line: `tasks 3 alive / 120 spawned | polls 400 (lifo 12) | steals 5 |
/// parks 30 | busy 12.0ms | local queues 0+2 | injector 0 | io 4 | timers 2 |
/// blocking 1 idle / 2 threads, 0 queued`.
impl fmt::Display for RuntimeMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lifo: u64 = self.workers.iter().map(|w| w.lifo_hits).sum();
        let parks: u64 = self.workers.iter().map(|w| w.parks).sum();
        let stalls: u64 = self.workers.iter().map(|w| w.stalls).sum();
        write!(
            f,
            "tasks {} alive / {} spawned | polls {} (lifo {}) | steals {} | parks {} | busy {:.1?} | local queues ",
            self.tasks_alive,
            self.tasks_spawned,
            self.total_polls(),
            lifo,
            self.total_steals(),
            parks,
            self.total_busy(),
        )?;
        for (i, worker) in self.workers.iter().enumerate() {
            let sep = if i == 0 { "" } else { "+" };
            write!(f, "{sep}{}", worker.local_queue_depth)?;
        }
        write!(
            f,
            " | injector {} | io {} | timers {} | blocking {} idle / {} threads, {} queued",
            self.injector_depth,
            self.io_sources,
            self.timers_pending,
            self.blocking.idle,
            self.blocking.threads,
            self.blocking.queued,
        )?;
        if let Some(age) = self.blocking.oldest_queued {
            write!(f, " (oldest {age:.1?})")?;
        }
        if stalls > 0 {
            write!(f, " | stalls {stalls}")?;
        }
        Ok(())
    }
}

/// What a worker counts about itself. Written only by its worker (plain
/// relaxed load + store, no read-modify-write), read by snapshots.
#[derive(Debug)]
pub(crate) struct WorkerStats {
    polls: AtomicU64,
    lifo_hits: AtomicU64,
    steals: AtomicU64,
    parks: AtomicU64,
    /// Awake time up to the last park, in nanoseconds.
    busy_nanos: AtomicU64,
    /// When the worker last woke, in nanoseconds since the runtime's clock
    /// origin; [`PARKED`] while it sleeps.
    awake_since: AtomicU64,
}

const PARKED: u64 = u64::MAX;

/// Adds to a counter only one thread writes.
#[inline]
fn bump(counter: &AtomicU64, n: u64) {
    counter.store(counter.load(Relaxed).wrapping_add(n), Relaxed);
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl WorkerStats {
    /// A worker that is awake from `since` on.
    pub(crate) fn new(since: Duration) -> WorkerStats {
        WorkerStats {
            polls: AtomicU64::new(0),
            lifo_hits: AtomicU64::new(0),
            steals: AtomicU64::new(0),
            parks: AtomicU64::new(0),
            busy_nanos: AtomicU64::new(0),
            awake_since: AtomicU64::new(nanos(since)),
        }
    }

    #[inline]
    pub(crate) fn count_poll(&self) {
        bump(&self.polls, 1);
    }

    #[inline]
    pub(crate) fn count_lifo_hit(&self) {
        bump(&self.lifo_hits, 1);
    }

    pub(crate) fn count_steals(&self, tasks: u64) {
        bump(&self.steals, tasks);
    }

    /// The worker goes to sleep at `now` (time since the clock's origin).
    pub(crate) fn park(&self, now: Duration) {
        bump(&self.parks, 1);
        let since = self.awake_since.load(Relaxed);
        if since != PARKED {
            bump(&self.busy_nanos, nanos(now).saturating_sub(since));
        }
        self.awake_since.store(PARKED, Relaxed);
    }

    /// The worker woke at `now` (time since the clock's origin).
    pub(crate) fn unpark(&self, now: Duration) {
        self.awake_since.store(nanos(now), Relaxed);
    }

    /// Fills in what this worker counts, as of `now` (time since the
    /// clock's origin).
    pub(crate) fn read_into(&self, out: &mut WorkerMetrics, now: Duration) {
        out.polls = self.polls.load(Relaxed);
        out.lifo_hits = self.lifo_hits.load(Relaxed);
        out.steals = self.steals.load(Relaxed);
        out.parks = self.parks.load(Relaxed);
        let mut busy = self.busy_nanos.load(Relaxed);
        let since = self.awake_since.load(Relaxed);
        if since != PARKED {
            busy = busy.saturating_add(nanos(now).saturating_sub(since));
        }
        out.busy = Duration::from_nanos(busy);
    }
}

/// The longest poll a worker has had, raised by the monitor and by debug
/// mode's timed polls.
#[derive(Debug, Default)]
pub(crate) struct LongestPoll(AtomicU64);

impl LongestPoll {
    pub(crate) fn observe(&self, poll: Duration) {
        self.0.fetch_max(nanos(poll), Relaxed);
    }

    pub(crate) fn get(&self) -> Duration {
        Duration::from_nanos(self.0.load(Relaxed))
    }
}

/// When each of the last [`BLOCKING_AGE_WINDOW`] blocking jobs was queued,
/// so a snapshot can tell the age of the oldest one still waiting (the
/// channel the jobs travel through cannot be peeked).
///
/// Job `n` (the `n`th `push`) stamps slot `n % WINDOW` with its time and
/// the low bits of `n`; the `n`th job taken (counted by `taken`) is the
/// oldest queued, FIFO. Two submitters racing may send in the other order
/// than they counted: the age is then the other's, nanoseconds apart.
pub(crate) struct QueueAges {
    origin: Instant,
    pushed: AtomicU64,
    taken: AtomicU64,
    stamps: Box<[AtomicU64]>,
}

const TAG_BITS: u32 = 16;
const TAG_MASK: u64 = (1 << TAG_BITS) - 1;

impl QueueAges {
    pub(crate) fn new() -> QueueAges {
        QueueAges {
            origin: Instant::now(),
            pushed: AtomicU64::new(0),
            taken: AtomicU64::new(0),
            stamps: (0..BLOCKING_AGE_WINDOW)
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }

    /// A job was queued at `at`.
    pub(crate) fn pushed(&self, at: Instant) {
        let n = self.pushed.fetch_add(1, Relaxed);
        let micros = u64::try_from(at.saturating_duration_since(self.origin).as_micros())
            .unwrap_or(u64::MAX >> TAG_BITS);
        let stamp = (micros << TAG_BITS) | (n & TAG_MASK);
        self.stamps[(n % BLOCKING_AGE_WINDOW as u64) as usize].store(stamp, Relaxed);
    }

    /// A job left the queue (started, or cancelled unstarted).
    pub(crate) fn taken(&self) {
        self.taken.fetch_add(1, Relaxed);
    }

    /// The age of the oldest job still queued, as of `now`.
    pub(crate) fn oldest(&self, now: Instant) -> Option<Duration> {
        let taken = self.taken.load(Relaxed);
        let pushed = self.pushed.load(Relaxed);
        if pushed <= taken {
            return None;
        }
        let window = BLOCKING_AGE_WINDOW as u64;
        let first = taken.max(pushed.saturating_sub(window));
        // The first stamp that is the job it should be (a submitter may be
        // between counting and stamping).
        let micros = (first..pushed).find_map(|n| {
            let stamp = self.stamps[(n % window) as usize].load(Relaxed);
            (stamp & TAG_MASK == n & TAG_MASK).then_some(stamp >> TAG_BITS)
        });
        let since_origin = now.saturating_duration_since(self.origin);
        Some(match micros {
            Some(micros) => since_origin.saturating_sub(Duration::from_micros(micros)),
            None => Duration::ZERO,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_time_counts_awake_spells_only() {
        let stats = WorkerStats::new(Duration::from_millis(10));
        let mut out = WorkerMetrics::default();
        stats.read_into(&mut out, Duration::from_millis(15));
        assert_eq!(
            out.busy,
            Duration::from_millis(5),
            "awake since 10 ms, read at 15"
        );
        stats.park(Duration::from_millis(20));
        stats.read_into(&mut out, Duration::from_millis(100));
        assert_eq!(out.busy, Duration::from_millis(10), "asleep from 20 ms on");
        assert_eq!(out.parks, 1);
        stats.unpark(Duration::from_millis(100));
        stats.read_into(&mut out, Duration::from_millis(103));
        assert_eq!(out.busy, Duration::from_millis(13));
    }

    #[test]
    fn the_oldest_queued_job_is_the_first_not_taken() {
        let ages = QueueAges::new();
        let origin = ages.origin;
        assert_eq!(ages.oldest(origin), None);
        for ms in [1, 2, 3] {
            ages.pushed(origin + Duration::from_millis(ms));
        }
        let now = origin + Duration::from_millis(10);
        assert_eq!(ages.oldest(now), Some(Duration::from_millis(9)));
        ages.taken();
        assert_eq!(ages.oldest(now), Some(Duration::from_millis(8)));
        ages.taken();
        ages.taken();
        assert_eq!(ages.oldest(now), None);
    }

    #[test]
    fn past_the_window_the_age_is_the_oldest_remembered() {
        let ages = QueueAges::new();
        let origin = ages.origin;
        let total = BLOCKING_AGE_WINDOW as u64 + 10;
        for ms in 0..total {
            ages.pushed(origin + Duration::from_millis(ms));
        }
        let now = origin + Duration::from_millis(total);
        // Jobs 0..10 were overwritten: job 10 is the oldest remembered.
        assert_eq!(ages.oldest(now), Some(Duration::from_millis(total - 10)));
    }
}
