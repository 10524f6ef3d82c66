//! [`TaskGroup`]: structured concurrency (asyncio's `TaskGroup`, trio's
//! nursery).
//!
//! # asyncio mapping
//! | asyncio | runtime |
//! |---|---|
//! | `async with TaskGroup() as tg:` | `let group = TaskGroup::new();` … `group.join().await` |
//! | `tg.create_task(coro)` | `group.spawn(fut)?` (members return `Result<T, E>`) |
//! | a child raises | a member returns `Err(e)` or panics |
//! | the other children are cancelled | the other members are cancelled |
//! | `ExceptionGroup` from `__aexit__` | `Err(TaskGroupError<E>)` from `join` |
//! | `create_task` on a finished / shutting-down group → `RuntimeError` | `Err(TaskGroupClosed)` |
//! | the body is cancelled → children cancelled | dropping the group (or the `join` future) cancels its members |
//!
//! A member's own [`Task`] handle resolves to `Ok(value)` when it succeeds.
//! A member that *fails* hands its error (or panic payload) to the group,
//! which then cancels every member, the failing one included: its handle
//! resolves to `Err(TaskError::Cancelled)` and the failure itself is in
//! the `TaskGroupError`. So after `join` returns `Ok(())`, every member's
//! handle holds `Ok(value)`. A member cancelled on its own (through its
//! handle) is not a failure, as in asyncio.
//!
//! # Invariants
//! 1. `live` counts members spawned and not yet finished: incremented
//!    before the task is spawned, decremented by the task's done callback,
//!    which runs once, after the task is complete.
//! 2. `phase` goes `Open` → `Cancelling` (first failure) → `Closed` (join
//!    finished, or the group was dropped), or `Open` → `Closed`. Spawning
//!    is allowed only while `Open`.
//! 3. Every member registered while `Open` is in `members` until it
//!    finishes or the group leaves `Open`, which drains `members` and
//!    cancels each; a member registering after that is cancelled at once.
//!    Hence every member is cancelled once the group leaves `Open`, and no
//!    key is inserted after the drain (so a stale key is never reused).
//!
//! # Protocols
//! Spawning:
//! 1. Lock: refuse unless `Open`; `live += 1`. Unlock.
//! 2. Spawn the member task (a wrapper that reports failures, see below).
//! 3. Lock: if still `Open`, keep a cancel handle in `members`; otherwise
//!    cancel the task (invariant 3). Unlock.
//! 4. Add a done callback: remove the cancel handle, `live -= 1`, and wake
//!    the joiner when `live` reaches zero.
//!
//! A member failing (inside its poll, panics caught):
//! 1. Lock: record the failure; if `Open`, move to `Cancelling` and drain
//!    `members`. Unlock; cancel every drained member.
//! 2. Return `Pending` without polling the inner future again: the member
//!    itself was among the cancelled (invariant 3), so the scheduler drops
//!    it at the end of this poll.
//!
//! Joining: lock; if `live == 0`, move to `Closed` and return the failures
//! (if any); otherwise store the waker and wait for step 4 of spawning.

