//! The multi-worker scheduler: per-core event loops that steal from each
//! other.
//!
//! - `worker.rs`: one worker's loop (`Core`): local queue, stealing,
//!   timers, parking in its poller, serving stalled peers.
//! - `lifo.rs`: the LIFO slot, stealable while its worker is stalled.
//! - `monitor.rs`: heartbeats, the busy workers' clock, the stall watchdog
//!   and the trigger of the hand-over.
//! - `idle.rs`: who is parked or searching, and who to wake.
//! - `park.rs`: blocking a plain thread on a future (`block_on`).
//!
//! This file holds [`Shared`], the state every worker and every handle
//! reaches: the global injector, each worker's remote parts (heartbeat,
//! LIFO slot, stealer, poller, timer shard, source set, inbox for
//! `spawn_local` tasks), the registry of live tasks, the blocking pool and
//! the configuration.
//!
//! # Loops that help each other
//! Each worker owns an event loop: a poller it parks in, a timer shard, a
//! source set (its sockets), a LIFO slot and a local queue. Any of those
//! duties may be performed by *any* worker at any time, so that a worker
//! stuck in one long poll strands nothing but its `spawn_local` tasks:
//!
//! | duty | who may perform it | why two at once is safe |
//! |---|---|---|
//! | wait on the poller | its owner only | the wait consumes the owner's wake-up notification |
//! | drain the source set | anyone | the kernel hands each edge to one `epoll_wait`; readiness is idempotent |
//! | fire the timer shard | anyone | the wheel is behind a lock; an entry fires once |
//! | take the LIFO slot | anyone | one atomic swap moves the task |
//! | steal the local queue | anyone | crossbeam's deque |
//!
//! The monitor (`monitor.rs`) decides when the others *should* help: when a
//! worker's heartbeat has not moved for `TAKEOVER_AFTER`. No edge is lost
//! in the hand-over: an I/O edge stays in the source set until some drain
//! takes it, and whoever takes it wakes its task; a timer stays in its
//! wheel until some `process` fires it.
//!
//! # Where a task goes when it is scheduled
//! 1. Spawned on one of this runtime's workers: the back of that worker's
//!    local queue (spawn order is run order, as with `create_task`).
//! 2. Woken during a poll on one of this runtime's workers: that worker's
//!    LIFO slot, so a message's receiver runs right after its sender; the
//!    task it displaces goes to the local queue.
//! 3. Woken while running (it yielded): the back of the local queue.
//! 4. Anywhere else (another thread, another runtime, a timer or blocking
//!    thread): the global injector, then at most one parked worker is woken.
//! 5. A `spawn_local` task only ever goes to its owner's non-stealable
//!    queue, or to the owner's inbox from other threads.
//!
//! # Shutdown
//! 1. `begin_shutdown`: set the flag, close the registry, notify every poller.
//! 2. Each worker leaves its loop, cancels the `spawn_local` tasks it owns,
//!    drops its queued references, and exits.
//! 3. The shutting-down thread waits for the workers (bounded by the
//!    timeout), cancels every remaining task (dropping its future), drains
//!    the injector and timers, then shuts the blocking pool down.
//!
//! A task scheduled after step 1 is pushed and then, seeing the flag, the
//! pusher drains the queue itself (push, fence, check: no reference can be
//! stranded in a queue nobody will read).

pub(crate) mod idle;
mod inbox;
mod lifo;
pub(crate) mod monitor;
pub(crate) mod park;
pub(crate) mod worker;

#[cfg(all(test, runtime_loom))]
mod loom_handover;
#[cfg(all(test, runtime_loom))]
mod loom_idle;
#[cfg(all(test, runtime_loom))]
mod loom_inbox;
#[cfg(all(test, not(runtime_loom)))]
mod tests;

use crate::blocking::Pool;
use crate::builder::UnhandledPanic;
use crate::context;
use crate::metrics::{LongestPoll, RuntimeMetrics, WorkerMetrics, WorkerStats};
use crate::reactor::IoDriver;
use crate::task::registry::Registry;
use crate::task::{Header, Meta, Notified, PanicPayload, RawTask, Schedule, Task, TaskId};
use crate::time::{Clock, TimerShard};
use crossbeam_deque::{Injector, Steal, Stealer};
use idle::Idle;
use inbox::LocalInbox;
use lifo::LifoSlot;
use monitor::{Monitor, Pulse, OWN_IO_KEY};
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::future::Future;
use std::os::fd::AsRawFd;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) use worker::Core;

