//! [`State`]: everything a queue guards with its mutex, and every rule of
//! the protocol, written once for the three orders.
//!
//! The futures in `futures.rs` and the methods in `mod.rs` only lock,
//! call one method here, unlock, and then run the [`Wakeups`] and drop
//! whatever item a method handed back for dropping (so neither wakers nor
//! a user's `Drop` ever run under the lock).
//!
//! # Invariants
//! 1. **Getters wait only on an empty queue**: while a getter is linked,
//!    `items` is empty. A put therefore hands its item straight to the
//!    first linked getter (storing it first would hand the same item out:
//!    the queue was empty, so it is the next item in any order).
//! 2. **Putters wait only on a full queue**: while a putter is linked,
//!    `maxsize > 0` and `items.len() >= maxsize`. A get that frees a slot
//!    moves the first linked putter's item in at once, under the same
//!    lock, so a newcomer never takes a slot a waiter was queued for.
//! 3. `items.len() <= maxsize` (when bounded), except after a served
//!    getter was cancelled and gave its item back to a full queue; the
//!    excess only delays putters until gets bring it back under.
//! 4. A waiter's node is unlinked by whoever serves or releases it, and
//!    removed only by its owner (`WaitList` invariant 2). A served
//!    getter's node holds its item; an admitted putter's node holds `None`;
//!    a putter released by shutdown still holds its item.
//! 5. `unfinished` = items put − `task_done` calls − items dropped by an
//!    immediate shutdown. Joiners are linked only while `unfinished > 0`,
//!    and all are released when it reaches 0.
//! 6. Once `shut_down` is set no getter or putter is linked, and none is
//!    linked again: every later wait resolves at once.
//!
//! # Protocols
//! **Put** (`try_put`, `poll_put`):
//! 1. Shut down: fail, giving the item back.
//! 2. A getter is linked: unlink the first, store the item in its node,
//!    count the item unfinished, wake it.
//! 3. Full: fail (`put_nowait`) or link a putter node holding the item.
//! 4. Otherwise push the item and count it unfinished.
//!
//! **Get** (`try_get`, `poll_get`):
//! 1. An item is stored: pop it, then admit linked putters while the queue
//!    is not full (move each one's item in, count it, wake it).
//! 2. Empty and shut down: fail with `ShutDown`.
//! 3. Empty: fail (`get_nowait`) or link a getter node.
//!
//! **A getter's later polls**: linked → refresh the waker, stay pending;
//! unlinked with an item → remove the node, return the item; unlinked
//! without one (released by shutdown) → remove the node and run **Get**
//! again, which hands out what is left or fails with `ShutDown`.
//!
//! **Cancelling a getter** (`cancel_get`, the future's `Drop`):
//! 1. Remove its node. If it was not served, that is all.
//! 2. Served: the item was never seen by anyone, so give it back
//!    (`give_back`): after an immediate shutdown it counts as done and is
//!    dropped; else to the next linked getter (who would have been served
//!    next); else into the storage as the oldest item (`push_oldest`).
//!
//! **Cancelling a putter** (`cancel_put`): remove its node. If it still
//! holds its item, the item never went in and is dropped by the caller; no
//! slot was ever reserved for it, so nothing else changes. If it was
//! admitted, the put happened.
//!
//! **task_done / join**: `task_done` fails at `unfinished == 0`, else
//! decrements it and releases every joiner when it reaches 0. A joiner
//! resolves when `unfinished == 0` or once it has been released (even if
//! new items were put since, as asyncio's `join`).
//!
//! **Shutdown** (asyncio 3.13):
//! 1. Set `shut_down`. With `immediate`, also take every stored item (the
//!    caller drops them), count each as done, and release the joiners if
//!    `unfinished` reached 0.
//! 2. Release every linked getter and putter. Released getters rerun
//!    **Get**; released putters fail, giving their item back.

use super::error::{GetError, PutError, QueueShutDown, TaskDoneError};
use super::storage::Storage;
use super::wait_list::WaitList;
use super::wakeups::Wakeups;
use std::fmt;
use std::task::{Poll, Waker};

/// A waiting get, put or join.
#[derive(Debug)]
pub(super) struct Waiter<V> {
    /// `Some` while linked; taken by whoever releases the node.
    waker: Option<Waker>,
    /// Getter: `None`, then the item it was served. Putter: its item until
    /// it goes in. Joiner: `()`.
    slot: V,
}

impl<V> Waiter<V> {
    fn new(waker: &Waker, slot: V) -> Waiter<V> {
        Waiter {
            waker: Some(waker.clone()),
            slot,
        }
    }

    /// Stores `waker` unless the stored one already wakes the same task.
    fn refresh(&mut self, waker: &Waker, wakeups: &mut Wakeups) {
        if !self.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
            wakeups.discard(self.waker.replace(waker.clone()));
        }
    }
}

