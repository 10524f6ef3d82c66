//! The monitor thread: the busy workers' clock, the stall watchdog, and the
//! trigger that hands a stalled loop's duties to the other workers.
//!
//! # What each worker publishes ([`Pulse`])
//! A worker bumps its `beat` at every step of its loop, sets `parked`
//! around its poller `wait`, and stores the id of the task it is polling in
//! `task` (0 between polls). All plain relaxed stores to a cache line only
//! its owner writes: no clock read and no shared line on the hot path.
//!
//! # What the monitor does, every [`MONITOR_PERIOD`] while a worker is awake
//! 1. Bumps the [`epoch`](Monitor::epoch). A busy worker runs its
//!    maintenance (timers, I/O, inbox, stalled peers) whenever the epoch has
//!    moved since its last pass: time-based, about every millisecond of
//!    busy time however long or short its polls are.
//! 2. Samples every worker's beat. A worker whose beat has not moved for
//!    [`TAKEOVER_AFTER`] while it is not parked is *stalled*: it is inside
//!    one step (usually one poll) and serves nothing else meanwhile. The
//!    monitor flags it (`Remote::stalled`), nests its source set in every
//!    other worker's poller (so a parked peer wakes for the stalled loop's
//!    I/O), and notifies the other workers, which then serve its duties
//!    (`worker.rs`, "Serving a stalled peer"). When the beat moves again the
//!    flag and the nested registrations are removed.
//! 3. A stall that lasts past the watchdog threshold
//!    (`Builder::stall_threshold`) is logged once at `warn`, naming the
//!    task (id, name, spawn site) and the worker, and counted.
//!
//! The flag only decides whether the other workers *bother*: every duty of
//! a loop is safe for any worker to perform at any time (`mod.rs`, "Loops
//! that help each other"), so a stale flag, early or late, costs a little
//! work and never correctness.
//!
//! # Sleeping when the runtime is idle
//! Waking a sleeping thread costs tens of microseconds here, paid by the
//! waker; a worker must not pay that at the start of every burst of work.
//! So the monitor backs off instead of sleeping outright:
//! - While every worker is parked it is *drowsy*: its period doubles per
//!   sample up to [`MAX_DROWSY_PERIOD`], and the epoch carries [`DROWSY`],
//!   telling busy workers to fall back to a pass every
//!   [`DROWSY_MAINTENANCE_TICKS`] ticks until the monitor samples again
//!   and sees them awake.
//! - After [`DEEP_SLEEP_AFTER`] of unbroken idleness it sleeps until a
//!   worker leaves its park: an idle runtime costs no wake-ups, and the
//!   one wake-up that ends the sleep is paid once per idle spell.
//!
//! Deep-sleep protocol (no lost wake-up):
//! - monitor: (1) `asleep = true`; (2) `fence(SeqCst)`; (3) re-read every
//!   `parked`; if one is clear, `asleep = false` and carry on; else sleep
//!   until `asleep` is cleared;
//! - worker leaving its park: (1) `parked = false`; (2) `fence(SeqCst)`;
//!   (3) if `asleep`, swap it to false and unpark the monitor.
//!
//! Either the monitor sees the worker awake, or the worker sees the
//! monitor asleep and wakes it.

use super::Shared;
use polling::{Event, PollMode};
use std::os::fd::AsRawFd;
use std::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Arc, OnceLock};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// How often the monitor samples the workers while any is awake: the
/// resolution of busy workers' maintenance and of stall detection. A wake-up
/// costs a few microseconds, so this is ~0.5% of one core.
pub(crate) const MONITOR_PERIOD: Duration = Duration::from_millis(1);

/// A worker stuck in one step this long has its duties served by the others
/// (the "about 1 ms": long enough that ordinary polls never trigger
/// it, short enough that a stuck loop's timers and sockets barely notice).
pub(crate) const TAKEOVER_AFTER: Duration = Duration::from_millis(1);

/// The longest the monitor waits between samples while every worker is
/// parked: the delay, after an idle spell, before stall detection and
/// time-based maintenance are back at full resolution.
const MAX_DROWSY_PERIOD: Duration = Duration::from_millis(4);

/// Unbroken idleness after which the monitor sleeps until woken.
const DEEP_SLEEP_AFTER: Duration = Duration::from_millis(100);

/// Epoch bit: the monitor is drowsy or asleep, so the epoch may not move
/// for a while.
pub(crate) const DROWSY: u32 = 1;

/// While the epoch carries [`DROWSY`], a busy worker runs its maintenance
/// every this many ticks (the count-based fallback).
pub(crate) const DROWSY_MAINTENANCE_TICKS: u32 = 31;

/// How much the epoch moves per sample (above the [`DROWSY`] bit).
const EPOCH_STEP: u32 = 2;

/// Poller key of a worker's own source set; the source set of stalled
/// worker `w` is nested under `STALLED_KEY_BASE + w`.
pub(crate) const OWN_IO_KEY: usize = 0;
pub(crate) const STALLED_KEY_BASE: usize = 1;

