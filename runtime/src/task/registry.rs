//! The registry of live tasks: what `all_tasks()` lists and what shutdown
//! cancels.
//!
//! Each task is linked, from spawn until it completes, into one shard's
//! intrusive doubly-linked list (no allocation per task). The list owns one
//! reference to each task, so a task that nobody will ever wake still
//! exists until shutdown cancels it: asyncio's "Task was destroyed but it
//! is pending!" cannot happen silently.
//!
//! # Shutdown protocol
//! 1. [`Registry::close`] marks every shard closed; from then on
//!    [`Registry::insert`] refuses new tasks (the spawner cancels them at once).
//! 2. Each worker drains the `spawn_local` tasks it owns ([`Registry::drain`]
//!    with its index), dropping their `!Send` futures on their own thread.
//! 3. The thread shutting the runtime down drains the rest. Draining unlinks
//!    a task and hands the list's reference to the caller, who cancels the
//!    task with it.

use super::info::ID_BLOCK;
use super::raw::{Header, RawTask};
use super::TaskInfo;
use crate::loom::sync::Mutex;
use std::ptr::NonNull;

pub(crate) struct Registry {
    shards: Box<[ShardLock]>,
}

/// A shard's lock on cache lines of its own: workers spawning at once take
/// different shards' locks (see [`Registry::shard_for`]) without sharing a
/// line.
#[repr(align(128))]
struct ShardLock(Mutex<Shard>);

struct Shard {
    head: Option<NonNull<Header>>,
    closed: bool,
    /// Tasks listed now, and ever inserted (the metrics' `tasks_alive`
    /// and `tasks_spawned`: counted under the lock taken anyway).
    len: usize,
    inserted: u64,
}

// SAFETY: the raw pointers in a shard are only followed under its lock, and
// each points to a task kept alive by the reference the list owns.
unsafe impl Send for Shard {}

impl Registry {
    pub(crate) fn new(shards: usize) -> Registry {
        let shards = shards.max(1).next_power_of_two();
        Registry {
            shards: (0..shards)
                .map(|_| {
                    ShardLock(Mutex::new(Shard {
                        head: None,
                        closed: false,
                        len: 0,
                        inserted: 0,
                    }))
                })
                .collect(),
        }
    }

    /// The shard of the task with this id. Ids come to each thread in
    /// blocks ([`ID_BLOCK`]), and a block maps to one shard: a worker's
    /// consecutive spawns take the same lock and touch the same list head
    /// (warm in its cache), while other threads' blocks spread over the
    /// other shards. Derived, not stored: the header stays narrow.
    pub(crate) fn shard_for(&self, id: u64) -> usize {
        ((id / ID_BLOCK) as usize) & (self.shards.len() - 1)
    }

    fn shard_of(&self, header: &Header) -> &Mutex<Shard> {
        &self.shards[self.shard_for(header.id.as_u64())].0
    }

    /// Links a new task in; the list takes over one of its references.
    /// Returns false, leaving that reference with the caller, once the
    /// registry is closed.
    pub(crate) fn insert(&self, task: RawTask) -> bool {
        let header = task.header();
        let mut shard = self.shard_of(header).lock();
        if shard.closed {
            return false;
        }
        let old_head = shard.head;
        // SAFETY: links are only touched under this shard's lock.
        header.links.with_mut(|links| unsafe {
            (*links).prev = None;
            (*links).next = old_head;
        });
        if let Some(old) = old_head {
            // SAFETY: `old` is listed, hence alive; we hold the lock.
            unsafe { old.as_ref() }
                .links
                .with_mut(|links| unsafe { (*links).prev = Some(task.ptr()) });
        }
        shard.head = Some(task.ptr());
        shard.len += 1;
        shard.inserted += 1;
        true
    }

    /// Tasks listed now and tasks ever listed, summed over the shards (each
    /// shard is read under its lock; the sum is not one instant's).
    pub(crate) fn counts(&self) -> (usize, u64) {
        self.shards.iter().fold((0, 0), |(alive, spawned), shard| {
            let shard = shard.0.lock();
            (alive + shard.len, spawned + shard.inserted)
        })
    }

