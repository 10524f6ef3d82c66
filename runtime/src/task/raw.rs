//! The task allocation: one heap block holding the header, the scheduler
//! handle, and the future (later its output), reached through a vtable so
//! that queues, wakers and handles are not generic.
//!
//! # Layout
//! `Cell<F, S>` is `#[repr(C)]` with the [`Header`] first, so a
//! `NonNull<Header>` is the task's type-erased pointer and the vtable's
//! functions cast it back to the concrete `Cell<F, S>`.
//!
//! # Polling protocol
//! 1. A worker pops a [`Notified`] (one reference) and calls [`Notified::run`].
//! 2. `transition_to_running` takes `RUNNING` (or finds the task cancelled,
//!    or already taken by shutdown, and acts on that instead).
//! 3. The future is polled inside `catch_unwind`: a panic becomes
//!    `TaskError::Panicked` and the worker carries on.
//! 4. `Pending`: `transition_to_idle` drops the reference, or, if the task was
//!    woken during the poll, hands it to a new `Notified` that is yielded
//!    to the back of the queue. `Ready`/panic/cancel: the output is stored,
//!    then `complete` leaves the registry, runs done callbacks, wakes the
//!    joiner and drops the references it owns.
//!
//! # Waking
//! A [`Waker`] is the header pointer plus a reference. Waking sets
//! `NOTIFIED`; only the wake that finds the task idle queues it, so a task
//! is in at most one queue at a time and a burst of wake-ups costs one
//! queue push.

use super::error::TaskError;
use super::state::{Ending, Snapshot, State, ToIdle, ToNotified, ToRunning};
use super::{Meta, Schedule, TaskId};
use crate::loom::cell::UnsafeCell;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

/// The part of every task that is the same whatever its future.
#[repr(C)]
pub(crate) struct Header {
    pub(crate) state: State,
    pub(crate) vtable: &'static Vtable,
    /// Links in the registry's intrusive list.
    ///
    /// # Invariant
    /// Read and written only while holding the lock of the task's registry
    /// shard (`Registry::shard_of`, fixed by the id).
    pub(crate) links: UnsafeCell<Links>,
    /// The waker of whoever awaits the `Task<T>` handle.
    ///
    /// # Invariant
    /// Owned by the handle while `JOIN_WAKER` is clear, by the completing
    /// thread while `JOIN_WAKER` and `COMPLETE` are both set (`state.rs`).
    pub(crate) join_waker: UnsafeCell<Option<Waker>>,
    pub(crate) id: TaskId,
    pub(crate) meta: Meta,
}

/// Intrusive doubly-linked list links for the registry. A task is listed
/// if it has a `prev` or is its shard's head (no flag: 16 bytes).
#[derive(Debug, Default)]
pub(crate) struct Links {
    pub(crate) prev: Option<NonNull<Header>>,
    pub(crate) next: Option<NonNull<Header>>,
}

/// The type-erased operations on a task. Each is an `unsafe fn` of the
/// task's header pointer, whose contract is written at its field; every
/// contract includes "the pointer is a live task of this vtable's `F`/`S`".
pub(crate) struct Vtable {
    /// Polls (or cancels) the task. The caller hands over a queued
    /// `Notified`'s reference, and may poll the future on this thread.
    poll: unsafe fn(NonNull<Header>),
    /// Hands the task to its scheduler. The caller hands over a reference
    /// created for a `Notified`.
    schedule: unsafe fn(NonNull<Header>),
    /// Frees the task. The caller held the last reference.
    dealloc: unsafe fn(NonNull<Header>),
    /// Moves the output to `dst` if complete, else stores the join waker.
    /// The caller owns the `Task<T>` handle and `dst` points to a
    /// `Poll<Result<T, TaskError>>` of the future's output type.
    try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// The handle is being dropped. Called once, with the handle's
    /// reference, which it consumes.
    drop_join_handle: unsafe fn(NonNull<Header>),
    /// Cancels the task, dropping its future here if nobody runs it. The
    /// caller hands over a reference that is not a queued `Notified`'s and
    /// may drop the future on this thread.
    shutdown: unsafe fn(NonNull<Header>),
    /// The runtime the task belongs to. The caller holds a reference.
    runtime: unsafe fn(NonNull<Header>) -> Option<crate::Handle>,
}

