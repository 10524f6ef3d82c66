//! Task identity and introspection: ids, names, spawn locations, poll
//! counts, done callbacks, and the [`TaskInfo`] snapshot built from them.

use super::error::TaskError;
use super::raw::Header;
use super::state::Snapshot;
use crate::loom::sync::Mutex;
use std::fmt;
use std::num::NonZeroU64;
use std::panic::{self, AssertUnwindSafe, Location};
use std::sync::atomic::AtomicBool;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};
use std::task::Waker;
use std::time::{Duration, Instant};

/// A task's identifier, unique within the process.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(NonZeroU64);

/// Ids are handed out to each thread in blocks, so spawning from many
/// threads does not contend on one counter.
const ID_BLOCK: u64 = 1024;

impl TaskId {
    pub(crate) fn next() -> TaskId {
        static NEXT_BLOCK: AtomicU64 = AtomicU64::new(1);
        thread_local! {
            static RANGE: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
        }
        RANGE.with(|range| {
            let (mut next, mut end) = range.get();
            if next == end {
                next = NEXT_BLOCK.fetch_add(ID_BLOCK, Relaxed);
                end = next + ID_BLOCK;
            }
            range.set((next + 1, end));
            TaskId(NonZeroU64::new(next).expect("task ids start at 1"))
        })
    }

    /// The id as a number.
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskId({})", self.0)
    }
}

/// Where a task is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// Queued to run.
    Scheduled,
    /// Being polled right now.
    Running,
    /// Waiting for a wake-up (asyncio's "pending").
    Waiting,
    /// Finished with an output.
    Completed,
    /// Finished because it was cancelled.
    Cancelled,
    /// Finished because it panicked.
    Panicked,
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaskState::Scheduled => "scheduled",
            TaskState::Running => "running",
            TaskState::Waiting => "waiting",
            TaskState::Completed => "completed",
            TaskState::Cancelled => "cancelled",
            TaskState::Panicked => "panicked",
        })
    }
}

const OUTCOME_NONE: u8 = 0;
const OUTCOME_OK: u8 = 1;
const OUTCOME_CANCELLED: u8 = 2;
const OUTCOME_PANICKED: u8 = 3;

pub(crate) type DoneCallback = Box<dyn FnOnce(&TaskInfo) + Send + 'static>;

#[derive(Default)]
struct Extras {
    name: Option<Arc<str>>,
    /// Done callbacks in registration order, each with the id that
    /// [`Meta::remove_done_callback`] takes.
    callbacks: Vec<(u64, DoneCallback)>,
    next_callback_id: u64,
    /// Wakers of `task::cancelled()` futures awaiting a cancellation
    /// request; each future owns its key and removes it when dropped.
    cancel_wakers: slab::Slab<Waker>,
}

/// Per-task metadata kept in the header (56 bytes: every field is as
/// narrow as its values need, since every spawn pays for the header).
pub(crate) struct Meta {
    pub(crate) location: &'static Location<'static>,
    /// When the task was spawned, in microseconds after [`epoch`].
    spawned_at: u64,
    /// The registry shard the task is listed in.
    shard: u32,
    /// The worker that owns a `spawn_local` task, or [`NO_OWNER`].
    owner: u32,
    /// Written only by the thread holding `RUNNING`; read racily (relaxed)
    /// for introspection.
    polls: AtomicU64,
    /// How the task finished.
    ///
    /// # Invariant
    /// Written before `COMPLETE` is set; read only after `COMPLETE` was
    /// observed, whose Acquire orders the read.
    outcome: AtomicU8,
    /// A graceful cancellation was requested (`cancel_with_grace`).
    ///
    /// # Invariant
    /// Set under the `extras` lock, so a `cancelled()` future that checks it
    /// under the lock either sees it or has its waker taken by the setter.
    cancel_requested: AtomicBool,
    /// Names, done callbacks and `cancelled()` wakers: rare, so boxed on
    /// first use, keeping the header (and every spawn) small.
    extras: Mutex<Option<Box<Extras>>>,
}

/// `Meta::owner` of a task no worker owns.
const NO_OWNER: u32 = u32::MAX;

/// The instant spawn times count from (process-wide, set on first use).
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// A spawn stamp: microseconds from [`epoch`] to `at` (0 before it). Workers
/// cache the stamp of their coarse clock (`context::spawn_stamp`), so a
/// spawn does not pay for the conversion.
pub(crate) fn spawn_stamp_of(at: Instant) -> u64 {
    let since = at.saturating_duration_since(epoch());
    // u64 arithmetic (no u128): 584,000 years of microseconds.
    since.as_secs() * 1_000_000 + u64::from(since.subsec_micros())
}