/// What a worker publishes about itself (see the module docs). Written only
/// by its worker; read by the monitor and, for shutdown, by the thread that
/// shuts the runtime down.
#[derive(Debug, Default)]
pub(crate) struct Pulse {
    beat: AtomicU32,
    parked: AtomicBool,
    /// The id of the task being polled, or 0.
    task: AtomicU64,
    exited: AtomicBool,
}

impl Pulse {
    #[inline]
    pub(crate) fn beat(&self, tick: u32) {
        self.beat.store(tick, Relaxed);
    }

    #[inline]
    pub(crate) fn enter_task(&self, id: u64) {
        self.task.store(id, Relaxed);
    }

    #[inline]
    pub(crate) fn leave_task(&self) {
        self.task.store(0, Relaxed);
    }

    pub(crate) fn set_parked(&self) {
        self.parked.store(true, Relaxed);
    }

    /// The worker is leaving its park: wake the monitor if it sleeps
    /// (protocol in the module docs).
    pub(crate) fn clear_parked(&self, monitor: &Monitor) {
        self.parked.store(false, Relaxed);
        fence(SeqCst);
        if monitor.asleep.load(Relaxed) && monitor.asleep.swap(false, SeqCst) {
            if let Some(thread) = monitor.thread.get() {
                thread.unpark();
            }
        }
    }

    pub(crate) fn set_exited(&self) {
        self.exited.store(true, Release);
    }

    /// The task this worker is polling, if any.
    pub(crate) fn current_task(&self) -> Option<u64> {
        Some(self.task.load(Relaxed)).filter(|&id| id != 0)
    }

    pub(crate) fn has_exited(&self) -> bool {
        self.exited.load(Acquire)
    }

    #[cfg(all(test, not(runtime_loom)))]
    pub(crate) fn is_parked(&self) -> bool {
        self.parked.load(SeqCst)
    }
}

/// The monitor's shared state.
pub(crate) struct Monitor {
    epoch: Epoch,
    asleep: AtomicBool,
    thread: OnceLock<Thread>,
    /// How many workers are flagged stalled right now: workers check this
    /// one word before looking for peers to serve.
    stalled: AtomicUsize,
    /// The watchdog's threshold (`None`: no reports).
    threshold: Option<Duration>,
}

/// The epoch counter, on a cache line of its own: every worker reads it
/// every tick, the monitor writes it once a period.
#[repr(align(128))]
struct Epoch(AtomicU32);

impl Monitor {
    pub(crate) fn new(threshold: Option<Duration>) -> Monitor {
        Monitor {
            epoch: Epoch(AtomicU32::new(0)),
            asleep: AtomicBool::new(false),
            thread: OnceLock::new(),
            stalled: AtomicUsize::new(0),
            threshold,
        }
    }

    /// Moves about every [`MONITOR_PERIOD`] while any worker is awake;
    /// carries [`DROWSY`] while it may not.
    #[inline]
    pub(crate) fn epoch(&self) -> u32 {
        self.epoch.0.load(Relaxed)
    }

    /// True if some worker is flagged stalled.
    #[inline]
    pub(crate) fn any_stalled(&self) -> bool {
        self.stalled.load(Acquire) > 0
    }

    /// Wakes the monitor (shutdown).
    pub(crate) fn wake(&self) {
        self.asleep.store(false, SeqCst);
        if let Some(thread) = self.thread.get() {
            thread.unpark();
        }
    }
}

/// What the monitor remembers of one worker between samples.
#[derive(Clone, Copy)]
struct Watch {
    beat: u32,
    /// When the monitor first saw this beat.
    since: Instant,
    stalled: bool,
    reported: bool,
}

