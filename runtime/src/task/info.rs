//! Task identity and introspection: ids, names, spawn locations, poll
//! counts, done callbacks, and the [`TaskInfo`] snapshot built from them.

use super::raw::Header;
use super::state::{Ending, Snapshot};
use crate::loom::sync::atomic::AtomicPtr;
use crate::loom::sync::Mutex;
use std::fmt;
use std::num::NonZeroU64;
use std::panic::{self, AssertUnwindSafe, Location};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};
use std::sync::{Arc, OnceLock};
use std::task::Waker;
use std::time::{Duration, Instant};

/// A task's identifier, unique within the process.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(NonZeroU64);

/// Ids are handed out to each thread in blocks, so spawning from many
/// threads does not contend on one counter.
pub(crate) const ID_BLOCK: u64 = 1024;

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

pub(crate) type DoneCallback = Box<dyn FnOnce(&TaskInfo) + Send + 'static>;

#[derive(Default)]
struct Extras {
    name: Option<Arc<str>>,
    /// Done callbacks in registration order, each with the id that
    /// [`Meta::remove_done_callback`] takes.
    callbacks: Vec<(u64, DoneCallback)>,
    next_callback_id: u64,
    /// A graceful cancellation was requested (`cancel_with_grace`).
    /// Under the lock, so a `cancelled()` future that checks it either
    /// sees it or has its waker taken by the request.
    cancel_requested: bool,
    /// Wakers of `task::cancelled()` futures awaiting a cancellation
    /// request; each future owns its key and removes it when dropped.
    cancel_wakers: slab::Slab<Waker>,
}

/// Per-task metadata kept in the header (32 bytes: every field is as
/// narrow as its values need, since every spawn pays for the header; how
/// the task ended is in the state word, `state::Ending`).
pub(crate) struct Meta {
    pub(crate) location: &'static Location<'static>,
    /// When the task was spawned, in microseconds after [`epoch`].
    spawned_at: u64,
    /// Name, done callbacks, the graceful-cancel flag and `cancelled()`
    /// wakers: rare, so boxed on first use, keeping the header (and every
    /// spawn) small.
    extras: LazyExtras,
    /// The worker that owns a `spawn_local` task, or [`NO_OWNER`].
    owner: u32,
    /// Written only by the thread holding `RUNNING`; read racily (relaxed)
    /// for introspection. Saturates at `u32::MAX`.
    polls: AtomicU32,
}

/// `Meta::owner` of a task no worker owns.
const NO_OWNER: u32 = u32::MAX;

/// A task's [`Extras`], allocated on first use and freed with the task: one
/// pointer in the header, where a `Mutex<Option<Box<_>>>` takes two words.
///
/// # Invariant
/// The pointer goes from null to a leaked `Box` at most once (a
/// compare-exchange; the loser frees its own box) and is freed only by
/// `Drop`, so a reference obtained through `&self` stays valid for as long
/// as that borrow.
struct LazyExtras(AtomicPtr<Mutex<Extras>>);

// `AtomicPtr` is `Send + Sync` whatever it points to, so the header would
// stay shareable even if `Extras` stopped being sendable: check it here.
const _: fn() = || {
    fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<Mutex<Extras>>();
};

impl LazyExtras {
    fn new(extras: Option<Extras>) -> LazyExtras {
        let ptr = extras.map_or(std::ptr::null_mut(), |e| {
            Box::into_raw(Box::new(Mutex::new(e)))
        });
        LazyExtras(AtomicPtr::new(ptr))
    }

    /// The extras, if any were ever needed.
    #[inline]
    fn get(&self) -> Option<&Mutex<Extras>> {
        // SAFETY: the type's invariant: null, or a box that lives until
        // `Drop`, which cannot run while `self` is borrowed. Acquire pairs
        // with the publishing compare-exchange, so the box's contents are
        // initialised.
        unsafe { self.0.load(Acquire).as_ref() }
    }

    fn get_or_init(&self) -> &Mutex<Extras> {
        if let Some(extras) = self.get() {
            return extras;
        }
        let new = Box::into_raw(Box::new(Mutex::new(Extras::default())));
        match self
            .0
            .compare_exchange(std::ptr::null_mut(), new, AcqRel, Acquire)
        {
            // SAFETY: published just now; lives until `Drop` (invariant).
            Ok(_) => unsafe { &*new },
            Err(existing) => {
                // SAFETY: `new` lost the race and was never shared.
                drop(unsafe { Box::from_raw(new) });
                // SAFETY: the winner's box, published; lives until `Drop`.
                unsafe { &*existing }
            }
        }
    }
}

