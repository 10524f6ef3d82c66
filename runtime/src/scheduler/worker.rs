//! One worker: a per-core event loop.
//!
//! # The loop
//! 1. Every step: bump the heartbeat (`monitor.rs`). Whenever the
//!    monitor's epoch has moved (about every [`MONITOR_PERIOD`] of busy
//!    time, however long or short the polls are; every
//!    [`DROWSY_MAINTENANCE_TICKS`] ticks while the monitor is drowsy after
//!    an idle spell): refresh the cached clock, fire due timers, take the
//!    `spawn_local` inbox, collect I/O events without blocking, and serve
//!    stalled peers.
//! 2. Take a task: every [`GLOBAL_QUEUE_INTERVAL`] ticks the injector first
//!    (so remote spawns are not starved by a busy local queue), then the
//!    local queue, the non-stealable `spawn_local` queue, the injector.
//! 3. Run it. A task it wakes lands in the LIFO slot and runs next, up to
//!    [`MAX_LIFO_POLLS`] in a row and while the chain's one cooperative
//!    budget lasts (two tasks ping-ponging cannot starve the queue).
//! 4. Queues empty: if this worker has I/O sources, collect their events
//!    without blocking; the tasks they wake land in the local queue and
//!    run next. (Without this, a worker whose tasks all wait on sockets
//!    would spin through step 5 while their readiness sat in its source
//!    set, adding up to [`SEARCH_SPIN`] to every round trip.)
//! 5. Nothing to do: serve stalled peers, then search — steal half of a
//!    random peer's queue, or a batch from the injector — spinning for up
//!    to [`SEARCH_SPIN`], since waking a parked thread costs far more than
//!    a short spin, but only for as long as spinning has been paying
//!    ([`SpinBudget`]). The last pass takes a task left in a peer's LIFO slot
//!    (Go's `runnext` rule): its owner is busy in a poll, and the task
//!    must not wait for that poll however long it is (tokio#4941).
//! 6. Still nothing: park in the poller's `wait`, with the next timer (its
//!    own, or a stalled peer's) as the timeout. The poller watches this
//!    worker's source set and, during a stall, the stalled peers' sets.
//!    On waking, the worker first leaves the sleepers list (so the tasks
//!    it wakes next can only wake *other* workers), then drains the sets
//!    that reported (`idle.rs` describes the protocol that keeps wake-ups
//!    from being lost).
//!
//! # Serving a stalled peer
//! While the monitor flags a peer stalled (`monitor.rs`), this worker, in
//! its maintenance, before it searches and before it parks: drains the
//! peer's source set, fires the peer's due timers, and takes the task in
//! the peer's LIFO slot; the peer's local queue is stolen from as usual.
//! Each of these is safe against the peer and other helpers doing the same
//! at the same time: the kernel hands each I/O edge to one drain, the
//! timer shard fires each timer once under its lock, the LIFO slot is a
//! swap. The tasks woken land in this worker's queues. Only the peer's
//! `spawn_local` tasks must wait for it.
//!
//! # Invariant
//! A `Core` lives on its worker's stack and is reached from the thread-local
//! context only on that thread, so its `Cell`s need no synchronisation.

#[cfg(doc)]
use super::monitor::MONITOR_PERIOD;
use super::monitor::{DROWSY, DROWSY_MAINTENANCE_TICKS, OWN_IO_KEY, STALLED_KEY_BASE};
use super::{Remote, Shared};
use crate::contain::contain;
use crate::context;
use crate::sys::SourceEvents;
use crate::task::Notified;
use crossbeam_deque::{Steal, Worker};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::sync::Arc;
use std::task::Waker;
use std::time::{Duration, Instant};

/// Ticks between checks of the injector when the local queue is busy
/// (tokio's figure: a prime, so it does not beat with other periods).
const GLOBAL_QUEUE_INTERVAL: u32 = 61;

/// LIFO polls in a row before the slot's task goes to the back of the
/// queue instead (tokio uses 3).
const MAX_LIFO_POLLS: u32 = 3;