#[repr(C)]
struct Cell<F: Future, S> {
    header: Header,
    scheduler: S,
    /// # Invariant
    /// Accessed by the holder of `RUNNING`, or after `COMPLETE` by the
    /// `Task<T>` handle (see `state.rs`, invariant 2).
    stage: UnsafeCell<Stage<F>>,
}

enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, TaskError>),
    Consumed,
}

/// An untyped pointer to a task. Copying it does not count a reference:
/// the owner of each copy says which reference it stands for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

// SAFETY: a `RawTask` is a pointer to a task whose shared parts are
// synchronised by the state word; what may touch the `!Sync` parts (the
// stage, the join waker) is decided by the protocol in `state.rs`, and
// `!Send` futures (spawn_local) are only ever polled or dropped on their
// owning worker, which the local scheduler enforces.
unsafe impl Send for RawTask {}
// SAFETY: as above.
unsafe impl Sync for RawTask {}

impl RawTask {
    pub(crate) fn new<F, S>(future: F, scheduler: S, id: TaskId, meta: Meta, owned: bool) -> RawTask
    where
        F: Future + 'static,
        S: Schedule,
    {
        let cell = super::cells::allocate(Cell {
            header: Header {
                state: State::new(owned),
                vtable: vtable::<F, S>(),
                links: UnsafeCell::new(Links::default()),
                join_waker: UnsafeCell::new(None),
                id,
                meta,
            },
            scheduler,
            stage: UnsafeCell::new(Stage::Running(future)),
        });
        RawTask { ptr: cell.cast() }
    }

    /// # Safety
    /// `ptr` points to the header of a task made by [`RawTask::new`], and
    /// the caller holds (or is handed) one of its references, which keeps
    /// it alive for as long as the result (and its copies) are used: the
    /// `# Invariant` of [`RawTask`] that makes [`header`](Self::header) sound.
    pub(crate) unsafe fn from_ptr(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    pub(crate) fn ptr(self) -> NonNull<Header> {
        self.ptr
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: the type's invariant: a `RawTask` in use stands for a
        // live reference (`new`, or `from_ptr`'s contract), which keeps the
        // allocation alive at least as long as this borrow of it.
        unsafe { self.ptr.as_ref() }
    }

    pub(crate) fn state(&self) -> Snapshot {
        self.header().state.load()
    }

    /// # Safety
    /// The caller owns the `Task<T>` handle and `dst` points to a
    /// `Poll<Result<T, TaskError>>` whose `T` is the future's output type.
    pub(crate) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.header().vtable.try_read_output)(self.ptr, dst, waker) }
    }

    /// # Safety
    /// Called once, by the `Task<T>` handle as it is dropped.
    pub(crate) unsafe fn drop_join_handle(self) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.header().vtable.drop_join_handle)(self.ptr) }
    }

    /// Cancels the task, dropping its future on this thread if nobody is
    /// running it. Consumes one reference.
    ///
    /// # Safety
    /// The caller owns a reference that is not a queued `Notified`'s, and
    /// may drop the future on this thread (it is `Send`, or this is its
    /// owning worker).
    pub(crate) unsafe fn shutdown(self) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.header().vtable.shutdown)(self.ptr) }
    }

    /// Requests cancellation. Returns false if the task had already finished.
    pub(crate) fn cancel(self) -> bool {
        let (unfinished, action) = self.header().state.transition_to_cancel_requested();
        if action == ToNotified::Submit {
            // SAFETY: the transition created a reference for the `Notified`.
            unsafe { (self.header().vtable.schedule)(self.ptr) };
        }
        unfinished
    }

    /// The runtime the task belongs to (`None` for blocking jobs).
    pub(crate) fn runtime(self) -> Option<crate::Handle> {
        // SAFETY: the caller's reference keeps the task alive.
        unsafe { (self.header().vtable.runtime)(self.ptr) }
    }

    /// Drops one reference.
    ///
    /// # Safety
    /// The caller owns a reference to the task and gives it up here: after
    /// the call neither this `RawTask` nor a copy of it may be used on the
    /// strength of that reference.
    pub(crate) unsafe fn drop_reference(self) {
        if self.header().state.ref_dec() {
            // SAFETY: that was the last reference.
            unsafe { (self.header().vtable.dealloc)(self.ptr) }
        }
    }
}

/// A task that is due to run, owning one reference.
#[derive(Debug)]
pub(crate) struct Notified(RawTask);