/// Settings fixed when the runtime is built.
pub(crate) struct Config {
    pub(crate) num_workers: usize,
    pub(crate) debug: bool,
    pub(crate) slow_poll_threshold: Duration,
    pub(crate) stall_threshold: Option<Duration>,
    pub(crate) unhandled_panic: UnhandledPanic,
    pub(crate) thread_name: String,
    pub(crate) thread_stack_size: Option<usize>,
    pub(crate) on_thread_start: Option<Arc<dyn Fn() + Send + Sync>>,
    pub(crate) on_thread_stop: Option<Arc<dyn Fn() + Send + Sync>>,
}

/// What other threads can reach of one worker.
pub(crate) struct Remote {
    /// Written by the worker on its hot path.
    pub(crate) hot: OwnerLine,
    pub(crate) stealer: Stealer<Notified>,
    /// The worker sleeps in this poller's `wait` (only it may wait on it);
    /// `notify` wakes it. It watches `io`'s source set, and during a peer's
    /// stall that peer's set too (`monitor.rs`).
    pub(crate) poller: polling::Poller,
    /// `spawn_local` tasks woken from other threads, for this worker only.
    local_inbox: LocalInbox<Notified>,
    pub(crate) timers: TimerShard,
    /// This loop's I/O sources.
    pub(crate) io: IoDriver,
    /// Set by the monitor while this worker is stalled: the others serve
    /// its duties.
    stalled: AtomicBool,
    /// Counters other threads write.
    pub(crate) counted: CountedByOthers,
}

/// A worker's counters that other threads write (the metrics'), on a cache
/// line of their own so that those rare writes do not disturb the lines
/// thieves and wakers read.
#[repr(align(128))]
#[derive(Default)]
pub(crate) struct CountedByOthers {
    /// Stalls the watchdog reported.
    pub(crate) stalls: AtomicU64,
    /// Tasks other workers took from this one (bumped by the thief).
    pub(crate) stolen_from: AtomicU64,
    /// Raised by the monitor (and by debug mode's timed polls).
    pub(crate) longest_poll: LongestPoll,
}

/// The fields a worker writes on its hot path, on a cache line of their own
/// so that other workers reading `Remote` do not share it.
#[repr(align(128))]
pub(crate) struct OwnerLine {
    pub(crate) pulse: Pulse,
    pub(crate) lifo: LifoSlot,
    pub(crate) stats: WorkerStats,
}

impl Remote {
    fn new(stealer: Stealer<Notified>, clock: &Clock) -> std::io::Result<Remote> {
        let poller = polling::Poller::new()?;
        let io = IoDriver::new()?;
        // SAFETY: the source set is dropped after the poller (field order),
        // and closing the poller removes the registration with it.
        unsafe {
            poller.add_with_mode(
                io.source_set().as_raw_fd(),
                polling::Event::readable(OWN_IO_KEY),
                polling::PollMode::Level,
            )?;
        }
        Ok(Remote {
            hot: OwnerLine {
                pulse: Pulse::default(),
                lifo: LifoSlot::new(),
                stats: WorkerStats::new(clock.since_origin(Instant::now())),
            },
            stealer,
            poller,
            local_inbox: LocalInbox::new(),
            timers: TimerShard::new(),
            io,
            stalled: AtomicBool::new(false),
            counted: CountedByOthers::default(),
        })
    }

    /// True while the monitor has this worker flagged stalled.
    pub(crate) fn is_stalled(&self) -> bool {
        self.stalled.load(Acquire)
    }
}

pub(crate) struct Shared {
    pub(crate) remotes: Box<[Remote]>,
    injector: Injector<Notified>,
    pub(crate) idle: Idle,
    pub(crate) registry: Registry,
    pub(crate) blocking: Pool,
    pub(crate) clock: Clock,
    pub(crate) config: Config,
    shutdown: AtomicBool,
    /// Round-robin choice of timer shard for threads that are not workers.
    next_timer_shard: AtomicUsize,
    /// Where the spreading of new I/O sources starts its scan.
    next_io_worker: AtomicUsize,
    pub(crate) monitor: Monitor,
    /// `run_forever` / `stop`.
    pub(crate) stop: StopSignal,
    /// Set by the first unhandled panic under `UnhandledPanic::ShutdownRuntime`.
    pub(crate) fatal: Fatal,
    /// Workers still running their loop, for shutdown to wait on.
    live_workers: Mutex<usize>,
    workers_exited: parking_lot::Condvar,
}