/// The longest a searching worker keeps trying to steal before it parks.
/// Waking a parked worker costs ~30 µs here (`perf-facts.md`); spinning for
/// a comparable time means a steady trickle of work (a producer thread, a
/// blocking pool answering) finds a worker awake, counted as searching, so
/// producers do not pay for a wake-up per task.
///
/// A spin is worth it only while it pays, so each worker adapts its own
/// (see [`SpinBudget`]).
const SEARCH_SPIN: Duration = Duration::from_micros(SEARCH_SPIN_MICROS as u64);
const SEARCH_SPIN_MICROS: u32 = 25;

/// How long a searching worker spins before it parks, at most
/// [`SEARCH_SPIN`]: a spin is worth its CPU only while it pays.
///
/// A search that spins out empty-handed halves the budget; one that finds
/// work while spinning doubles it; a park that another thread's wake-up
/// ends within a full spin restores it (a full spin would have caught
/// that work without the ~30 µs wake-up). So a worker whose work arrives
/// through its own I/O set (a server: readiness that no steal can find)
/// stops burning CPU between requests, while one fed by other threads (a
/// producer, the blocking pool answering) keeps spinning and spares them
/// a wake-up per task.
#[derive(Debug)]
struct SpinBudget {
    micros: Cell<u32>,
}

impl SpinBudget {
    fn new() -> SpinBudget {
        SpinBudget {
            micros: Cell::new(SEARCH_SPIN_MICROS),
        }
    }

    fn get(&self) -> Duration {
        Duration::from_micros(u64::from(self.micros.get()))
    }

    /// A search found work after it started spinning.
    fn paid(&self) {
        let doubled = (self.micros.get() * 2).max(1);
        self.micros.set(doubled.min(SEARCH_SPIN_MICROS));
    }

    /// A search spun for its whole budget and found nothing.
    fn wasted(&self) {
        self.micros.set(self.micros.get() / 2);
    }

    /// Another thread's wake-up ended a park that had lasted `parked`.
    fn woken_after(&self, parked: Duration) {
        if parked < SEARCH_SPIN {
            self.micros.set(SEARCH_SPIN_MICROS);
        }
    }
}

/// Steal rounds between clock reads while searching.
const ROUNDS_PER_CLOCK_READ: u32 = 16;

pub(crate) struct Core {
    pub(crate) index: usize,
    pub(crate) shared: Arc<Shared>,
    local: Worker<Notified>,
    /// `spawn_local` tasks: never stolen.
    local_only: RefCell<VecDeque<Notified>>,
    tick: Cell<u32>,
    /// The monitor's epoch at the last maintenance pass.
    epoch: Cell<u32>,
    /// Counted as searching in `Idle`.
    searching: Cell<bool>,
    /// Inside a task's poll: wake-ups go to the LIFO slot.
    polling: Cell<bool>,
    rng: Cell<u32>,
    /// How long the next search may spin.
    spin: SpinBudget,
    /// Coarse clock, refreshed at maintenance and after parking.
    now: Cell<Instant>,
    /// `now` as a spawn stamp, for the tasks spawned here.
    spawn_stamp: Cell<u64>,
    /// What the park poller reported.
    events: RefCell<polling::Events>,
    /// What a source set drain reported (this worker's or a stalled peer's).
    io_events: RefCell<SourceEvents>,
    fired: RefCell<Vec<Waker>>,
}

impl Core {
    pub(crate) fn new(index: usize, shared: Arc<Shared>, local: Worker<Notified>) -> Core {
        Core {
            index,
            shared,
            local,
            local_only: RefCell::new(VecDeque::new()),
            tick: Cell::new(0),
            epoch: Cell::new(0),
            searching: Cell::new(false),
            polling: Cell::new(false),
            rng: Cell::new(0x9E37_79B9 ^ (index as u32).wrapping_mul(0x85EB_CA6B) | 1),
            spin: SpinBudget::new(),
            now: Cell::new(Instant::now()),
            spawn_stamp: Cell::new(crate::task::spawn_stamp_of(Instant::now())),
            events: RefCell::new(polling::Events::new()),
            io_events: RefCell::new(SourceEvents::new()),
            fired: RefCell::new(Vec::new()),
        }
    }

    fn remote(&self) -> &Remote {
        &self.shared.remotes[self.index]
    }

    pub(crate) fn belongs_to(&self, shared: &Arc<Shared>) -> bool {
        Arc::ptr_eq(&self.shared, shared)
    }

    pub(crate) fn spawn_stamp(&self) -> u64 {
        self.spawn_stamp.get()
    }