impl Notified {
    /// # Safety
    /// The caller transfers a reference created for a queued `Notified`.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Notified {
        Notified(raw)
    }

    pub(crate) fn header(&self) -> &Header {
        self.0.header()
    }

    pub(crate) fn raw(&self) -> RawTask {
        self.0
    }

    /// Gives up the `Notified` without dropping its reference, which the
    /// caller now carries (to rebuild it with [`from_raw`](Self::from_raw)).
    pub(crate) fn into_raw(self) -> RawTask {
        ManuallyDrop::new(self).0
    }

    /// Polls the task (or cancels it), consuming the reference.
    pub(crate) fn run(self) {
        let raw = ManuallyDrop::new(self).0;
        // SAFETY: our reference is handed to the poll routine.
        unsafe { (raw.header().vtable.poll)(raw.ptr) }
    }

    /// Cancels the task without polling it (shutdown), consuming the reference.
    ///
    /// # Safety
    /// The task's future may be dropped on this thread: it is `Send`, or
    /// this is the worker that owns the `spawn_local` task.
    pub(crate) unsafe fn shutdown(self) {
        let raw = ManuallyDrop::new(self).0;
        // SAFETY: our reference is handed over, and the caller promises the
        // future may be dropped here.
        unsafe { raw.shutdown() }
    }
}

impl Drop for Notified {
    fn drop(&mut self) {
        // SAFETY: a `Notified` owns one reference, given up with it.
        unsafe { self.0.drop_reference() };
    }
}

fn vtable<F: Future + 'static, S: Schedule>() -> &'static Vtable {
    &Vtable {
        poll: poll::<F, S>,
        schedule: schedule::<F, S>,
        dealloc: dealloc::<F, S>,
        try_read_output: try_read_output::<F, S>,
        drop_join_handle: drop_join_handle::<F, S>,
        shutdown: shutdown::<F, S>,
        runtime: runtime::<F, S>,
    }
}

/// # Safety
/// `ptr` points to a live `Cell<F, S>`.
unsafe fn cell<'a, F: Future, S>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
    // SAFETY: the header is the first field of the `#[repr(C)]` cell.
    unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
}

/// # Safety
/// The contract of [`Vtable::poll`].
unsafe fn poll<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller's `Notified` reference keeps the cell alive.
    let cell = unsafe { cell::<F, S>(ptr) };
    match cell.header.state.transition_to_running() {
        ToRunning::Poll => {}
        ToRunning::Cancel => {
            let ending = cell.cancel_future();
            // SAFETY: we hold RUNNING and the reference the poll (or shutdown) runs on.
            unsafe { complete::<F, S>(ptr, ending) };
            return;
        }
        ToRunning::Failed => return,
        ToRunning::Dealloc => {
            // SAFETY: the transition dropped the last reference.
            unsafe { dealloc::<F, S>(ptr) };
            return;
        }
    }
    cell.header.meta.count_poll();

    // The waker borrows our reference: no count traffic per poll.
    // SAFETY: the data pointer is the header and the vtable is ours.
    let waker = ManuallyDrop::new(unsafe { Waker::from_raw(raw_waker(ptr)) });
    let mut cx = Context::from_waker(&waker);
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        cell.stage.with_mut(|stage| {
            // SAFETY: we hold RUNNING, so the stage is ours, and the future
            // is never moved out of the heap cell while it is `Running`.
            match unsafe { &mut *stage } {
                // SAFETY: the future lives in the heap cell and is dropped in
                // place; it never moves while `Running`.
                Stage::Running(future) => unsafe { Pin::new_unchecked(future) }.poll(&mut cx),
                _ => unreachable!("a task was polled after it completed"),
            }
        })
    }));

    match result {
        Ok(Poll::Pending) => match cell.header.state.transition_to_idle() {
            ToIdle::Ok => {}
            ToIdle::Notified => {
                // SAFETY: the transition moved our reference to this `Notified`.
                cell.scheduler
                    .yield_now(unsafe { Notified::from_raw(RawTask::from_ptr(ptr)) });
            }
            // SAFETY: the transition dropped the last reference.
            ToIdle::Dealloc => unsafe { dealloc::<F, S>(ptr) },
            ToIdle::Cancelled => {
                let ending = cell.cancel_future();
                // SAFETY: we hold RUNNING and the reference the poll (or shutdown) runs on.
                unsafe { complete::<F, S>(ptr, ending) };
            }
        },
        Ok(Poll::Ready(output)) => {
            let ending = cell.store_output(Ok(output));
            // SAFETY: we hold RUNNING and the reference the poll (or shutdown) runs on.
            unsafe { complete::<F, S>(ptr, ending) };
        }
        Err(payload) => {
            let ending = cell.store_output(Err(TaskError::panicked(payload)));
            // SAFETY: we hold RUNNING and the reference the poll (or shutdown) runs on.
            unsafe { complete::<F, S>(ptr, ending) };
        }
    }
}