impl Shared {
    pub(crate) fn new(
        config: Config,
        stealers: Vec<Stealer<Notified>>,
        blocking: Pool,
    ) -> std::io::Result<Shared> {
        let clock = Clock::new();
        let remotes = stealers
            .into_iter()
            .map(|stealer| Remote::new(stealer, &clock))
            .collect::<std::io::Result<Box<[Remote]>>>()?;
        let monitor = Monitor::new(config.stall_threshold);
        let n = remotes.len();
        Ok(Shared {
            remotes,
            injector: Injector::new(),
            idle: Idle::new(n),
            // Several shards per worker keep spawn/complete contention low.
            registry: Registry::new(n * 4),
            blocking,
            clock,
            config,
            shutdown: AtomicBool::new(false),
            next_timer_shard: AtomicUsize::new(0),
            next_io_worker: AtomicUsize::new(0),
            monitor,
            stop: StopSignal::default(),
            fatal: Fatal::default(),
            live_workers: Mutex::new(n),
            workers_exited: parking_lot::Condvar::new(),
        })
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Acquire)
    }

    // ---- Spawning ------------------------------------------------------

    pub(crate) fn spawn<F>(
        self: &Arc<Self>,
        future: F,
        name: Option<Arc<str>>,
        location: &'static Location<'static>,
    ) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_with(future, name, location, false)
    }

    /// [`spawn`](Self::spawn), or with `eager`, a task whose first poll runs
    /// here and now ([`run_eagerly`]).
    pub(crate) fn spawn_with<F>(
        self: &Arc<Self>,
        future: F,
        name: Option<Arc<str>>,
        location: &'static Location<'static>,
        eager: bool,
    ) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let id = TaskId::next();
        let meta = Meta::new(location, context::spawn_stamp(), name, None);
        let raw = RawTask::new(future, self.clone(), id, meta, true);
        tracing::trace!(task.id = id.as_u64(), %location, eager, "spawn");
        if eager {
            // SAFETY: `raw` was just created with an output type of `F::Output`.
            return unsafe { self.bind(raw, run_eagerly) };
        }
        // SAFETY: `raw` was just created with an output type of `F::Output`.
        unsafe { self.bind(raw, |task| self.schedule_spawned(task)) }
    }

    /// Registers a new task and queues its first poll.
    ///
    /// # Safety
    /// `raw` is a task fresh from `RawTask::new` with owned = true, whose
    /// output type is `T`.
    pub(crate) unsafe fn bind<T>(&self, raw: RawTask, schedule: impl FnOnce(Notified)) -> Task<T> {
        // SAFETY: a fresh task holds one reference for its handle and one
        // for its first `Notified`.
        let (task, notified) = unsafe { (Task::from_raw(raw), Notified::from_raw(raw)) };
        if self.registry.insert(raw) {
            schedule(notified);
        } else {
            // The runtime is shutting down: the task is cancelled at once,
            // using the reference the registry would have owned.
            drop(notified);
            // SAFETY: this thread spawned the task, so it may drop its future.
            unsafe { raw.shutdown() };
        }
        task
    }

    fn schedule_spawned(self: &Arc<Self>, task: Notified) {
        context::with_core(|core| match core {
            Some(core) if core.belongs_to(self) => core.push_spawned(task),
            _ => self.push_remote(task),
        })
    }

    fn schedule_task(self: &Arc<Self>, task: Notified, is_yield: bool) {
        context::with_core(|core| match core {
            Some(core) if core.belongs_to(self) => core.schedule_local(task, is_yield),
            // `self` is the woken task's own scheduler, stored inside the
            // task: once `push_remote` hands the task over, a concurrent
            // shutdown may free it and, with it, the last other reference
            // to `Shared`. The clone keeps `Shared` alive until the call
            // returns (it is dropped at the end of this statement).
            _ => Arc::clone(self).push_remote(task),
        })
    }

    /// Queues a task from outside this runtime's workers.
    ///
    /// The caller keeps `self` alive for the whole call by a reference of
    /// its own (a handle, a worker's, a clone): never only through `task`,
    /// which may be freed as soon as it is pushed.
    pub(crate) fn push_remote(&self, task: Notified) {
        self.injector.push(task);
        // The sanitizer run (`.ci/sanitize`) widens the window in which a
        // concurrent shutdown may free the task just pushed, so a caller
        // that kept `Shared` alive only through that task is caught at once.
        #[cfg(runtime_widen_races)]
        std::thread::sleep(Duration::from_millis(2));
        // One SeqCst fence (the one in `notify_after_push`) orders the push
        // before both reads that follow, so each remote push pays for one:
        // the idle counts (pairs with the fence in `Idle::park_unless`: a
        // parking worker sees the task, or we see it parked) and the
        // shutdown flag (pairs with the SeqCst swap in `begin_shutdown`:
        // either shutdown drains this task, or we see the flag and drain
        // it ourselves).
        let worker = self.idle.notify_after_push();
        if self.shutdown.load(Relaxed) {
            self.drain_injector();
        }
        if let Some(worker) = worker {
            tracing::trace!(worker, "unpark");
            self.wake_worker(worker);
        }
    }

    /// Wakes one parked worker if no worker is searching (`idle.rs`).
    pub(crate) fn notify_parked(&self) {
        if let Some(worker) = self.idle.notify_after_push() {
            tracing::trace!(worker, "unpark");
            self.wake_worker(worker);
        }
    }

    pub(crate) fn wake_worker(&self, worker: usize) {
        if let Err(error) = self.remotes[worker].poller.notify() {
            tracing::error!(worker, %error, "failed to notify a worker's poller");
        }
    }

    /// True if some queue a worker could take from is non-empty.
    pub(crate) fn has_visible_work(&self, worker: usize) -> bool {
        !self.injector.is_empty()
            || self.remotes[worker].local_inbox.has_work()
            || self.remotes.iter().any(|r| !r.stealer.is_empty())
    }

    pub(crate) fn steal_from_injector(
        &self,
        dest: &crossbeam_deque::Worker<Notified>,
    ) -> Option<Notified> {
        loop {
            match self.injector.steal_batch_and_pop(dest) {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => std::hint::spin_loop(),
            }
        }
    }

    fn drain_injector(&self) {
        loop {
            match self.injector.steal() {
                Steal::Success(task) => drop(task),
                Steal::Empty => return,
                Steal::Retry => std::hint::spin_loop(),
            }
        }
    }

    // ---- spawn_local inbox ---------------------------------------------

    /// The caller keeps `self` alive for the whole call, as for
    /// [`push_remote`](Self::push_remote).
    fn push_local_inbox(&self, owner: usize, task: Notified) {
        let shutting_down = || self.shutdown.load(SeqCst);
        match self.remotes[owner].local_inbox.push(task, shutting_down) {
            None => self.wake_worker(owner),
            // The owner may be gone. The registry still holds a reference
            // to every unfinished local task, so this drop frees nothing
            // that the owner has not already shut down.
            Some(orphans) => drop(orphans),
        }
    }

    pub(crate) fn take_local_inbox(&self, owner: usize) -> VecDeque<Notified> {
        self.remotes[owner].local_inbox.take()
    }

    /// The owner's last look at its inbox, once it has seen the shutdown
    /// flag (`inbox.rs`).
    pub(crate) fn close_local_inbox(&self, owner: usize) -> VecDeque<Notified> {
        self.remotes[owner].local_inbox.close()
    }

    // ---- Timers ----------------------------------------------------------

    /// The timer shard a new timer on this thread goes to, and whether the
    /// registering thread is that shard's worker (no wake-up needed).
    /// Elsewhere shards are taken round-robin, skipping stalled workers.
    pub(crate) fn timer_shard(self: &Arc<Self>) -> (usize, bool) {
        context::with_core(|core| match core {
            Some(core) if core.belongs_to(self) => (core.index, true),
            _ => {
                let n = self.remotes.len();
                let start = self.next_timer_shard.fetch_add(1, Relaxed);
                let shard = (0..n)
                    .map(|i| (start + i) % n)
                    .find(|&w| !self.remotes[w].is_stalled())
                    .unwrap_or(start % n);
                (shard, false)
            }
        })
    }

    // ---- I/O placement ---------------------------------------------------

    /// The worker whose loop a new I/O source registers with.
    ///
    /// - [`Placement::Current`]: the current worker, if this thread is one
    ///   of this runtime's (a socket a task creates for itself: its events
    ///   are dispatched where the task runs); otherwise spread.
    /// - [`Placement::Spread`]: the worker with the fewest registered
    ///   sources, skipping stalled ones; the scan starts at a rotating
    ///   index, so ties go round-robin (accepted connections, sockets made
    ///   on plain threads).
    pub(crate) fn io_worker(self: &Arc<Self>, placement: Placement) -> usize {
        if placement == Placement::Current {
            let current = context::with_core(|core| match core {
                Some(core) if core.belongs_to(self) => Some(core.index),
                _ => None,
            });
            if let Some(index) = current {
                return index;
            }
        }
        let n = self.remotes.len();
        let start = self.next_io_worker.fetch_add(1, Relaxed) % n;
        (0..n)
            .map(|i| (start + i) % n)
            .min_by_key(|&w| {
                let remote = &self.remotes[w];
                (remote.is_stalled(), remote.io.num_sources())
            })
            .unwrap_or(start)
    }

    // ---- Unhandled panics ------------------------------------------------

    /// A task's panic that nobody will see (its output dropped unread):
    /// applies the runtime's [`UnhandledPanic`] policy.
    pub(crate) fn unhandled_panic(&self, task: &Header, payload: &PanicPayload) {
        let policy = self.config.unhandled_panic;
        if policy == UnhandledPanic::Ignore {
            return;
        }
        let report = UnhandledReport::new(task, payload);
        tracing::error!(
            task.id = task.id.as_u64(),
            task.name = report.name.as_deref().unwrap_or(""),
            spawned_at = %task.meta.location,
            "task panic was never retrieved: {report}{}",
            if policy == UnhandledPanic::ShutdownRuntime {
                "; shutting the runtime down (UnhandledPanic::ShutdownRuntime)"
            } else {
                ""
            }
        );
        if policy == UnhandledPanic::ShutdownRuntime && self.fatal.set(report) {
            self.begin_shutdown();
        }
    }

    // ---- Metrics ---------------------------------------------------------

    /// A snapshot of the counters (`metrics.rs`).
    pub(crate) fn metrics(&self) -> RuntimeMetrics {
        let now = Instant::now();
        let since_origin = self.clock.since_origin(now);
        let workers = self
            .remotes
            .iter()
            .map(|remote| {
                let mut worker = WorkerMetrics {
                    stolen_from: remote.counted.stolen_from.load(Relaxed),
                    local_queue_depth: remote.stealer.len(),
                    stalls: remote.counted.stalls.load(Relaxed),
                    longest_poll: remote.counted.longest_poll.get(),
                    ..WorkerMetrics::default()
                };
                remote.hot.stats.read_into(&mut worker, since_origin);
                worker
            })
            .collect();
        let (tasks_alive, tasks_spawned) = self.registry.counts();
        RuntimeMetrics {
            workers,
            injector_depth: self.injector.len(),
            tasks_spawned,
            tasks_alive,
            io_sources: self.remotes.iter().map(|r| r.io.num_sources()).sum(),
            timers_pending: self.remotes.iter().map(|r| r.timers.pending()).sum(),
            blocking: self.blocking.metrics(now),
            uptime: since_origin,
        }
    }

    // ---- Shutdown --------------------------------------------------------

    pub(crate) fn begin_shutdown(&self) {
        if self.shutdown.swap(true, SeqCst) {
            return;
        }
        tracing::debug!("runtime shutting down");
        self.registry.close();
        for worker in 0..self.remotes.len() {
            self.wake_worker(worker);
        }
        self.monitor.wake();
        self.stop.stop();
    }

    pub(crate) fn worker_exited(&self, index: usize) {
        self.remotes[index].hot.pulse.set_exited();
        let mut live = self.live_workers.lock();
        *live -= 1;
        if *live == 0 {
            self.workers_exited.notify_all();
        }
    }

    /// Waits until every worker has left its loop, or `deadline`. Returns
    /// true if they all did.
    pub(crate) fn wait_for_workers(&self, deadline: Instant) -> bool {
        let mut live = self.live_workers.lock();
        while *live > 0 {
            if self
                .workers_exited
                .wait_until(&mut live, deadline)
                .timed_out()
            {
                return *live == 0;
            }
        }
        true
    }

    /// The tasks that workers which have not left their loop are still
    /// polling (shutdown names these when it gives up waiting). A worker
    /// between polls is on its way out and is not named.
    pub(crate) fn stragglers(&self) -> Vec<crate::Straggler> {
        self.remotes
            .iter()
            .filter(|remote| !remote.hot.pulse.has_exited())
            .filter_map(|remote| {
                let id = remote.hot.pulse.current_task()?;
                self.registry.with_task(id, crate::Straggler::task)
            })
            .collect()
    }

    /// Cancels every remaining `Send` task and frees queued references.
    pub(crate) fn cancel_remaining_tasks(&self) {
        for raw in self.registry.drain(None) {
            // SAFETY: the drain handed us the registry's reference, and these
            // tasks are `Send`, so their futures may be dropped here.
            unsafe { raw.shutdown() };
        }
        self.drain_injector();
        for remote in self.remotes.iter() {
            remote.timers.shutdown();
            remote.io.shutdown();
        }
    }
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified) {
        self.schedule_task(task, false);
    }

    fn yield_now(&self, task: Notified) {
        self.schedule_task(task, true);
    }

    fn release(&self, task: &Header) -> bool {
        tracing::trace!(task.id = task.id.as_u64(), "complete");
        self.registry.remove(task)
    }

    fn runtime(&self) -> Option<crate::Handle> {
        Some(crate::Handle::from_shared(self.clone()))
    }

    fn unhandled_panic(&self, task: &Header, payload: &PanicPayload) {
        Shared::unhandled_panic(self, task, payload);
    }
}

