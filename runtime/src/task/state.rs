//! The task's atomic state word: lifecycle bits plus a reference count.
//!
//! # Vocabulary
//!
//! | bit | set when | cleared when | excludes |
//! |---|---|---|---|
//! | `RUNNING` | a thread takes the future to poll or cancel it | the poll returns `Pending` (idle) or the task completes | a second poller; any access to the stage by others |
//! | `COMPLETE` | the future is gone and the output (or error) is stored | never | `RUNNING` (it is cleared in the same step) |
//! | `NOTIFIED` | a wake-up was recorded: a `Notified` reference is queued, or the task was woken while `RUNNING` | the task is taken off a queue to run | a second queued `Notified` |
//! | `CANCELLED` | cancellation was requested | never | — |
//! | `JOIN_INTEREST` | the `Task<T>` handle exists | the handle is dropped | — |
//! | `JOIN_WAKER` | the handle installed a waker in the header | the handle replaces it, or completion has woken it | — |
//! | `HAS_CALLBACKS` | a done callback was added before completion | never | being set once `COMPLETE` is |
//! | `ENDED_PANICKED`, `ENDED_CANCELLED` | with `COMPLETE`, in the same step, by how the task ended ([`Ending`]; neither: an output) | never | — |
//!
//! The upper bits count references: one for the `Task<T>` handle, one for
//! the registry of live tasks, one for each queued `Notified`, one for each
//! `Waker`. The last reference to go frees the allocation.
//!
//! # Invariants
//! 1. At most one `Notified` reference is queued at a time: it is created only
//!    by the transition that sets `NOTIFIED` on an idle task.
//! 2. Only the holder of `RUNNING` touches the stage (future / output) before
//!    `COMPLETE`; after `COMPLETE`, only the `Task<T>` handle does, or the
//!    completing thread if `JOIN_INTEREST` is already clear.
//! 3. The join waker field belongs to the `Task<T>` handle while `JOIN_WAKER`
//!    is clear, and to the completing thread while both `JOIN_WAKER` and
//!    `COMPLETE` are set (tokio's protocol).
//!
//! Every read-modify-write here is `AcqRel`: each transition both publishes
//! the writes made under the previous state (the stage, the join waker) and
//! acquires those of whoever set it.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use std::fmt;

const RUNNING: usize = 1 << 0;
const COMPLETE: usize = 1 << 1;
const NOTIFIED: usize = 1 << 2;
const CANCELLED: usize = 1 << 3;
const JOIN_INTEREST: usize = 1 << 4;
const JOIN_WAKER: usize = 1 << 5;
const HAS_CALLBACKS: usize = 1 << 6;
const ENDED_PANICKED: usize = 1 << 7;
const ENDED_CANCELLED: usize = 1 << 8;
const LIFECYCLE_MASK: usize = RUNNING | COMPLETE;
const REF_SHIFT: u32 = 9;

/// How a completed task ended, recorded in the state word with `COMPLETE`
/// (so the header needs no field for it, and it is visible exactly when
/// `COMPLETE` is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// The future returned its output.
    Output,
    /// The task was cancelled before it finished.
    Cancelled,
    /// The future (or its drop) panicked.
    Panicked,
}

impl Ending {
    fn bits(self) -> usize {
        match self {
            Ending::Output => 0,
            Ending::Cancelled => ENDED_CANCELLED,
            Ending::Panicked => ENDED_PANICKED,
        }
    }
}
const REF_ONE: usize = 1 << REF_SHIFT;

/// A fresh task is queued once (`NOTIFIED`) and has three references: its
/// `Task<T>` handle, the registry of live tasks and that first `Notified`.
const INITIAL_STATE: usize = (3 * REF_ONE) | JOIN_INTEREST | NOTIFIED;

/// A fresh task without a registry entry (a blocking job): two references.
const INITIAL_STATE_UNOWNED: usize = (2 * REF_ONE) | JOIN_INTEREST | NOTIFIED;

pub(crate) struct State {
    val: AtomicUsize,
}

/// A copy of the state word.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

/// What the poller must do after trying to take the task.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToRunning {
    /// `RUNNING` is ours: poll the future.
    Poll,
    /// `RUNNING` is ours and cancellation was requested: drop the future.
    Cancel,
    /// Someone else owns the task or it is complete: our reference is gone.
    Failed,
    /// As `Failed`, and ours was the last reference: free the task.
    Dealloc,
}

/// What the poller must do after a poll returned `Pending`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToIdle {
    /// Nothing: our reference is dropped and someone else holds one.
    Ok,
    /// The task was woken while it ran: our reference now belongs to a new
    /// `Notified` that must be queued.
    Notified,
    /// Our reference was the last one: free the task.
    Dealloc,
    /// Cancellation was requested while it ran: `RUNNING` is still ours,
    /// cancel the task.
    Cancelled,
}