    /// Unlinks a completed task. Returns true if it was listed, in which case
    /// the caller now owns the list's reference.
    pub(crate) fn remove(&self, header: &Header) -> bool {
        let mut shard = self.shard_of(header).lock();
        // SAFETY: links are only touched under this shard's lock.
        unsafe { unlink(&mut shard, header) }
    }

    /// Closes every shard to new tasks.
    pub(crate) fn close(&self) {
        for shard in self.shards.iter() {
            shard.0.lock().closed = true;
        }
    }

    /// Unlinks every task owned by `owner` (`None`: the `Send` tasks) and
    /// returns them, each with the list's reference handed to the caller.
    pub(crate) fn drain(&self, owner: Option<usize>) -> Vec<RawTask> {
        let mut drained = Vec::new();
        for shard in self.shards.iter() {
            let mut shard = shard.0.lock();
            let mut cursor = shard.head;
            while let Some(ptr) = cursor {
                // SAFETY: listed tasks are alive and we hold the lock.
                let header = unsafe { ptr.as_ref() };
                // SAFETY: links are only touched under the shard lock we hold.
                cursor = header.links.with(|links| unsafe { (*links).next });
                if header.meta.owner() == owner {
                    // SAFETY: as above.
                    unsafe { unlink(&mut shard, header) };
                    // SAFETY: the list's reference, unlinked just now, is
                    // handed to the caller with the task.
                    drained.push(unsafe { RawTask::from_ptr(ptr) });
                }
            }
        }
        drained
    }

    /// Snapshots the listed task with this id, if it is still alive.
    pub(crate) fn find(&self, id: u64) -> Option<TaskInfo> {
        self.with_task(id, TaskInfo::from_header)
    }

    /// Calls `f` on the listed task with this id, if it is still alive
    /// (under its shard's lock: `f` must not reach the registry).
    pub(crate) fn with_task<R>(&self, id: u64, f: impl FnOnce(&Header) -> R) -> Option<R> {
        let shard = self.shards[self.shard_for(id)].0.lock();
        let mut cursor = shard.head;
        while let Some(ptr) = cursor {
            // SAFETY: listed tasks are alive and we hold the lock.
            let header = unsafe { ptr.as_ref() };
            if header.id.as_u64() == id {
                return Some(f(header));
            }
            // SAFETY: links are only touched under the shard lock we hold.
            cursor = header.links.with(|links| unsafe { (*links).next });
        }
        None
    }

    /// Snapshots every listed task.
    pub(crate) fn snapshot(&self) -> Vec<TaskInfo> {
        let mut infos = Vec::new();
        for shard in self.shards.iter() {
            let shard = shard.0.lock();
            let mut cursor = shard.head;
            while let Some(ptr) = cursor {
                // SAFETY: listed tasks are alive and we hold the lock.
                let header = unsafe { ptr.as_ref() };
                infos.push(TaskInfo::from_header(header));
                // SAFETY: links are only touched under the shard lock we hold.
                cursor = header.links.with(|links| unsafe { (*links).next });
            }
        }
        infos
    }
}

/// # Safety
/// The caller holds the lock of `header`'s shard, which is `shard`.
unsafe fn unlink(shard: &mut Shard, header: &Header) -> bool {
    // SAFETY: the caller holds the shard lock.
    let (prev, next) = header
        .links
        .with(|links| unsafe { ((*links).prev, (*links).next) });
    if prev.is_none() && shard.head != Some(NonNull::from(header)) {
        return false; // not listed (never was, or already unlinked)
    }
    match prev {
        // SAFETY: neighbours are listed, hence alive; we hold the lock.
        Some(prev) => unsafe { prev.as_ref() }
            .links
            .with_mut(|links| unsafe { (*links).next = next }),
        None => shard.head = next,
    }
    if let Some(next) = next {
        // SAFETY: as above.
        unsafe { next.as_ref() }
            .links
            .with_mut(|links| unsafe { (*links).prev = prev });
    }
    // SAFETY: as above.
    header.links.with_mut(|links| unsafe {
        *links = super::raw::Links::default();
    });
    shard.len -= 1;
    true
}