    /// Refreshes the coarse clock.
    fn set_now(&self, now: Instant) {
        self.now.set(now);
        self.spawn_stamp.set(crate::task::spawn_stamp_of(now));
    }

    // ---- Scheduling from this thread --------------------------------------

    pub(crate) fn push_spawned(&self, task: Notified) {
        self.local.push(task);
        self.notify_others_if_needed();
    }

    pub(crate) fn schedule_local(&self, task: Notified, is_yield: bool) {
        if is_yield || !self.polling.get() {
            self.local.push(task);
            self.notify_others_if_needed();
        } else if let Some(displaced) = self.remote().hot.lifo.push(task) {
            self.local.push(displaced);
            self.notify_others_if_needed();
        }
    }

    pub(crate) fn push_local_only(&self, task: Notified) {
        self.local_only.borrow_mut().push_back(task);
    }

    /// Wakes a peer when this worker has more queued than it will run next.
    fn notify_others_if_needed(&self) {
        if !self.searching.get() && self.local.len() > 1 {
            self.shared.notify_parked();
        }
    }

    // ---- The loop ----------------------------------------------------------

    pub(crate) fn run(&self) {
        let pulse = &self.remote().hot.pulse;
        while !self.shared.is_shutdown() {
            let tick = self.tick.get().wrapping_add(1);
            self.tick.set(tick);
            pulse.beat(tick);
            let epoch = self.shared.monitor.epoch();
            if epoch != self.epoch.get()
                || (epoch & DROWSY != 0 && tick % DROWSY_MAINTENANCE_TICKS == 0)
            {
                self.epoch.set(epoch);
                self.maintenance();
            }
            if let Some(task) = self.next_task(tick) {
                self.run_task(task);
                continue;
            }
            if self.poll_io() {
                continue; // step 4: the woken tasks are in the local queue
            }
            if let Some(task) = self.search() {
                self.run_task(task);
                continue;
            }
            self.park();
        }
    }

    fn maintenance(&self) {
        self.fire_timers();
        self.take_inbox();
        let _ = self.poll_io();
        self.serve_stalled_peers();
    }

    /// Collects I/O events without blocking, if this worker has sources;
    /// true if there were any (their tasks are now queued).
    fn poll_io(&self) -> bool {
        let io = &self.remote().io;
        io.has_sources() && io.poll(&mut self.io_events.borrow_mut())
    }

    /// Serves the duties of every peer the monitor flagged stalled (module
    /// docs, "Serving a stalled peer"); true if that queued any task here.
    fn serve_stalled_peers(&self) -> bool {
        if !self.shared.monitor.any_stalled() {
            return false;
        }
        let mut any = false;
        for (peer, remote) in self.shared.remotes.iter().enumerate() {
            if peer == self.index || !remote.is_stalled() {
                continue;
            }
            any |= remote.io.poll(&mut self.io_events.borrow_mut());
            any |= matches!(self.fire_shard(peer, true), Fired::Some);
            if let Some(task) = remote.hot.lifo.take() {
                tracing::trace!(worker = self.index, peer, "took a stalled peer's LIFO task");
                self.count_steal(peer, 1);
                self.local.push(task);
                any = true;
            }
        }
        if any {
            self.notify_others_if_needed();
        }
        any
    }

    /// The earliest timer of the stalled peers, which a parking worker must
    /// wake for.
    fn stalled_peers_next_timer(&self) -> Option<Instant> {
        if !self.shared.monitor.any_stalled() {
            return None;
        }
        let clock = &self.shared.clock;
        self.shared
            .remotes
            .iter()
            .enumerate()
            .filter(|&(peer, remote)| peer != self.index && remote.is_stalled())
            .filter_map(|(_, remote)| remote.timers.next_deadline_locked())
            .min()
            .map(|tick| clock.instant_of(tick))
    }

    fn next_task(&self, tick: u32) -> Option<Notified> {
        if tick % GLOBAL_QUEUE_INTERVAL == 0 {
            if let Some(task) = self.shared.steal_from_injector(&self.local) {
                return Some(task);
            }
        }
        // Alternate which of the two local queues goes first, so neither
        // starves the other.
        if tick % 2 == 0 {
            if let Some(task) = self.local_only.borrow_mut().pop_front() {
                return Some(task);
            }
        }
        if let Some(task) = self.local.pop() {
            return Some(task);
        }
        if let Some(task) = self.local_only.borrow_mut().pop_front() {
            return Some(task);
        }
        self.shared.steal_from_injector(&self.local)
    }