/// Which loop a new I/O source should join (see [`Shared::io_worker`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Placement {
    Current,
    Spread,
}

/// Schedules `spawn_local` tasks: only ever onto their owner worker.
pub(crate) struct LocalScheduler {
    shared: Arc<Shared>,
    owner: usize,
}

impl Schedule for LocalScheduler {
    fn schedule(&self, task: Notified) {
        context::with_core(|core| match core {
            Some(core) if core.belongs_to(&self.shared) && core.index == self.owner => {
                core.push_local_only(task)
            }
            // As in `Shared::schedule_task`: `self` lives inside the task,
            // which the push hands over; keep `Shared` alive by a clone.
            _ => Arc::clone(&self.shared).push_local_inbox(self.owner, task),
        })
    }

    fn release(&self, task: &Header) -> bool {
        self.shared.registry.remove(task)
    }

    fn runtime(&self) -> Option<crate::Handle> {
        Some(crate::Handle::from_shared(self.shared.clone()))
    }

    fn unhandled_panic(&self, task: &Header, payload: &PanicPayload) {
        self.shared.unhandled_panic(task, payload);
    }
}

/// An eager task's first poll (asyncio's eager task factory): the fresh
/// task runs here, on the spawning thread, inside the spawner's own poll if
/// there is one, until its first `Pending`. It is the current task
/// meanwhile. A task that finishes in that poll completes without ever
/// being queued; one that returns `Pending` waits for its wake-up like any
/// other, and its wakers schedule it as usual.
///
/// Works on any thread: the future is `Send` (or, for `spawn_local`, this
/// is its owner worker), and what it registers during the poll (timers,
/// sockets) goes where a registration from this thread goes.
fn run_eagerly(task: Notified) {
    struct Restore(Option<RawTask>);
    impl Drop for Restore {
        fn drop(&mut self) {
            context::set_current_task(self.0);
        }
    }
    let _restore = Restore(context::set_current_task(Some(task.raw())));
    let span = crate::task::poll_span(task.header());
    let _entered = span.enter();
    task.run();
}