/// The body of the monitor thread; returns at shutdown.
pub(crate) fn run_monitor(shared: Arc<Shared>) {
    let monitor = &shared.monitor;
    let _ = monitor.thread.set(thread::current());
    let n = shared.remotes.len();
    let now = Instant::now();
    let mut watches = vec![
        Watch {
            beat: 0,
            since: now,
            stalled: false,
            reported: false,
        };
        n
    ];
    let mut period = MONITOR_PERIOD;
    let mut idle_since: Option<Instant> = None;
    while !shared.is_shutdown() {
        match idle_since {
            Some(since) if since.elapsed() >= DEEP_SLEEP_AFTER => {
                idle_since = None;
                sleep_while_idle(&shared);
            }
            _ => thread::park_timeout(period),
        }
        let now = Instant::now();
        let mut all_parked = true;
        for (worker, watch) in watches.iter_mut().enumerate() {
            let pulse = &shared.remotes[worker].hot.pulse;
            let beat = pulse.beat.load(Relaxed);
            let parked = pulse.parked.load(Relaxed);
            all_parked &= parked;
            if beat != watch.beat || parked || pulse.has_exited() {
                if watch.stalled {
                    end_stall(&shared, worker, now.duration_since(watch.since));
                }
                *watch = Watch {
                    beat,
                    since: now,
                    stalled: false,
                    reported: false,
                };
                continue;
            }
            let stuck_for = now.duration_since(watch.since);
            let remote = &shared.remotes[worker];
            if pulse.current_task().is_some() {
                // One poll has lasted at least this long (the metrics'
                // `longest_poll`, to this loop's period).
                remote.counted.longest_poll.observe(stuck_for);
            }
            if !watch.stalled && n > 1 && stuck_for >= TAKEOVER_AFTER {
                watch.stalled = true;
                begin_stall(&shared, worker);
            }
            if let Some(threshold) = monitor.threshold {
                if !watch.reported && stuck_for >= threshold {
                    watch.reported = true;
                    report_stall(&shared, worker, stuck_for, threshold);
                }
            }
        }
        let epoch = monitor.epoch.0.load(Relaxed).wrapping_add(EPOCH_STEP);
        if all_parked {
            idle_since.get_or_insert(now);
            period = (period * 2).min(MAX_DROWSY_PERIOD);
            monitor.epoch.0.store(epoch | DROWSY, Relaxed);
        } else {
            idle_since = None;
            period = MONITOR_PERIOD;
            monitor.epoch.0.store(epoch & !DROWSY, Relaxed);
        }
    }
    for (worker, watch) in watches.iter().enumerate() {
        if watch.stalled {
            end_stall(&shared, worker, Instant::now().duration_since(watch.since));
        }
    }
}

/// Sleeps until a worker leaves its park (or shutdown); protocol in the
/// module docs.
fn sleep_while_idle(shared: &Shared) {
    let monitor = &shared.monitor;
    monitor.asleep.store(true, SeqCst);
    fence(SeqCst);
    let all_parked = shared
        .remotes
        .iter()
        .all(|r| r.hot.pulse.parked.load(Relaxed));
    if !all_parked || shared.is_shutdown() {
        monitor.asleep.store(false, SeqCst);
        return;
    }
    tracing::trace!("monitor: every worker is parked; sleeping");
    while monitor.asleep.load(SeqCst) && !shared.is_shutdown() {
        thread::park();
    }
}

/// Flags `worker` stalled and hands its duties to the others.
fn begin_stall(shared: &Shared, worker: usize) {
    let stalled = &shared.remotes[worker];
    stalled.stalled.store(true, SeqCst);
    shared.monitor.stalled.fetch_add(1, SeqCst);
    tracing::debug!(
        worker,
        "worker stalled in one step; the other workers serve its I/O, timers and queues"
    );
    for (peer, remote) in shared.remotes.iter().enumerate() {
        if peer == worker {
            continue;
        }
        // SAFETY: the source set lives as long as the pollers (both belong
        // to `Shared`), and `end_stall` deletes it from this poller.
        let added = unsafe {
            remote.poller.add_with_mode(
                stalled.io.source_set().as_raw_fd(),
                Event::readable(STALLED_KEY_BASE + worker),
                PollMode::Edge,
            )
        };
        if let Err(error) = added {
            tracing::debug!(worker, peer, %error, "could not watch a stalled loop's sources");
        }
        shared.wake_worker(peer);
    }
}

fn end_stall(shared: &Shared, worker: usize, stuck_for: Duration) {
    let stalled = &shared.remotes[worker];
    for (peer, remote) in shared.remotes.iter().enumerate() {
        if peer != worker {
            let _ = remote.poller.delete(stalled.io.source_set());
        }
    }
    stalled.stalled.store(false, SeqCst);
    shared.monitor.stalled.fetch_sub(1, SeqCst);
    tracing::debug!(worker, ?stuck_for, "stalled worker is back");
}

/// The watchdog's report: once per stall, at `warn`, naming the culprit.
fn report_stall(shared: &Shared, worker: usize, stuck_for: Duration, threshold: Duration) {
    let remote = &shared.remotes[worker];
    remote.counted.stalls.fetch_add(1, Relaxed);
    let task = remote
        .hot
        .pulse
        .current_task()
        .and_then(|id| shared.registry.find(id));
    match task {
        Some(task) => tracing::warn!(
            worker,
            task.id = task.id().as_u64(),
            task.name = task.name().unwrap_or(""),
            spawned_at = %task.location(),
            ?stuck_for,
            "stalled worker: task {}{} (spawned at {}) has been running one poll for {:?} \
             (stall threshold {:?}); it blocks its thread, so the other workers serve this \
             loop's I/O and timers meanwhile. Move blocking calls to runtime::to_thread",
            task.id(),
            task.name().map(|n| format!(" {n:?}")).unwrap_or_default(),
            task.location(),
            stuck_for,
            threshold,
        ),
        None => tracing::warn!(
            worker,
            ?stuck_for,
            "stalled worker: worker {worker} has been stuck outside any task poll (in a waker, \
             a done callback or a thread hook) for {stuck_for:?} (stall threshold {threshold:?})",
        ),
    }
}