impl Meta {
    /// # Panics
    /// If `shard` or `owner` do not fit in 32 bits (they are indexes below
    /// the worker limit).
    /// `spawned_at` is a stamp from [`spawn_stamp_of`] (or
    /// `context::spawn_stamp`).
    pub(crate) fn new(
        location: &'static Location<'static>,
        spawned_at: u64,
        name: Option<Arc<str>>,
        shard: usize,
        owner: Option<usize>,
    ) -> Meta {
        let narrow = |n: usize| u32::try_from(n).ok().filter(|&n| n != NO_OWNER);
        Meta {
            location,
            spawned_at,
            shard: narrow(shard).expect("registry shard index fits in 32 bits"),
            owner: owner.map_or(NO_OWNER, |w| {
                narrow(w).expect("worker index fits in 32 bits")
            }),
            polls: AtomicU64::new(0),
            outcome: AtomicU8::new(OUTCOME_NONE),
            cancel_requested: AtomicBool::new(false),
            extras: Mutex::new(name.map(|name| {
                Box::new(Extras {
                    name: Some(name),
                    ..Extras::default()
                })
            })),
        }
    }

    /// The registry shard the task is listed in.
    #[inline]
    pub(crate) fn shard(&self) -> usize {
        self.shard as usize
    }

    /// The worker that owns a `spawn_local` task.
    pub(crate) fn owner(&self) -> Option<usize> {
        (self.owner != NO_OWNER).then_some(self.owner as usize)
    }

    /// When the task was spawned.
    pub(crate) fn spawned_at(&self) -> Instant {
        epoch() + Duration::from_micros(self.spawned_at)
    }

    pub(crate) fn count_poll(&self) {
        // Only the RUNNING thread writes: a load and a store, not an RMW.
        self.polls.store(self.polls.load(Relaxed) + 1, Relaxed);
    }

    pub(crate) fn set_outcome<T>(&self, output: &Result<T, TaskError>) {
        let outcome = match output {
            Ok(_) => OUTCOME_OK,
            Err(TaskError::Panicked(_)) => OUTCOME_PANICKED,
            Err(_) => OUTCOME_CANCELLED,
        };
        self.outcome.store(outcome, Relaxed);
    }

    /// Records a graceful cancellation request and wakes `cancelled()`.
    /// Returns false if one was already recorded.
    pub(crate) fn request_cancel(&self) -> bool {
        let extras = self.extras.lock();
        if self.cancel_requested.swap(true, Relaxed) {
            return false;
        }
        // Keys stay valid (no new registrations happen after the request),
        // so the futures can still remove theirs.
        let wakers: Vec<Waker> = extras
            .iter()
            .flat_map(|e| e.cancel_wakers.iter().map(|(_, w)| w.clone()))
            .collect();
        drop(extras);
        crate::contain::wake_all(wakers);
        true
    }

    pub(crate) fn is_cancel_requested(&self) -> bool {
        self.cancel_requested.load(Relaxed)
    }

    /// Registers (or refreshes, under `key`) a `cancelled()` waker. `Err`
    /// if the request already happened.
    pub(crate) fn register_cancel_waker(
        &self,
        key: Option<usize>,
        waker: &Waker,
    ) -> Result<usize, ()> {
        if self.cancel_requested.load(Relaxed) {
            return Err(());
        }
        let mut extras = self.extras.lock();
        if self.cancel_requested.load(Relaxed) {
            return Err(());
        }
        let extras = extras.get_or_insert_with(Box::default);
        match key.and_then(|k| extras.cancel_wakers.get_mut(k).map(|w| (k, w))) {
            Some((key, existing)) => {
                if !existing.will_wake(waker) {
                    *existing = waker.clone();
                }
                Ok(key)
            }
            None => Ok(extras.cancel_wakers.insert(waker.clone())),
        }
    }

    pub(crate) fn remove_cancel_waker(&self, key: usize) {
        let removed = self
            .extras
            .lock()
            .as_mut()
            .and_then(|e| e.cancel_wakers.try_remove(key));
        drop(removed); // outside the lock
    }

    pub(crate) fn name(&self) -> Option<Arc<str>> {
        self.extras.lock().as_ref().and_then(|e| e.name.clone())
    }