use super::task_group_error::{TaskFailure, TaskGroupError};
use crate::task::CancelHandle;
use crate::{Handle, Task};
use parking_lot::Mutex;
use slab::Slab;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// A scope for tasks that succeed or fail together (asyncio's
/// `TaskGroup`).
///
/// Members are futures returning `Result<T, E>`, spawned as tasks with
/// [`spawn`](TaskGroup::spawn). [`join`](TaskGroup::join) waits for all
/// of them. The first member to fail — return `Err(E)` or panic — cancels
/// all the others, and `join` returns every failure in a
/// [`TaskGroupError`]. Dropping a group that was not joined cancels its
/// members. See the module docs in `task_group.rs` for the full asyncio
/// mapping.
///
/// ```
/// # runtime::run(async {
/// use runtime::TaskGroup;
/// use std::time::Duration;
///
/// async fn fetch(n: u64) -> Result<u64, String> {
///     runtime::sleep(Duration::from_millis(n)).await;
///     Ok(n * 10)
/// }
///
/// let group = TaskGroup::new();
/// let a = group.spawn(fetch(2)).unwrap();
/// let b = group.spawn(fetch(1)).unwrap();
/// group.join().await.unwrap();
/// // Every member succeeded: their handles hold the values.
/// assert_eq!((a.await.unwrap(), b.await.unwrap()), (20, 10));
/// # });
/// ```
///
/// When a member fails, its siblings are cancelled:
///
/// ```
/// # runtime::run(async {
/// use runtime::{TaskFailure, TaskGroup};
///
/// let group = TaskGroup::new();
/// let slow = group.spawn(async {
///     std::future::pending::<()>().await;
///     Ok(())
/// }).unwrap();
/// group.spawn(async { Err::<(), _>("bad input") }).unwrap();
/// let error = group.join().await.unwrap_err();
/// assert!(matches!(error.first(), TaskFailure::Error("bad input")));
/// assert!(slow.await.unwrap_err().is_cancelled());
/// # });
/// ```
pub struct TaskGroup<E = Infallible> {
    shared: Arc<Shared<E>>,
}

/// A cloneable, thread-safe handle that spawns into a [`TaskGroup`]: give
/// one to members that start more members (asyncio's `tg.create_task` from
/// inside a child).
///
/// ```
/// # runtime::run(async {
/// let group = runtime::TaskGroup::<std::convert::Infallible>::new();
/// let handle = group.handle();
/// group.spawn(async move {
///     // A member adds a sibling while the group is being joined.
///     handle.spawn(async { Ok(()) }).unwrap();
///     Ok(())
/// }).unwrap();
/// group.join().await.unwrap();
/// # });
/// ```
pub struct TaskGroupHandle<E = Infallible> {
    shared: Arc<Shared<E>>,
}

/// [`TaskGroup::spawn`] was refused: the group has finished (its `join`
/// returned, or it was dropped) or is shutting down after a failure
/// (asyncio's `RuntimeError: TaskGroup is finished / shutting down`).
///
/// ```
/// # runtime::run(async {
/// let group = runtime::TaskGroup::<()>::new();
/// let handle = group.handle();
/// drop(group);
/// let refused: runtime::TaskGroupClosed = handle.spawn(async { Ok(()) }).unwrap_err();
/// println!("{refused}");
/// # });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskGroupClosed(());

impl fmt::Display for TaskGroupClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the task group has finished or is shutting down; it accepts no new tasks")
    }
}

impl std::error::Error for TaskGroupClosed {}

struct Shared<E> {
    state: Mutex<State<E>>,
    /// Where members run: the runtime current when the group was made.
    runtime: Option<Handle>,
}

struct State<E> {
    /// Invariant 2.
    phase: Phase,
    /// Invariant 1.
    live: usize,
    /// Invariant 3.
    members: Slab<CancelHandle>,
    /// In the order they happened; the first one cancelled the group.
    failures: Vec<TaskFailure<E>>,
    joiner: Option<Waker>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Open,
    Cancelling,
    Closed,
}