    fn run_task(&self, mut task: Notified) {
        if self.searching.replace(false)
            && self.shared.idle.transition_worker_from_searching()
            && self.shared.has_visible_work(self.index)
        {
            // The last searcher found work and more is waiting: keep the
            // chain going by waking one more worker.
            self.shared.notify_parked();
        }
        let hot = &self.remote().hot;
        // One budget for the whole LIFO chain (tokio's rule): a task woken
        // by the one before runs next only while the chain has budget left
        // and for at most `MAX_LIFO_POLLS` in a row; otherwise it goes to
        // the back of the queue, behind the work that was waiting.
        crate::coop::with_budget(|| {
            let mut lifo_polls = 0;
            loop {
                self.poll(task);
                let Some(next) = hot.lifo.take() else { break };
                if lifo_polls >= MAX_LIFO_POLLS || !crate::coop::has_budget_remaining() {
                    self.local.push(next);
                    self.notify_others_if_needed();
                    break;
                }
                lifo_polls += 1;
                hot.stats.count_lifo_hit();
                task = next;
            }
        });
    }

    fn poll(&self, task: Notified) {
        let raw = task.raw();
        let hot = &self.remote().hot;
        let pulse = &hot.pulse;
        hot.stats.count_poll();
        pulse.enter_task(raw.header().id.as_u64());
        let previous = context::set_current_task(Some(raw));
        self.polling.set(true);
        let span = crate::task::poll_span(raw.header());
        let entered = span.enter();
        if self.shared.config.debug {
            self.poll_timed(task);
        } else {
            task.run();
        }
        drop(entered);
        self.polling.set(false);
        context::set_current_task(previous);
        pulse.leave_task();
    }

    /// Debug mode: time the poll and warn about slow ones (asyncio's
    /// `slow_callback_duration`).
    fn poll_timed(&self, task: Notified) {
        let header = task.header();
        let (id, location) = (header.id, header.meta.location);
        let name = header.meta.name();
        let start = Instant::now();
        task.run();
        let elapsed = start.elapsed();
        self.remote().counted.longest_poll.observe(elapsed);
        if elapsed >= self.shared.config.slow_poll_threshold {
            tracing::warn!(
                task.id = id.as_u64(),
                task.name = name.as_deref().unwrap_or(""),
                spawned_at = %location,
                ?elapsed,
                "slow poll: a task blocked its worker for {:?} (threshold {:?})",
                elapsed,
                self.shared.config.slow_poll_threshold,
            );
        }
    }

    fn search(&self) -> Option<Notified> {
        if !self.searching.get() {
            if !self.shared.idle.try_transition_to_searching() {
                return None;
            }
            self.searching.set(true);
        }
        if self.serve_stalled_peers() {
            if let Some(task) = self.local.pop() {
                return Some(task);
            }
        }
        let spin = self.spin.get();
        let mut spin_until = None;
        for round in 0u32.. {
            if round % ROUNDS_PER_CLOCK_READ == ROUNDS_PER_CLOCK_READ - 1 {
                let now = Instant::now();
                match spin_until {
                    None => spin_until = Some(now + spin),
                    Some(until) if now >= until => break,
                    Some(_) => {}
                }
            }
            if let Some(task) = self.steal_pass() {
                if spin_until.is_some() {
                    self.spin.paid();
                }
                return Some(task);
            }
            if self.shared.is_shutdown() {
                return None;
            }
            std::hint::spin_loop();
        }
        self.spin.wasted();
        self.steal_lifo_slots()
    }