/// The queue's guarded state. See the module docs for its invariants.
pub(super) struct State<T, S> {
    items: S,
    /// 0 means unbounded.
    maxsize: usize,
    unfinished: usize,
    shut_down: bool,
    /// An immediate shutdown happened: items given back are dropped.
    drained: bool,
    getters: WaitList<Waiter<Option<T>>>,
    putters: WaitList<Waiter<Option<T>>>,
    joiners: WaitList<Waiter<()>>,
}

impl<T, S: Storage<T>> State<T, S> {
    pub(super) fn new(maxsize: usize) -> State<T, S> {
        State {
            items: S::default(),
            maxsize,
            unfinished: 0,
            shut_down: false,
            drained: false,
            getters: WaitList::new(),
            putters: WaitList::new(),
            joiners: WaitList::new(),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    pub(super) fn is_full(&self) -> bool {
        self.maxsize > 0 && self.items.len() >= self.maxsize
    }

    pub(super) fn is_shut_down(&self) -> bool {
        self.shut_down
    }

    /// **Put**, without waiting.
    pub(super) fn try_put(&mut self, item: T, wakeups: &mut Wakeups) -> Result<(), PutError<T>> {
        if self.shut_down {
            return Err(PutError::ShutDown(item));
        }
        if let Some(getter) = self.getters.pop_front() {
            debug_assert_eq!(self.items.len(), 0, "invariant 1");
            getter.slot = Some(item);
            wakeups.push(getter.waker.take());
        } else if self.is_full() {
            return Err(PutError::Full(item));
        } else {
            self.items.push(item);
        }
        self.unfinished += 1;
        Ok(())
    }

    /// **Get**, without waiting.
    pub(super) fn try_get(&mut self, wakeups: &mut Wakeups) -> Result<T, GetError> {
        match self.items.pop() {
            Some(item) => {
                self.admit_putters(wakeups);
                Ok(item)
            }
            None if self.shut_down => Err(GetError::ShutDown),
            None => Err(GetError::Empty),
        }
    }

    /// Moves waiting putters' items in while there is room (invariant 2).
    fn admit_putters(&mut self, wakeups: &mut Wakeups) {
        while !self.is_full() {
            let Some(putter) = self.putters.pop_front() else {
                return;
            };
            let item = putter.slot.take().expect("a linked putter holds its item");
            self.items.push(item);
            self.unfinished += 1;
            wakeups.push(putter.waker.take());
        }
    }

    /// One poll of a get; `key` is the future's node, if it has one.
    pub(super) fn poll_get(
        &mut self,
        key: &mut Option<usize>,
        waker: &Waker,
        wakeups: &mut Wakeups,
    ) -> Poll<Result<T, QueueShutDown>> {
        if let Some(k) = *key {
            if self.getters.is_linked(k) {
                self.getters.get_mut(k).refresh(waker, wakeups);
                return Poll::Pending;
            }
            *key = None;
            let node = self.getters.remove(k);
            wakeups.discard(node.waker);
            if let Some(item) = node.slot {
                return Poll::Ready(Ok(item));
            }
            debug_assert!(self.shut_down, "only shutdown releases an unserved getter");
        }
        match self.try_get(wakeups) {
            Ok(item) => Poll::Ready(Ok(item)),
            Err(GetError::Empty) => {
                *key = Some(self.getters.push_back(Waiter::new(waker, None)));
                Poll::Pending
            }
            Err(_) => Poll::Ready(Err(QueueShutDown(()))),
        }
    }

    /// A waiting get gives up (a blocking timeout ran out after a pending
    /// poll): still linked, it leaves with `Empty`; otherwise its last
    /// poll, which resolves, decides.
    pub(super) fn give_up_get(
        &mut self,
        key: &mut Option<usize>,
        wakeups: &mut Wakeups,
    ) -> Result<T, GetError> {
        let k = key.expect("only a waiting get gives up");
        if self.getters.is_linked(k) {
            *key = None;
            wakeups.discard(self.getters.remove(k).waker);
            return Err(GetError::Empty);
        }
        match self.poll_get(key, Waker::noop(), wakeups) {
            Poll::Ready(result) => result.map_err(GetError::from),
            Poll::Pending => unreachable!("a released getter resolves (invariant 6)"),
        }
    }

    /// A get future dropped with node `key`. Returns an item for the caller
    /// to drop after unlocking.
    #[must_use]
    pub(super) fn cancel_get(&mut self, key: usize, wakeups: &mut Wakeups) -> Option<T> {
        let node = self.getters.remove(key);
        wakeups.discard(node.waker);
        self.give_back(node.slot?, wakeups)
    }

    /// Returns an item a cancelled getter was served. Returns it back if it
    /// must be dropped (after an immediate shutdown).
    #[must_use]
    fn give_back(&mut self, item: T, wakeups: &mut Wakeups) -> Option<T> {
        if self.drained {
            self.mark_done(wakeups);
            return Some(item);
        }
        if let Some(getter) = self.getters.pop_front() {
            getter.slot = Some(item);
            wakeups.push(getter.waker.take());
        } else {
            self.items.push_oldest(item);
        }
        None
    }

    /// One poll of a put; `item` is the future's item until it is moved
    /// into the queue or a node.
    pub(super) fn poll_put(
        &mut self,
        key: &mut Option<usize>,
        item: &mut Option<T>,
        waker: &Waker,
        wakeups: &mut Wakeups,
    ) -> Poll<Result<(), QueueShutDown<T>>> {
        if let Some(k) = *key {
            if self.putters.is_linked(k) {
                self.putters.get_mut(k).refresh(waker, wakeups);
                return Poll::Pending;
            }
            *key = None;
            let node = self.putters.remove(k);
            wakeups.discard(node.waker);
            return Poll::Ready(match node.slot {
                None => Ok(()),
                Some(item) => Err(QueueShutDown(item)),
            });
        }
        let Some(value) = item.take() else {
            panic!("a queue's put future was polled after it completed");
        };
        match self.try_put(value, wakeups) {
            Ok(()) => Poll::Ready(Ok(())),
            Err(PutError::Full(value)) => {
                *key = Some(self.putters.push_back(Waiter::new(waker, Some(value))));
                Poll::Pending
            }
            Err(PutError::ShutDown(value) | PutError::WouldDeadlock(value)) => {
                Poll::Ready(Err(QueueShutDown(value)))
            }
        }
    }

    /// A waiting put gives up (a blocking timeout ran out after a pending
    /// poll): still linked, it leaves with its item and `Full`; otherwise
    /// it was admitted (`Ok`) or released by shutdown (`ShutDown`).
    pub(super) fn give_up_put(
        &mut self,
        key: &mut Option<usize>,
        wakeups: &mut Wakeups,
    ) -> Result<(), PutError<T>> {
        let k = key.take().expect("only a waiting put gives up");
        let linked = self.putters.is_linked(k);
        let node = self.putters.remove(k);
        wakeups.discard(node.waker);
        match node.slot {
            None => Ok(()),
            Some(item) if linked => Err(PutError::Full(item)),
            Some(item) => Err(PutError::ShutDown(item)),
        }
    }

    /// A put future dropped with node `key`. Returns its item if it never
    /// went in, for the caller to drop after unlocking.
    #[must_use]
    pub(super) fn cancel_put(&mut self, key: usize, wakeups: &mut Wakeups) -> Option<T> {
        let node = self.putters.remove(key);
        wakeups.discard(node.waker);
        node.slot
    }

    /// asyncio's `task_done`.
    pub(super) fn task_done(&mut self, wakeups: &mut Wakeups) -> Result<(), TaskDoneError> {
        if self.unfinished == 0 {
            return Err(TaskDoneError);
        }
        self.mark_done(wakeups);
        Ok(())
    }

    fn mark_done(&mut self, wakeups: &mut Wakeups) {
        self.unfinished -= 1;
        if self.unfinished == 0 {
            self.joiners
                .release_all(|joiner| wakeups.push(joiner.waker.take()));
        }
    }

    /// One poll of a join.
    pub(super) fn poll_join(
        &mut self,
        key: &mut Option<usize>,
        waker: &Waker,
        wakeups: &mut Wakeups,
    ) -> Poll<()> {
        if let Some(k) = *key {
            if self.joiners.is_linked(k) {
                self.joiners.get_mut(k).refresh(waker, wakeups);
                return Poll::Pending;
            }
            *key = None;
            wakeups.discard(self.joiners.remove(k).waker);
            return Poll::Ready(());
        }
        if self.unfinished == 0 {
            return Poll::Ready(());
        }
        *key = Some(self.joiners.push_back(Waiter::new(waker, ())));
        Poll::Pending
    }

    /// A join future dropped with node `key`.
    pub(super) fn cancel_join(&mut self, key: usize, wakeups: &mut Wakeups) {
        wakeups.discard(self.joiners.remove(key).waker);
    }

    /// **Shutdown**. With `immediate`, returns the stored items for the
    /// caller to drop after unlocking.
    #[must_use]
    pub(super) fn shutdown(&mut self, immediate: bool, wakeups: &mut Wakeups) -> Option<S> {
        self.shut_down = true;
        let drained = immediate.then(|| {
            self.drained = true;
            let items = std::mem::take(&mut self.items);
            for _ in 0..items.len().min(self.unfinished) {
                self.mark_done(wakeups);
            }
            items
        });
        self.getters
            .release_all(|getter| wakeups.push(getter.waker.take()));
        self.putters
            .release_all(|putter| wakeups.push(putter.waker.take()));
        debug_assert!(self.getters.is_empty() && self.putters.is_empty());
        drained
    }
}

impl<T, S: Storage<T>> fmt::Debug for State<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("qsize", &self.items.len())
            .field("maxsize", &self.maxsize)
            .field("unfinished", &self.unfinished)
            .field("shut_down", &self.shut_down)
            .field("getters", &self.getters.len())
            .field("putters", &self.putters.len())
            .field("joiners", &self.joiners.len())
            .finish()
    }
}