impl Drop for LazyExtras {
    fn drop(&mut self) {
        let ptr = self.0.load(Acquire);
        if !ptr.is_null() {
            // SAFETY: `&mut self`: no reference from `get` is alive, and the
            // box was leaked by `new` or `get_or_init` and is freed only here.
            drop(unsafe { Box::from_raw(ptr) });
        }
    }
}

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
    /// `spawned_at` is a stamp from [`spawn_stamp_of`] (or
    /// `context::spawn_stamp`).
    ///
    /// # Panics
    /// If `owner` does not fit in 32 bits (it is a worker index, below the
    /// worker limit).
    pub(crate) fn new(
        location: &'static Location<'static>,
        spawned_at: u64,
        name: Option<Arc<str>>,
        owner: Option<usize>,
    ) -> Meta {
        Meta {
            location,
            spawned_at,
            owner: owner.map_or(NO_OWNER, |w| {
                u32::try_from(w)
                    .ok()
                    .filter(|&w| w != NO_OWNER)
                    .expect("worker index fits in 32 bits")
            }),
            polls: AtomicU32::new(0),
            extras: LazyExtras::new(name.map(|name| Extras {
                name: Some(name),
                ..Extras::default()
            })),
        }
    }

    /// The worker that owns a `spawn_local` task.
    pub(crate) fn owner(&self) -> Option<usize> {
        (self.owner != NO_OWNER).then_some(self.owner as usize)
    }

    /// When the task was spawned.
    pub(crate) fn spawned_at(&self) -> Instant {
        epoch() + Duration::from_micros(self.spawned_at)
    }

    #[inline]
    pub(crate) fn count_poll(&self) {
        // Only the RUNNING thread writes: a load and a store, not an RMW.
        let polls = self.polls.load(Relaxed).saturating_add(1);
        self.polls.store(polls, Relaxed);
    }

    /// Records a graceful cancellation request and wakes `cancelled()`.
    /// Returns false if one was already recorded.
    pub(crate) fn request_cancel(&self) -> bool {
        let mut extras = self.extras.get_or_init().lock();
        if std::mem::replace(&mut extras.cancel_requested, true) {
            return false;
        }
        // Keys stay valid (no new registrations happen after the request),
        // so the futures can still remove theirs.
        let wakers: Vec<Waker> = extras
            .cancel_wakers
            .iter()
            .map(|(_, w)| w.clone())
            .collect();
        drop(extras);
        crate::contain::wake_all(wakers);
        true
    }

    pub(crate) fn is_cancel_requested(&self) -> bool {
        // No extras: nobody ever asked (a request allocates them).
        self.extras.get().is_some_and(|e| e.lock().cancel_requested)
    }

    /// Registers (or refreshes, under `key`) a `cancelled()` waker. `Err`
    /// if the request already happened.
    pub(crate) fn register_cancel_waker(
        &self,
        key: Option<usize>,
        waker: &Waker,
    ) -> Result<usize, ()> {
        let mut extras = self.extras.get_or_init().lock();
        if extras.cancel_requested {
            return Err(());
        }
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
            .get()
            .and_then(|e| e.lock().cancel_wakers.try_remove(key));
        drop(removed); // outside the lock
    }

    pub(crate) fn name(&self) -> Option<Arc<str>> {
        self.extras.get().and_then(|e| e.lock().name.clone())
    }

    pub(crate) fn set_name(&self, name: Option<Arc<str>>) {
        let old = match (self.extras.get(), name) {
            (None, None) => None,
            (Some(extras), name) => std::mem::replace(&mut extras.lock().name, name),
            (None, name) => std::mem::replace(&mut self.extras.get_or_init().lock().name, name),
        };
        drop(old); // outside the lock
    }

    /// Adds a done callback and returns its id; runs it at once (and
    /// returns `None`) if the task already finished.
    pub(crate) fn add_done_callback(&self, header: &Header, callback: DoneCallback) -> Option<u64> {
        let mut extras = self.extras.get_or_init().lock();
        match header.state.set_has_callbacks() {
            Ok(()) => {
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
        self.extras.get().map_or(0, |e| e.lock().callbacks.len())
    }

    /// Forgets a callback that has not run (a combinator that stopped
    /// waiting); a no-op if it already ran.
    pub(crate) fn remove_done_callback(&self, id: u64) {
        let removed = self.extras.get().and_then(|extras| {
            let mut extras = extras.lock();
            let index = extras.callbacks.iter().position(|(i, _)| *i == id)?;
            Some(extras.callbacks.remove(index))
        });
        drop(removed); // the closure's captures drop outside the lock
    }

    /// Called once by the completing thread when `HAS_CALLBACKS` was set.
    pub(crate) fn run_done_callbacks(&self, header: &Header) {
        let callbacks = self
            .extras
            .get()
            .map(|e| std::mem::take(&mut e.lock().callbacks))
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
        if let Some(ending) = snapshot.ending() {
            match ending {
                Ending::Panicked => TaskState::Panicked,
                Ending::Cancelled => TaskState::Cancelled,
                Ending::Output => TaskState::Completed,
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
            polls: u64::from(header.meta.polls.load(Relaxed)),
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

    /// How many times the task has been polled (counted up to `u32::MAX`,
    /// where it stays).
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