    /// One pass over every place work can be taken from: a random peer
    /// first, then the others, the injector, the `spawn_local` inbox.
    fn steal_pass(&self) -> Option<Notified> {
        let remotes = &self.shared.remotes;
        let n = remotes.len();
        let start = self.next_random() as usize % n;
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.index {
                continue;
            }
            loop {
                let before = self.local.len();
                match remotes[victim].stealer.steal_batch_and_pop(&self.local) {
                    Steal::Success(task) => {
                        tracing::trace!(worker = self.index, victim, "steal");
                        let stolen = self.local.len().saturating_sub(before) + 1;
                        self.count_steal(victim, stolen as u64);
                        return Some(task);
                    }
                    Steal::Empty => break,
                    Steal::Retry => std::hint::spin_loop(),
                }
            }
        }
        if let Some(task) = self.shared.steal_from_injector(&self.local) {
            return Some(task);
        }
        if self.take_inbox() {
            return self.local_only.borrow_mut().pop_front();
        }
        None
    }

    /// The search's last pass (Go's `runnext` rule): a task still sitting
    /// in a peer's LIFO slot after this worker spun for [`SEARCH_SPIN`]
    /// waits for that peer's current poll to end, however long it is.
    /// Take it rather than park. The slot is one atomic swap, safe against
    /// the owner taking it at the same moment (`lifo.rs`).
    fn steal_lifo_slots(&self) -> Option<Notified> {
        let remotes = &self.shared.remotes;
        let n = remotes.len();
        let start = self.next_random() as usize % n;
        (0..n)
            .map(|i| (start + i) % n)
            .filter(|&victim| victim != self.index)
            .find_map(|victim| {
                let task = remotes[victim].hot.lifo.take()?;
                tracing::trace!(worker = self.index, victim, "took a peer's LIFO task");
                self.count_steal(victim, 1);
                Some(task)
            })
    }

    fn park(&self) {
        let own_next = match self.fire_timers() {
            Fired::Some => return,
            Fired::None { next } => next,
        };
        if self.take_inbox() || self.serve_stalled_peers() {
            return;
        }
        let timeout_at = match (own_next, self.stalled_peers_next_timer()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let idle = &self.shared.idle;
        let remote = self.remote();
        let pulse = &remote.hot.pulse;
        let was_searching = self.searching.replace(false);
        pulse.set_parked();
        let stay_up = idle.park_unless(self.index, was_searching, || {
            self.shared.is_shutdown() || self.shared.has_visible_work(self.index)
        });
        if let Some(searching) = stay_up {
            self.searching.set(searching);
            pulse.clear_parked(&self.shared.monitor);
            return;
        }

        let parked_at = Instant::now();
        let timeout = timeout_at.map(|at| at.saturating_duration_since(parked_at));
        let clock = &self.shared.clock;
        // `fire_timers` above refreshed the cached clock.
        remote.hot.stats.park(clock.since_origin(self.now.get()));
        tracing::trace!(worker = self.index, ?timeout, "park");
        let (mut own_io, mut peers_io) = (false, false);
        {
            let mut events = self.events.borrow_mut();
            match remote.poller.wait(&mut events, timeout) {
                Ok(_) => {
                    for event in events.iter() {
                        own_io |= event.key == OWN_IO_KEY;
                        peers_io |= event.key >= STALLED_KEY_BASE;
                    }
                }
                Err(error) => tracing::error!(worker = self.index, %error, "poller wait failed"),
            }
            events.clear();
        }
        let now = Instant::now();
        self.set_now(now);
        remote.hot.stats.unpark(clock.since_origin(now));
        if !own_io && !peers_io && timeout_at.is_none_or(|at| now < at) {
            // Neither I/O nor a timer: another thread woke this worker.
            self.spin.woken_after(now - parked_at);
        }
        // Off the sleepers list before dispatching: the tasks woken below
        // may need another worker, and must not pick this one, which is
        // awake already.
        self.searching.set(idle.unpark_worker_by_id(self.index));
        pulse.clear_parked(&self.shared.monitor);
        tracing::trace!(worker = self.index, "unpark");
        if own_io {
            remote.io.poll(&mut self.io_events.borrow_mut());
        }
        if peers_io {
            self.serve_stalled_peers();
        }
    }

    /// Fires this worker's due timers. Their tasks land in the local queue.
    fn fire_timers(&self) -> Fired {
        self.fire_shard(self.index, false)
    }

    /// Fires the due timers of `shard` (this worker's, or a stalled
    /// peer's, whose `next` hint this thread never wrote: `locked` reads
    /// it under the shard's lock).
    fn fire_shard(&self, shard: usize, locked: bool) -> Fired {
        let now = Instant::now();
        self.set_now(now);
        let timers = &self.shared.remotes[shard].timers;
        let clock = &self.shared.clock;
        let tick = clock.tick_at(now);
        let mut fired = self.fired.take();
        let next = timers.process(tick, &mut fired, locked);
        let any = !fired.is_empty();
        crate::contain::wake_all(fired.drain(..));
        self.fired.replace(fired);
        if any {
            Fired::Some
        } else {
            Fired::None {
                next: next.map(|tick| clock.instant_of(tick)),
            }
        }
    }

    /// Moves `spawn_local` tasks woken from other threads into the local
    /// queue; true if there were any.
    fn take_inbox(&self) -> bool {
        let inbox = self.shared.take_local_inbox(self.index);
        if inbox.is_empty() {
            return false;
        }
        self.local_only.borrow_mut().extend(inbox);
        true
    }

    /// Counts `tasks` taken from `victim`: this worker's steals, the
    /// victim's `stolen_from`.
    fn count_steal(&self, victim: usize, tasks: u64) {
        self.remote().hot.stats.count_steals(tasks);
        self.shared.remotes[victim]
            .counted
            .stolen_from
            .fetch_add(tasks, std::sync::atomic::Ordering::Relaxed);
    }

    #[inline]
    fn next_random(&self) -> u32 {
        // xorshift32: only spreads steal attempts, needs no quality.
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng.set(x);
        x
    }

    /// After the loop: cancel the local tasks this worker owns (their
    /// futures are `!Send` and must be dropped here), then let go of every
    /// queued reference.
    pub(crate) fn shutdown(&self) {
        for raw in self.shared.registry.drain(Some(self.index)) {
            // SAFETY: the drain handed us the registry's reference, and this
            // is the owning worker of these `spawn_local` tasks.
            unsafe { raw.shutdown() };
        }
        drop(self.remote().hot.lifo.take());
        while self.local.pop().is_some() {}
        self.local_only.borrow_mut().clear();
        self.shared.close_local_inbox(self.index);
    }
}