/// Spawns a `!Send` future on the current worker (`eager`: its first poll
/// runs right here, see [`run_eagerly`]).
#[track_caller]
pub(crate) fn spawn_local<F>(
    future: F,
    name: Option<Arc<str>>,
    location: &'static Location<'static>,
    eager: bool,
) -> Task<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    context::with_core(|core| {
        let Some(core) = core else {
            panic!(
                "spawn_local() must be called from a task running on a runtime worker thread: \
                 its future is !Send and stays on the worker that spawned it \
                 (use runtime::spawn for Send futures, or call spawn_local inside a spawned task)"
            );
        };
        let shared = core.shared.clone();
        let id = TaskId::next();
        let meta = Meta::new(location, context::spawn_stamp(), name, Some(core.index));
        let scheduler = LocalScheduler {
            shared: shared.clone(),
            owner: core.index,
        };
        let raw = RawTask::new(future, scheduler, id, meta, true);
        tracing::trace!(task.id = id.as_u64(), %location, eager, "spawn_local");
        if eager {
            // SAFETY: `raw` was just created with an output type of `F::Output`.
            return unsafe { shared.bind(raw, run_eagerly) };
        }
        // SAFETY: `raw` was just created with an output type of `F::Output`.
        unsafe { shared.bind(raw, |task| core.push_local_only(task)) }
    })
}