/// # Safety
/// The contract of [`Vtable::schedule`].
unsafe fn schedule<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller hands over a reference created for a `Notified`.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: as above.
    cell.scheduler
        .schedule(unsafe { Notified::from_raw(RawTask::from_ptr(ptr)) });
}

/// # Safety
/// The contract of [`Vtable::dealloc`].
unsafe fn dealloc<F: Future, S>(ptr: NonNull<Header>) {
    let cell = ptr.cast::<Cell<F, S>>();
    // Frees the memory even if dropping what the cell holds panics.
    struct Free<F: Future, S>(NonNull<Cell<F, S>>);
    impl<F: Future, S> Drop for Free<F, S> {
        fn drop(&mut self) {
            // SAFETY: made by `cells::allocate` in `RawTask::new`; its
            // value has been dropped in place just before, and nothing can
            // reach it any more (see below).
            unsafe { super::cells::free(self.0) };
        }
    }
    let _free = Free(cell);
    // SAFETY: the last reference is gone, so nothing else can reach the
    // cell, whose value is dropped here once.
    unsafe { std::ptr::drop_in_place(cell.as_ptr()) };
}

/// # Safety
/// The contract of [`Vtable::try_read_output`].
unsafe fn try_read_output<F: Future + 'static, S: Schedule>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: the handle's reference keeps the cell alive.
    let cell = unsafe { cell::<F, S>(ptr) };
    if cell.can_read_output(waker) {
        let output = cell.stage.with_mut(|stage| {
            // SAFETY: COMPLETE is set and we are the handle: the stage is ours.
            match std::mem::replace(unsafe { &mut *stage }, Stage::Consumed) {
                Stage::Finished(output) => output,
                _ => panic!("a Task was polled again after it returned its output"),
            }
        });
        let dst = dst.cast::<Poll<Result<F::Output, TaskError>>>();
        // SAFETY: the caller promises `dst` has this type.
        unsafe { *dst = Poll::Ready(output) };
    }
}

/// # Safety
/// The contract of [`Vtable::drop_join_handle`].
unsafe fn drop_join_handle<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the handle's reference keeps the cell alive.
    let cell = unsafe { cell::<F, S>(ptr) };
    let (before, after) = cell.header.state.transition_to_join_handle_dropped();
    if before.is_complete() {
        // The output is ours to drop: nobody else will read it.
        cell.report_unretrieved_panic();
        let _ = panic::catch_unwind(AssertUnwindSafe(|| cell.set_stage(Stage::Consumed)));
    }
    if !after.is_join_waker_set() {
        // SAFETY: with JOIN_WAKER clear the handle owns the waker field.
        cell.header.join_waker.with_mut(|w| unsafe { *w = None });
    }
    // SAFETY: the handle's reference, given up as the handle goes.
    unsafe { RawTask::from_ptr(ptr).drop_reference() };
}

/// # Safety
/// The contract of [`Vtable::runtime`].
unsafe fn runtime<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) -> Option<crate::Handle> {
    // SAFETY: the caller's reference keeps the cell alive.
    unsafe { cell::<F, S>(ptr) }.scheduler.runtime()
}

/// # Safety
/// The contract of [`Vtable::shutdown`].
unsafe fn shutdown<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller's reference keeps the cell alive.
    let cell = unsafe { cell::<F, S>(ptr) };
    if cell.header.state.transition_to_shutdown() {
        // RUNNING is ours and the caller's reference plays the poller's.
        let ending = cell.cancel_future();
        // SAFETY: we hold RUNNING and the reference the poll (or shutdown) runs on.
        unsafe { complete::<F, S>(ptr, ending) };
    } else {
        // Running elsewhere (it will see CANCELLED) or already complete.
        // SAFETY: the caller's reference, which shutdown consumes.
        unsafe { RawTask::from_ptr(ptr).drop_reference() };
    }
}