/// What a waker must do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToNotified {
    /// Queue the new `Notified` reference that the transition created.
    Submit,
    /// Nothing to queue.
    DoNothing,
    /// Nothing to queue, and the waker's reference was the last: free it.
    Dealloc,
}

impl State {
    pub(crate) fn new(owned: bool) -> State {
        let init = if owned {
            INITIAL_STATE
        } else {
            INITIAL_STATE_UNOWNED
        };
        State {
            val: AtomicUsize::new(init),
        }
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.val.load(Acquire))
    }

    /// Runs `f` in a compare-and-swap loop. `f` returns the action and the
    /// new state, or `None` for the new state to leave the word unchanged.
    fn fetch_update_action<T>(&self, mut f: impl FnMut(Snapshot) -> (T, Option<Snapshot>)) -> T {
        let mut curr = self.load();
        loop {
            let (output, next) = f(curr);
            let Some(next) = next else { return output };
            match self.val.compare_exchange(curr.0, next.0, AcqRel, Acquire) {
                Ok(_) => return output,
                Err(actual) => curr = Snapshot(actual),
            }
        }
    }

    /// Called with a `Notified` reference taken off a queue.
    pub(crate) fn transition_to_running(&self) -> ToRunning {
        self.fetch_update_action(|mut s| {
            debug_assert!(s.is_notified() || s.is_cancelled());
            if !s.is_idle() {
                // Shutdown took the task while this reference sat in a queue,
                // or the task already finished: just drop the reference.
                s.ref_dec();
                let action = if s.ref_count() == 0 {
                    ToRunning::Dealloc
                } else {
                    ToRunning::Failed
                };
                return (action, Some(s));
            }
            s.0 |= RUNNING;
            s.0 &= !NOTIFIED;
            let action = if s.is_cancelled() {
                ToRunning::Cancel
            } else {
                ToRunning::Poll
            };
            (action, Some(s))
        })
    }

    /// Called by the poller, which holds `RUNNING` and one reference, after
    /// the future returned `Pending`.
    pub(crate) fn transition_to_idle(&self) -> ToIdle {
        self.fetch_update_action(|mut s| {
            debug_assert!(s.is_running());
            if s.is_cancelled() {
                return (ToIdle::Cancelled, None);
            }
            s.0 &= !RUNNING;
            if s.is_notified() {
                // Woken during the poll: the poller's reference is handed to
                // the new `Notified`, so the count does not change.
                return (ToIdle::Notified, Some(s));
            }
            s.ref_dec();
            let action = if s.ref_count() == 0 {
                ToIdle::Dealloc
            } else {
                ToIdle::Ok
            };
            (action, Some(s))
        })
    }

    /// Called by the holder of `RUNNING` once the output is stored.
    pub(crate) fn transition_to_complete(&self, ending: Ending) -> Snapshot {
        let flip = RUNNING | COMPLETE | ending.bits();
        let prev = Snapshot(self.val.fetch_xor(flip, AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete());
        debug_assert_eq!(prev.0 & (ENDED_PANICKED | ENDED_CANCELLED), 0);
        Snapshot(prev.0 ^ flip)
    }

    /// Drops `count` references after completion; true if they were the last.
    pub(crate) fn transition_to_terminal(&self, count: usize) -> bool {
        let prev = Snapshot(self.val.fetch_sub(count * REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= count, "task reference count underflow");
        prev.ref_count() == count
    }

    /// A waker that owns a reference wakes the task (consuming it).
    pub(crate) fn transition_to_notified_by_val(&self) -> ToNotified {
        self.fetch_update_action(|mut s| {
            if s.is_running() {
                // The poller sees NOTIFIED when the poll ends and requeues.
                s.0 |= NOTIFIED;
                s.ref_dec();
                debug_assert!(s.ref_count() > 0, "the poller holds a reference");
                (ToNotified::DoNothing, Some(s))
            } else if s.is_complete() || s.is_notified() {
                s.ref_dec();
                let action = if s.ref_count() == 0 {
                    ToNotified::Dealloc
                } else {
                    ToNotified::DoNothing
                };
                (action, Some(s))
            } else {
                // The waker's reference moves to the new `Notified`.
                s.0 |= NOTIFIED;
                (ToNotified::Submit, Some(s))
            }
        })
    }

    /// A borrowed waker wakes the task.
    pub(crate) fn transition_to_notified_by_ref(&self) -> ToNotified {
        self.fetch_update_action(|mut s| {
            if s.is_complete() || s.is_notified() {
                (ToNotified::DoNothing, None)
            } else if s.is_running() {
                s.0 |= NOTIFIED;
                (ToNotified::DoNothing, Some(s))
            } else {
                s.0 |= NOTIFIED;
                s.ref_inc();
                (ToNotified::Submit, Some(s))
            }
        })
    }

    /// `Task::cancel`. Returns whether the task was still unfinished, and
    /// whether a new `Notified` (with its reference) must be queued so that a
    /// worker drops the future on the thread that owns it.
    pub(crate) fn transition_to_cancel_requested(&self) -> (bool, ToNotified) {
        self.fetch_update_action(|mut s| {
            if s.is_complete() {
                return ((false, ToNotified::DoNothing), None);
            }
            if s.is_cancelled() {
                return ((true, ToNotified::DoNothing), None);
            }
            s.0 |= CANCELLED;
            if s.is_running() || s.is_notified() {
                // The poller or the queued reference will see CANCELLED.
                return ((true, ToNotified::DoNothing), Some(s));
            }
            s.0 |= NOTIFIED;
            s.ref_inc();
            ((true, ToNotified::Submit), Some(s))
        })
    }

    /// Shutdown: marks the task cancelled and, if nobody is running it,
    /// takes `RUNNING` so the caller can drop the future. Returns true if
    /// the caller now holds `RUNNING`.
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.fetch_update_action(|mut s| {
            let idle = s.is_idle();
            if idle {
                s.0 |= RUNNING;
            }
            s.0 |= CANCELLED;
            (idle, Some(s))
        })
    }

    /// The handle installs its waker (written beforehand). Fails, returning
    /// the state, if the task completed in the meantime.
    pub(crate) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update_action(|mut s| {
            debug_assert!(s.is_join_interested() && !s.is_join_waker_set());
            if s.is_complete() {
                return (Err(s), None);
            }
            s.0 |= JOIN_WAKER;
            (Ok(s), Some(s))
        })
    }

    /// The handle takes its waker back to replace it. Fails if the task
    /// completed in the meantime (the completing thread may be waking it).
    pub(crate) fn unset_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update_action(|mut s| {
            debug_assert!(s.is_join_interested() && s.is_join_waker_set());
            if s.is_complete() {
                return (Err(s), None);
            }
            s.0 &= !JOIN_WAKER;
            (Ok(s), Some(s))
        })
    }

    /// The completing thread is done with the join waker.
    pub(crate) fn unset_waker_after_complete(&self) -> Snapshot {
        let prev = Snapshot(self.val.fetch_and(!JOIN_WAKER, AcqRel));
        debug_assert!(prev.is_complete() && prev.is_join_waker_set());
        Snapshot(prev.0 & !JOIN_WAKER)
    }

    /// The handle is dropped. Returns (before, after).
    pub(crate) fn transition_to_join_handle_dropped(&self) -> (Snapshot, Snapshot) {
        self.fetch_update_action(|s| {
            debug_assert!(s.is_join_interested());
            let mut next = s;
            next.0 &= !JOIN_INTEREST;
            if !s.is_complete() {
                // The waker field becomes ours to drop; the task will not
                // touch it since JOIN_INTEREST is gone.
                next.0 &= !JOIN_WAKER;
            }
            ((s, next), Some(next))
        })
    }

    /// Records that done callbacks exist, unless the task already completed
    /// (then the caller runs its callback itself). Because completion and
    /// this bit meet in one word, a callback is never both missed by the
    /// completing thread and kept by the adder.
    pub(crate) fn set_has_callbacks(&self) -> Result<(), Snapshot> {
        self.fetch_update_action(|mut s| {
            if s.is_complete() {
                return (Err(s), None);
            }
            s.0 |= HAS_CALLBACKS;
            (Ok(()), Some(s))
        })
    }

    pub(crate) fn ref_inc(&self) {
        let prev = self.val.fetch_add(REF_ONE, Relaxed);
        // Like `Arc`: a count this large can only come from leaked wakers;
        // wrapping would free a live task.
        if prev > isize::MAX as usize {
            std::process::abort();
        }
    }

    /// Returns true if this was the last reference.
    pub(crate) fn ref_dec(&self) -> bool {
        let prev = Snapshot(self.val.fetch_sub(REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= 1, "task reference count underflow");
        prev.ref_count() == 1
    }
}