enum Fired {
    Some,
    None { next: Option<Instant> },
}

/// The body of a worker thread.
///
/// Task panics are caught where tasks are polled; this also contains the
/// rest — a panicking hook, or a foreign waker panicking while the loop
/// fires timers or I/O — so the worker keeps serving its queues, timers and
/// sources, and always takes part in shutdown.
pub(crate) fn run_worker(shared: Arc<Shared>, index: usize, local: Worker<Notified>) {
    if let Some(hook) = &shared.config.on_thread_start {
        contain(
            format_args!("worker {index}"),
            "on_thread_start hook",
            || hook(),
        );
    }
    let core = Core::new(index, shared.clone(), local);
    {
        let _enter = context::enter_worker(&core);
        tracing::trace!(worker = index, "worker started");
        while !contain(format_args!("worker {index}"), "event loop", || core.run()) {}
        contain(format_args!("worker {index}"), "shutdown", || {
            core.shutdown()
        });
    }
    if let Some(hook) = &shared.config.on_thread_stop {
        contain(
            format_args!("worker {index}"),
            "on_thread_stop hook",
            || hook(),
        );
    }
    shared.worker_exited(index);
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_spin_that_keeps_finding_nothing_shrinks_to_a_single_pass() {
        let spin = SpinBudget::new();
        assert_eq!(spin.get(), SEARCH_SPIN);
        let mut previous = spin.get();
        for _ in 0..8 {
            spin.wasted();
            assert!(spin.get() < previous || spin.get() == Duration::ZERO);
            previous = spin.get();
        }
        assert_eq!(spin.get(), Duration::ZERO);
    }

    #[test]
    fn a_spin_that_pays_grows_back_but_never_past_the_cap() {
        let spin = SpinBudget::new();
        for _ in 0..8 {
            spin.wasted();
        }
        // From zero, a paying spin still grows.
        spin.paid();
        assert!(spin.get() > Duration::ZERO);
        for _ in 0..8 {
            spin.paid();
        }
        assert_eq!(spin.get(), SEARCH_SPIN);
    }

    #[test]
    fn a_wake_up_a_full_spin_would_have_caught_restores_the_spin() {
        let spin = SpinBudget::new();
        for _ in 0..8 {
            spin.wasted();
        }
        // Woken after a long sleep: spinning would not have helped.
        spin.woken_after(SEARCH_SPIN * 4);
        assert_eq!(spin.get(), Duration::ZERO);
        // Woken soon after parking: it would have.
        spin.woken_after(SEARCH_SPIN / 2);
        assert_eq!(spin.get(), SEARCH_SPIN);
    }
}