impl<E: Send + 'static> TaskGroup<E> {
    /// An empty group. Its members run on the current runtime (or, for a
    /// group made outside any runtime, on the runtime current at each
    /// `spawn`).
    ///
    /// ```
    /// let group = runtime::TaskGroup::<std::io::Error>::new();
    /// # drop(group);
    /// ```
    pub fn new() -> TaskGroup<E> {
        TaskGroup {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    phase: Phase::Open,
                    live: 0,
                    members: Slab::new(),
                    failures: Vec::new(),
                    joiner: None,
                }),
                runtime: Handle::try_current(),
            }),
        }
    }

    /// Spawns `future` as a member (asyncio's `tg.create_task`).
    ///
    /// Returns the member's [`Task`]: `Ok(value)` if it succeeds;
    /// `Err(TaskError::Cancelled)` if it was cancelled — by a sibling's
    /// failure, by the group being dropped, through the handle — or if it
    /// failed itself (its failure is reported by [`join`](TaskGroup::join)).
    /// Dropping the handle detaches the member from you, not from the
    /// group: `join` still waits for it.
    ///
    /// Fails with [`TaskGroupClosed`] once the group has finished or is
    /// shutting down after a failure.
    ///
    /// ```
    /// # runtime::run(async {
    /// let group = runtime::TaskGroup::<String>::new();
    /// let task = group.spawn(async { Ok(1 + 1) }).unwrap();
    /// group.join().await.unwrap();
    /// assert_eq!(task.await.unwrap(), 2);
    /// # });
    /// ```
    ///
    /// # Panics
    /// Outside a runtime, for a group made outside any runtime.
    #[track_caller]
    pub fn spawn<F, T>(&self, future: F) -> Result<Task<T>, TaskGroupClosed>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        spawn_member(&self.shared, future)
    }

    /// A handle that can spawn into this group from anywhere.
    ///
    /// ```
    /// let group = runtime::TaskGroup::<()>::new();
    /// let handle = group.handle();
    /// # drop((group, handle));
    /// ```
    pub fn handle(&self) -> TaskGroupHandle<E> {
        TaskGroupHandle {
            shared: self.shared.clone(),
        }
    }

    /// Waits until every member has finished (including members spawned
    /// meanwhile), then closes the group. Resolves to `Ok(())` if no member
    /// failed, else to every failure, first one first.
    ///
    /// Dropping the returned future before it completes drops the group,
    /// which cancels the members (asyncio: cancelling the body of an
    /// `async with TaskGroup()` cancels the children).
    ///
    /// ```
    /// # runtime::run(async {
    /// let group = runtime::TaskGroup::<()>::new();
    /// assert!(group.join().await.is_ok()); // an empty group joins at once
    /// # });
    /// ```
    pub fn join(self) -> TaskGroupJoin<E> {
        TaskGroupJoin { group: self }
    }
}

impl<E: Send + 'static> Default for TaskGroup<E> {
    fn default() -> TaskGroup<E> {
        TaskGroup::new()
    }
}

impl<E: Send + 'static> TaskGroupHandle<E> {
    /// Spawns `future` as a member, as [`TaskGroup::spawn`] does.
    ///
    /// ```
    /// # runtime::run(async {
    /// let group = runtime::TaskGroup::<()>::new();
    /// let handle = group.handle();
    /// group.join().await.unwrap();
    /// // The group has finished: no new members.
    /// assert!(handle.spawn(async { Ok(()) }).is_err());
    /// # });
    /// ```
    ///
    /// # Panics
    /// Outside a runtime, for a group made outside any runtime.
    #[track_caller]
    pub fn spawn<F, T>(&self, future: F) -> Result<Task<T>, TaskGroupClosed>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        spawn_member(&self.shared, future)
    }
}

impl<E> Clone for TaskGroupHandle<E> {
    fn clone(&self) -> Self {
        TaskGroupHandle {
            shared: self.shared.clone(),
        }
    }
}

/// The spawning protocol of the module docs.
#[track_caller]
fn spawn_member<F, T, E>(shared: &Arc<Shared<E>>, future: F) -> Result<Task<T>, TaskGroupClosed>
where
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    let runtime = match &shared.runtime {
        Some(runtime) => runtime.clone(),
        None => Handle::current(),
    };
    // Step 1.
    {
        let mut state = shared.state.lock();
        if state.phase != Phase::Open {
            return Err(TaskGroupClosed(()));
        }
        state.live += 1;
    }
    // Step 2.
    let task = runtime.spawn(Member {
        future,
        group: shared.clone(),
        failed: false,
    });
    // Step 3.
    let key = {
        let mut state = shared.state.lock();
        if state.phase == Phase::Open {
            Some(state.members.insert(task.cancel_handle()))
        } else {
            None
        }
    };
    if key.is_none() {
        // The group failed or was dropped between steps 1 and 3.
        task.cancel();
    }
    // Step 4.
    let group = shared.clone();
    task.add_done_callback(move |_| group.member_finished(key));
    Ok(task)
}