/// The unhandled panic that shut the runtime down
/// (`UnhandledPanic::ShutdownRuntime`), and the `block_on` calls to fail
/// with it.
#[derive(Default)]
pub(crate) struct Fatal {
    /// Set once `state.report` is; checked before taking the lock.
    set: AtomicBool,
    state: Mutex<FatalState>,
}

#[derive(Default)]
struct FatalState {
    report: Option<Arc<UnhandledReport>>,
    /// Wakers of the `block_on` calls in progress.
    waiters: slab::Slab<std::task::Waker>,
}

/// What a `block_on` fails with: the task and its panic.
#[derive(Debug)]
pub(crate) struct UnhandledReport {
    id: TaskId,
    name: Option<Arc<str>>,
    location: &'static Location<'static>,
    message: Option<String>,
}

impl UnhandledReport {
    fn new(task: &Header, payload: &PanicPayload) -> UnhandledReport {
        UnhandledReport {
            id: task.id,
            name: task.meta.name(),
            location: task.meta.location,
            message: payload.message().map(str::to_owned),
        }
    }
}

impl std::fmt::Display for UnhandledReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "task {}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        write!(f, " spawned at {} panicked: ", self.location)?;
        match &self.message {
            Some(message) => f.write_str(message),
            None => f.write_str("(a payload that is not a string)"),
        }
    }
}