impl<F: Future + 'static, S: Schedule> Cell<F, S> {
    fn set_stage(&self, stage: Stage<F>) {
        // SAFETY: callers hold RUNNING, or own the completed stage.
        self.stage.with_mut(|s| unsafe { *s = stage });
    }

    /// Drops the future, then stores the output; returns how the task
    /// ended, for `complete`.
    fn store_output(&self, output: Result<F::Output, TaskError>) -> Ending {
        let output = match panic::catch_unwind(AssertUnwindSafe(|| self.set_stage(Stage::Consumed)))
        {
            Ok(()) => output,
            Err(payload) => Err(TaskError::panicked(payload)),
        };
        let ending = match &output {
            Ok(_) => Ending::Output,
            Err(TaskError::Panicked(_)) => Ending::Panicked,
            Err(_) => Ending::Cancelled,
        };
        self.set_stage(Stage::Finished(output));
        ending
    }

    /// A panic whose output is dropped unread goes to the scheduler's
    /// `UnhandledPanic` policy (asyncio's "Task exception was never
    /// retrieved").
    ///
    /// Called only by whoever owns the completed stage.
    fn report_unretrieved_panic(&self) {
        self.stage.with(|stage| {
            // SAFETY: the caller owns the completed stage.
            if let Stage::Finished(Err(TaskError::Panicked(payload))) = unsafe { &*stage } {
                self.scheduler.unhandled_panic(&self.header, payload);
            }
        });
    }

    fn cancel_future(&self) -> Ending {
        self.store_output(Err(TaskError::Cancelled))
    }

    /// Returns true if the output is ready; otherwise makes sure `waker` is
    /// woken when it is (tokio's join-waker protocol, `state.rs` rule 3).
    fn can_read_output(&self, waker: &Waker) -> bool {
        let snapshot = self.header.state.load();
        if snapshot.is_complete() {
            return true;
        }
        let result = if !snapshot.is_join_waker_set() {
            self.set_join_waker(waker)
        } else {
            // SAFETY: JOIN_WAKER set and not COMPLETE: the field is only read
            // by the completing thread, and only after it sets COMPLETE, so a
            // shared read here cannot race a write.
            let same = self.header.join_waker.with(|w| match unsafe { &*w } {
                Some(existing) => existing.will_wake(waker),
                None => false,
            });
            if same {
                return false;
            }
            self.header
                .state
                .unset_join_waker()
                .and_then(|_| self.set_join_waker(waker))
        };
        match result {
            Ok(_) => false,
            Err(snapshot) => {
                debug_assert!(snapshot.is_complete());
                true
            }
        }
    }

    fn set_join_waker(&self, waker: &Waker) -> Result<Snapshot, Snapshot> {
        // SAFETY: JOIN_WAKER is clear, so the handle owns the field.
        self.header
            .join_waker
            .with_mut(|w| unsafe { *w = Some(waker.clone()) });
        let result = self.header.state.set_join_waker();
        if result.is_err() {
            // Completed meanwhile; the field is still ours.
            // SAFETY: JOIN_WAKER is still clear.
            self.header.join_waker.with_mut(|w| unsafe { *w = None });
        }
        result
    }
}

/// Publishes completion: wakes the joiner, runs done callbacks, leaves the
/// registry and drops the poller's reference (plus the registry's).
///
/// Takes the task's original pointer, not `&self`: the cell may be freed
/// here, and a pointer derived from a field reference would not cover the
/// whole allocation (nor may a function argument's reference outlive it).
///
/// `ending` is what `store_output` returned.
///
/// # Safety
/// The caller holds `RUNNING` (the output is stored) and one reference.
unsafe fn complete<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>, ending: Ending) {
    let released = {
        // SAFETY: the caller's reference keeps the cell alive until the
        // terminal transition below.
        let cell = unsafe { cell::<F, S>(ptr) };
        let snapshot = cell.header.state.transition_to_complete(ending);
        // Leave the registry first: whoever the join waker wakes must not
        // find the finished task still listed by `all_tasks`.
        let released = cell.scheduler.release(&cell.header);
        // Done callbacks run before the joiner is woken, as asyncio runs the
        // callbacks registered before the awaiter's own wake-up.
        if snapshot.has_callbacks() {
            cell.header.meta.run_done_callbacks(&cell.header);
        }
        let _ = panic::catch_unwind(AssertUnwindSafe(|| {
            if !snapshot.is_join_interested() {
                // Nobody will read the output: drop it now.
                cell.report_unretrieved_panic();
                cell.set_stage(Stage::Consumed);
            } else if snapshot.is_join_waker_set() {
                // SAFETY: JOIN_WAKER and COMPLETE are set: the field is ours.
                cell.header.join_waker.with(|w| match unsafe { &*w } {
                    Some(waker) => waker.wake_by_ref(),
                    None => unreachable!("JOIN_WAKER set without a waker"),
                });
                if !cell
                    .header
                    .state
                    .unset_waker_after_complete()
                    .is_join_interested()
                {
                    // The handle went away meanwhile: the waker is ours to drop.
                    // SAFETY: COMPLETE set and JOIN_INTEREST clear.
                    cell.header.join_waker.with_mut(|w| unsafe { *w = None });
                }
            }
        }));
        released
    };
    let refs = 1 + usize::from(released);
    // SAFETY: the cell is alive until this transition says otherwise.
    if unsafe { ptr.as_ref() }.state.transition_to_terminal(refs) {
        // SAFETY: those were the last references; `ptr` has the
        // allocation's provenance.
        unsafe { dealloc::<F, S>(ptr) };
    }
}