impl<E> Shared<E> {
    /// Spawning, step 4.
    fn member_finished(&self, key: Option<usize>) {
        let (handle, joiner) = {
            let mut state = self.state.lock();
            let handle = key.and_then(|key| state.members.try_remove(key));
            state.live -= 1;
            let joiner = if state.live == 0 {
                state.joiner.take()
            } else {
                None
            };
            (handle, joiner)
        };
        // Outside the lock: dropping a handle may free the task.
        drop(handle);
        if let Some(joiner) = joiner {
            joiner.wake();
        }
    }

    /// Failing, step 1.
    fn fail(&self, failure: TaskFailure<E>) {
        let members = {
            let mut state = self.state.lock();
            state.failures.push(failure);
            if state.phase == Phase::Open {
                state.phase = Phase::Cancelling;
                std::mem::take(&mut state.members)
            } else {
                Slab::new()
            }
        };
        cancel_all(members);
    }

    /// Leaves `Open` for good (the group was dropped): cancels every member.
    fn close(&self) {
        let members = {
            let mut state = self.state.lock();
            state.phase = Phase::Closed;
            state.joiner = None;
            std::mem::take(&mut state.members)
        };
        cancel_all(members);
    }
}

fn cancel_all(members: Slab<CancelHandle>) {
    for (_, member) in members {
        member.cancel();
    }
}

impl<E> Drop for TaskGroup<E> {
    fn drop(&mut self) {
        // A no-op after a completed join: no members are left.
        self.shared.close();
    }
}

/// The future returned by [`TaskGroup::join`].
///
/// ```
/// # runtime::run(async {
/// let group = runtime::TaskGroup::<String>::new();
/// group.spawn(async { Ok(()) }).unwrap();
/// let joining: runtime::TaskGroupJoin<String> = group.join();
/// assert!(joining.await.is_ok());
/// # });
/// ```
#[must_use = "futures do nothing unless awaited; dropping this cancels the group"]
pub struct TaskGroupJoin<E> {
    group: TaskGroup<E>,
}

impl<E> Future for TaskGroupJoin<E> {
    type Output = Result<(), TaskGroupError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.group.shared.state.lock();
        if state.live > 0 {
            match &state.joiner {
                Some(joiner) if joiner.will_wake(cx.waker()) => {}
                _ => state.joiner = Some(cx.waker().clone()),
            }
            return Poll::Pending;
        }
        state.phase = Phase::Closed;
        let failures = std::mem::take(&mut state.failures);
        Poll::Ready(if failures.is_empty() {
            Ok(())
        } else {
            Err(TaskGroupError::new(failures))
        })
    }
}

pin_project_lite::pin_project! {
    /// A member's future: reports failures to its group (the failing
    /// protocol of the module docs).
    struct Member<F, E> {
        #[pin]
        future: F,
        group: Arc<Shared<E>>,
        // Failing, step 2: the inner future is never polled again.
        failed: bool,
    }
}

impl<F, T, E> Future for Member<F, E>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.project();
        if *this.failed {
            return Poll::Pending; // cancelled at the end of this poll
        }
        let mut future = this.future;
        let failure = match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(Ok(value))) => return Poll::Ready(value),
            Ok(Poll::Ready(Err(error))) => TaskFailure::Error(error),
            Err(payload) => TaskFailure::Panicked(payload),
        };
        *this.failed = true;
        this.group.fail(failure);
        Poll::Pending
    }
}

impl<E> fmt::Debug for TaskGroup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.debug(f, "TaskGroup")
    }
}

impl<E> fmt::Debug for TaskGroupHandle<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.debug(f, "TaskGroupHandle")
    }
}

impl<E> fmt::Debug for TaskGroupJoin<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.group.shared.debug(f, "TaskGroupJoin")
    }
}

impl<E> Shared<E> {
    fn debug(&self, f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct(name)
            .field("phase", &state.phase)
            .field("live", &state.live)
            .field("failures", &state.failures.len())
            .finish()
    }
}