impl Fatal {
    /// Records the first report and wakes the `block_on` calls; false if
    /// one was recorded already.
    fn set(&self, report: UnhandledReport) -> bool {
        let waiters = {
            let mut state = self.state.lock();
            if state.report.is_some() {
                return false;
            }
            state.report = Some(Arc::new(report));
            self.set.store(true, Release);
            std::mem::take(&mut state.waiters)
        };
        crate::contain::wake_all(waiters.into_iter().map(|(_, waker)| waker));
        true
    }

    /// The report, if the runtime was shut down by an unhandled panic.
    pub(crate) fn report(&self) -> Option<Arc<UnhandledReport>> {
        if !self.set.load(Acquire) {
            return None;
        }
        self.state.lock().report.clone()
    }

    /// For a `block_on` call: the report if there is one; otherwise, on
    /// the first call, registers `waker` under `*key` to be woken when
    /// there is. (A `block_on` call polls with one waker throughout, so
    /// later polls cost one load.)
    pub(crate) fn poll_report(
        &self,
        key: &mut Option<usize>,
        waker: &std::task::Waker,
    ) -> Option<Arc<UnhandledReport>> {
        if let Some(report) = self.report() {
            return Some(report);
        }
        if key.is_some() {
            return None;
        }
        let mut state = self.state.lock();
        if let Some(report) = &state.report {
            return Some(report.clone());
        }
        *key = Some(state.waiters.insert(waker.clone()));
        None
    }

    /// A `block_on` call ends.
    pub(crate) fn unregister(&self, key: Option<usize>) {
        if let Some(key) = key {
            let mut state = self.state.lock();
            if state.waiters.contains(key) {
                state.waiters.remove(key);
            }
        }
    }
}

/// `run_forever` / `stop`: a flag and a condition variable.
#[derive(Default)]
pub(crate) struct StopSignal {
    stopped: parking_lot::Mutex<bool>,
    changed: parking_lot::Condvar,
}

impl StopSignal {
    pub(crate) fn stop(&self) {
        *self.stopped.lock() = true;
        self.changed.notify_all();
    }

    /// Blocks until `stop` is called (returns at once if it already was),
    /// then re-arms, as asyncio's loop can be run again after a stop.
    pub(crate) fn wait(&self) {
        let mut stopped = self.stopped.lock();
        while !*stopped {
            self.changed.wait(&mut stopped);
        }
        *stopped = false;
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("workers", &self.remotes.len())
            .finish_non_exhaustive()
    }
}