impl Snapshot {
    pub(crate) fn is_idle(self) -> bool {
        self.0 & LIFECYCLE_MASK == 0
    }
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    /// How the task ended, once it is complete.
    pub(crate) fn ending(self) -> Option<Ending> {
        if !self.is_complete() {
            None
        } else if self.0 & ENDED_PANICKED != 0 {
            Some(Ending::Panicked)
        } else if self.0 & ENDED_CANCELLED != 0 {
            Some(Ending::Cancelled)
        } else {
            Some(Ending::Output)
        }
    }

    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn has_callbacks(self) -> bool {
        self.0 & HAS_CALLBACKS != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
    fn ref_inc(&mut self) {
        self.0 += REF_ONE;
    }
    fn ref_dec(&mut self) {
        debug_assert!(self.ref_count() > 0);
        self.0 -= REF_ONE;
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("cancelled", &self.is_cancelled())
            .field("join_interested", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("ending", &self.ending())
            .field("refs", &self.ref_count())
            .finish()
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;

    #[test]
    fn the_ending_is_set_with_complete_and_leaves_the_count_alone() {
        for ending in [Ending::Output, Ending::Cancelled, Ending::Panicked] {
            let s = State::new(true);
            assert_eq!(s.transition_to_running(), ToRunning::Poll);
            assert_eq!(s.load().ending(), None);
            let before = s.load().ref_count();
            let done = s.transition_to_complete(ending);
            assert_eq!(done.ending(), Some(ending));
            assert_eq!(s.load().ending(), Some(ending));
            assert_eq!(s.load().ref_count(), before);
            assert!(!s.load().is_running());
        }
    }

    #[test]
    fn fresh_task_runs_then_idles_then_completes() {
        let s = State::new(true);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert!(s.load().is_running() && !s.load().is_notified());
        assert_eq!(s.transition_to_idle(), ToIdle::Ok);
        assert_eq!(s.load().ref_count(), 2);
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::Submit);
        assert_eq!(s.load().ref_count(), 3);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        let done = s.transition_to_complete(Ending::Output);
        assert!(done.is_complete() && !done.is_running());
    }

    #[test]
    fn wake_while_running_requeues_with_the_pollers_reference() {
        let s = State::new(true);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::DoNothing);
        assert_eq!(s.transition_to_idle(), ToIdle::Notified);
        assert_eq!(s.load().ref_count(), 3);
        assert!(s.load().is_notified());
    }

    #[test]
    fn second_wake_is_coalesced() {
        let s = State::new(true);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert_eq!(s.transition_to_idle(), ToIdle::Ok);
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::Submit);
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::DoNothing);
        assert_eq!(s.load().ref_count(), 3);
    }

    #[test]
    fn cancel_of_idle_task_queues_it_once() {
        let s = State::new(true);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert_eq!(s.transition_to_idle(), ToIdle::Ok);
        assert_eq!(
            s.transition_to_cancel_requested(),
            (true, ToNotified::Submit)
        );
        assert_eq!(
            s.transition_to_cancel_requested(),
            (true, ToNotified::DoNothing)
        );
        assert_eq!(s.transition_to_running(), ToRunning::Cancel);
    }

    #[test]
    fn cancel_while_running_is_seen_at_idle() {
        let s = State::new(true);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert_eq!(
            s.transition_to_cancel_requested(),
            (true, ToNotified::DoNothing)
        );
        assert_eq!(s.transition_to_idle(), ToIdle::Cancelled);
        assert!(s.load().is_running());
    }

    #[test]
    fn cancel_after_completion_reports_false() {
        let s = State::new(true);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        s.transition_to_complete(Ending::Output);
        assert_eq!(
            s.transition_to_cancel_requested(),
            (false, ToNotified::DoNothing)
        );
    }

    #[test]
    fn shutdown_takes_idle_task_and_queued_reference_then_fails() {
        let s = State::new(true);
        // Still queued (NOTIFIED) but not running: shutdown takes it.
        assert!(s.transition_to_shutdown());
        // The queued reference, popped later, just goes away.
        assert_eq!(s.transition_to_running(), ToRunning::Failed);
        assert_eq!(s.load().ref_count(), 2);
    }

    #[test]
    fn join_waker_cannot_be_set_after_completion() {
        let s = State::new(true);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        s.transition_to_complete(Ending::Output);
        assert!(s.set_join_waker().is_err());
    }

    #[test]
    fn dropping_the_handle_before_completion_takes_the_waker_back() {
        let s = State::new(true);
        s.set_join_waker().unwrap();
        let (before, after) = s.transition_to_join_handle_dropped();
        assert!(before.is_join_waker_set());
        assert!(!after.is_join_waker_set() && !after.is_join_interested());
    }

    #[test]
    fn last_reference_reports_dealloc() {
        let s = State::new(false);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        s.transition_to_complete(Ending::Output);
        assert!(!s.transition_to_terminal(1));
        assert!(s.transition_to_terminal(1));
    }
}