    pub(crate) fn set_name(&self, name: Option<Arc<str>>) {
        let mut extras = self.extras.lock();
        match (extras.as_mut(), name) {
            (Some(extras), name) => extras.name = name,
            (None, None) => {}
            (None, Some(name)) => {
                *extras = Some(Box::new(Extras {
                    name: Some(name),
                    ..Extras::default()
                }))
            }
        }
    }

    /// Adds a done callback and returns its id; runs it at once (and
    /// returns `None`) if the task already finished.
    pub(crate) fn add_done_callback(&self, header: &Header, callback: DoneCallback) -> Option<u64> {
        let mut extras = self.extras.lock();
        match header.state.set_has_callbacks() {
            Ok(()) => {
                let extras = extras.get_or_insert_with(Box::default);
                let id = extras.next_callback_id;
                extras.next_callback_id += 1;
                extras.callbacks.push((id, callback));
                Some(id)
            }
            Err(_) => {
                drop(extras);
                let info = TaskInfo::from_header(header);
                let _ = panic::catch_unwind(AssertUnwindSafe(|| callback(&info)));
                None
            }
        }
    }

    /// Callbacks registered and not yet run.
    #[cfg(all(test, not(runtime_loom)))]
    pub(crate) fn pending_callbacks(&self) -> usize {
        self.extras.lock().as_ref().map_or(0, |e| e.callbacks.len())
    }

    /// Forgets a callback that has not run (a combinator that stopped
    /// waiting); a no-op if it already ran.
    pub(crate) fn remove_done_callback(&self, id: u64) {
        let mut extras = self.extras.lock();
        let removed = extras.as_mut().and_then(|extras| {
            let index = extras.callbacks.iter().position(|(i, _)| *i == id)?;
            Some(extras.callbacks.remove(index))
        });
        drop(extras);
        drop(removed); // the closure's captures drop outside the lock
    }

    /// Called once by the completing thread when `HAS_CALLBACKS` was set.
    pub(crate) fn run_done_callbacks(&self, header: &Header) {
        let callbacks = self
            .extras
            .lock()
            .as_mut()
            .map(|e| std::mem::take(&mut e.callbacks))
            .unwrap_or_default();
        if callbacks.is_empty() {
            return;
        }
        let info = TaskInfo::from_header(header);
        for (_, callback) in callbacks {
            // A panicking callback must not stop the others, nor the worker.
            let _ = panic::catch_unwind(AssertUnwindSafe(|| callback(&info)));
        }
    }

    fn state(&self, snapshot: Snapshot) -> TaskState {
        if snapshot.is_complete() {
            match self.outcome.load(Relaxed) {
                OUTCOME_PANICKED => TaskState::Panicked,
                OUTCOME_CANCELLED => TaskState::Cancelled,
                _ => TaskState::Completed,
            }
        } else if snapshot.is_running() {
            TaskState::Running
        } else if snapshot.is_notified() {
            TaskState::Scheduled
        } else {
            TaskState::Waiting
        }
    }
}

/// A snapshot of a task, for introspection and debugging: what asyncio
/// shows in `repr(task)`.
#[derive(Clone, Debug)]
pub struct TaskInfo {
    id: TaskId,
    name: Option<Arc<str>>,
    state: TaskState,
    location: &'static Location<'static>,
    age: Duration,
    polls: u64,
}

impl TaskInfo {
    pub(crate) fn from_header(header: &Header) -> TaskInfo {
        let snapshot = header.state.load();
        TaskInfo {
            id: header.id,
            name: header.meta.name(),
            state: header.meta.state(snapshot),
            location: header.meta.location,
            age: header.meta.spawned_at().elapsed(),
            polls: header.meta.polls.load(Relaxed),
        }
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The task's name, if it was given one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Where the task was when the snapshot was taken.
    pub fn state(&self) -> TaskState {
        self.state
    }

    /// The source location of the `spawn` call that created the task.
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }

    /// How long ago the task was spawned (measured with the worker's cached
    /// clock, so it may read a little low).
    pub fn age(&self) -> Duration {
        self.age
    }

    /// How many times the task has been polled.
    pub fn polls(&self) -> u64 {
        self.polls
    }
}

impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        write!(
            f,
            " [{}] spawned at {} {:.1?} ago, {} polls",
            self.state, self.location, self.age, self.polls
        )
    }
}