// ---- Wakers ----------------------------------------------------------------

static WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(waker_clone, waker_wake, waker_wake_by_ref, waker_drop);

fn raw_waker(ptr: NonNull<Header>) -> RawWaker {
    RawWaker::new(ptr.as_ptr() as *const (), &WAKER_VTABLE)
}

/// The task a waker's data pointer stands for.
///
/// # Safety
/// `data` comes from one of this task's wakers, whose reference keeps the
/// task alive while it is used.
unsafe fn waker_task(data: *const ()) -> RawTask {
    let ptr = NonNull::new(data as *mut Header).expect("null task waker");
    // SAFETY: forwarded from the caller: the waker holds a reference.
    unsafe { RawTask::from_ptr(ptr) }
}

/// # Safety
/// `data` comes from a live waker of a task (its reference keeps the task alive).
unsafe fn waker_clone(data: *const ()) -> RawWaker {
    // SAFETY: called through a live waker of this task.
    let raw = unsafe { waker_task(data) };
    raw.header().state.ref_inc();
    raw_waker(raw.ptr)
}

/// # Safety
/// `data` comes from a waker of a task, whose reference this consumes.
unsafe fn waker_wake(data: *const ()) {
    // SAFETY: called through a live waker of this task.
    let raw = unsafe { waker_task(data) };
    let header = raw.header();
    match header.state.transition_to_notified_by_val() {
        // SAFETY: the waker's reference now belongs to the `Notified`.
        ToNotified::Submit => unsafe { (header.vtable.schedule)(raw.ptr) },
        ToNotified::DoNothing => {}
        // SAFETY: the waker held the last reference.
        ToNotified::Dealloc => unsafe { (header.vtable.dealloc)(raw.ptr) },
    }
}

/// # Safety
/// `data` comes from a live waker of a task.
unsafe fn waker_wake_by_ref(data: *const ()) {
    // SAFETY: called through a live waker of this task.
    let raw = unsafe { waker_task(data) };
    let header = raw.header();
    if header.state.transition_to_notified_by_ref() == ToNotified::Submit {
        // SAFETY: the transition created a reference for the `Notified`.
        unsafe { (header.vtable.schedule)(raw.ptr) }
    }
}

/// # Safety
/// `data` comes from a waker of a task, whose reference this consumes.
unsafe fn waker_drop(data: *const ()) {
    // SAFETY: the waker's reference, given up as the waker is dropped.
    unsafe { waker_task(data).drop_reference() };
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use std::mem::size_of;

    /// Every spawn pays for the header, and a million pending tasks for
    /// every byte of it (the `memory_per_task` bench row): a field added
    /// here should be a decision, not an accident.
    #[test]
    fn the_header_stays_at_88_bytes() {
        assert_eq!(size_of::<Links>(), 16);
        assert_eq!(size_of::<Meta>(), 32);
        assert_eq!(size_of::<Header>(), 88);
    }

    /// A task whose future holds one pointer (the `spawn_many_*` rows) fits
    /// a 120-byte request: glibc's fast bins (chunks up to 128 bytes),
    /// which a burst of frees from another thread goes through without the
    /// arena's sorting paths.
    #[test]
    fn a_small_task_fits_glibc_fast_bins() {
        fn cell_size<F: Future>(_: &F) -> usize {
            size_of::<Cell<F, std::sync::Arc<crate::scheduler::Shared>>>()
        }
        let counter = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let future = async move {
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        };
        assert_eq!(cell_size(&future), 120);
    }
}
