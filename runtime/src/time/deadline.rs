//! [`Deadline`]: a re-schedulable deadline around a future (asyncio's
//! `async with asyncio.timeout(delay) as cm:` with `cm.reschedule(when)`,
//! `cm.expired()` and `cm.when()`).
//!
//! # Design
//! A [`Deadline`] is a one-shot scope: [`Deadline::run`] consumes it, as an
//! asyncio `Timeout` can be entered once. Its state is shared with any
//! number of [`DeadlineHandle`]s (`Clone + Send + Sync`), which reschedule
//! or inspect it from any task or thread. The running future
//! ([`WithDeadline`]) owns a [`Sleep`] that it resets whenever the schedule
//! changes.
//!
//! # Invariants
//! 1. `generation` increases on every [`reschedule`](DeadlineHandle::reschedule);
//!    the runner's `seen` is the generation its sleep was last set for.
//! 2. The runner's waker is stored under the same lock as the schedule, so
//!    a reschedule either happens before the runner reads the schedule
//!    (the runner sees it) or after (it wakes the runner).
//! 3. `phase` leaves `Running` once, to `Expired` or `Finished`; later
//!    reschedules are recorded (`when()` shows them) but change nothing.
//!
//! # Protocol
//! Rescheduling (any thread): lock; set `when`; bump `generation`; take a
//! clone of the runner's waker; unlock; wake it.
//!
//! Polling the runner:
//! 1. Lock; install the waker; read `(when, generation)`; unlock. If the
//!    generation moved, reset the sleep to the new `when`.
//! 2. Poll the inner future; if it is ready, the scope finished in time.
//! 3. With a deadline set, poll the sleep; if it has not fired, wait.
//! 4. It fired: lock and check that the generation is still the one read
//!    in step 1 (a reschedule may have raced the timer; if so, go back to
//!    step 1). Mark the scope expired, drop the inner future, then return
//!    `Err(TimeoutError)`.

use super::sleep::{far_future, sleep_until, Sleep};
use super::TimeoutError;
use parking_lot::Mutex;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// A deadline `delay` from now, or none (asyncio's `asyncio.timeout(delay)`).
///
/// ```
/// # runtime::run(async {
/// use std::time::Duration;
///
/// let scope = runtime::time::deadline(Some(Duration::from_millis(10)));
/// let handle = scope.handle();
/// let result = scope.run(runtime::sleep(Duration::from_secs(60))).await;
/// assert!(result.is_err());
/// assert!(handle.expired());
/// # });
/// ```
pub fn deadline(delay: Option<Duration>) -> Deadline {
    deadline_at(delay.map(|delay| Instant::now().checked_add(delay).unwrap_or_else(far_future)))
}

/// A deadline at `when`, or none (asyncio's `asyncio.timeout_at(when)`).
///
/// ```
/// # runtime::run(async {
/// use std::time::{Duration, Instant};
///
/// let scope = runtime::time::deadline_at(Some(Instant::now() + Duration::from_secs(5)));
/// assert_eq!(scope.run(async { 1 }).await, Ok(1));
/// # });
/// ```
pub fn deadline_at(when: Option<Instant>) -> Deadline {
    Deadline {
        shared: Arc::new(Shared {
            state: Mutex::new(State {
                when,
                generation: 0,
                phase: Phase::Created,
                runner: None,
            }),
        }),
    }
}

/// A re-schedulable deadline scope, made by [`deadline`] or [`deadline_at`]
/// (asyncio's `Timeout` context manager).
///
/// Run a future inside it with [`run`](Deadline::run); move the deadline
/// (later, earlier, or to `None`) with [`reschedule`](Deadline::reschedule)
/// — also through a [`DeadlineHandle`], from any task or thread. A change
/// takes effect at once: the running scope is woken and re-arms its timer.
///
/// ```
/// # runtime::run(async {
/// use std::time::{Duration, Instant};
///
/// // Start with a short deadline, then extend it from inside the scope.
/// let scope = runtime::time::deadline(Some(Duration::from_millis(5)));
/// let handle = scope.handle();
/// let result = scope
///     .run(async move {
///         handle.reschedule(Some(Instant::now() + Duration::from_secs(5)));
///         runtime::sleep(Duration::from_millis(20)).await;
///         "done"
///     })
///     .await;
/// assert_eq!(result, Ok("done"));
/// # });
/// ```
pub struct Deadline {
    shared: Arc<Shared>,
}

/// A cloneable, thread-safe handle to a [`Deadline`]'s schedule.
///
/// ```
/// # runtime::run(async {
/// let scope = runtime::time::deadline(None);
/// let handle = scope.handle();
/// std::thread::spawn(move || handle.reschedule(Some(std::time::Instant::now())))
///     .join()
///     .unwrap();
/// // The deadline was moved to "now" from a plain thread.
/// assert!(scope.run(std::future::pending::<()>()).await.is_err());
/// # });
/// ```
#[derive(Clone)]
pub struct DeadlineHandle {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
}

struct State {
    when: Option<Instant>,
    /// Invariant 1.
    generation: u64,
    /// Invariant 3.
    phase: Phase,
    /// Invariant 2.
    runner: Option<Waker>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Created,
    Running,
    Expired,
    Finished,
}

impl Shared {
    fn reschedule(&self, when: Option<Instant>) {
        let runner = {
            let mut state = self.state.lock();
            state.when = when;
            state.generation += 1;
            state.runner.clone()
        };
        if let Some(runner) = runner {
            runner.wake();
        }
    }

    fn when(&self) -> Option<Instant> {
        self.state.lock().when
    }

    fn expired(&self) -> bool {
        self.state.lock().phase == Phase::Expired
    }

    /// Step 4: marks the scope expired, unless it was rescheduled since
    /// the runner read `generation`.
    fn expire(&self, generation: u64) -> bool {
        let mut state = self.state.lock();
        if state.generation != generation {
            return false;
        }
        state.phase = Phase::Expired;
        state.runner = None;
        true
    }

    /// Leaves `Running` for good (invariant 3) and drops the runner's waker.
    fn end(&self, phase: Phase) {
        let mut state = self.state.lock();
        state.phase = phase;
        state.runner = None;
    }
}

impl Deadline {
    /// Runs `future` until it completes or the deadline passes. On expiry
    /// the future is dropped before `Err(TimeoutError)` is returned.
    ///
    /// ```
    /// # runtime::run(async {
    /// use std::time::Duration;
    /// let scope = runtime::time::deadline(Some(Duration::from_secs(5)));
    /// assert_eq!(scope.run(async { 7 }).await, Ok(7));
    /// # });
    /// ```
    pub fn run<F: IntoFuture>(self, future: F) -> WithDeadline<F::IntoFuture> {
        WithDeadline {
            future: Some(future.into_future()),
            sleep: sleep_until(far_future()),
            seen: None,
            shared: RunnerRef(self.shared),
        }
    }

    /// A handle to reschedule or inspect this deadline from elsewhere.
    ///
    /// ```
    /// let scope = runtime::time::deadline(None);
    /// let handle = scope.handle();
    /// assert_eq!(handle.when(), None);
    /// ```
    pub fn handle(&self) -> DeadlineHandle {
        DeadlineHandle {
            shared: self.shared.clone(),
        }
    }

    /// Moves the deadline to `when` (`None`: no deadline). A time in the
    /// past expires the scope as soon as it is polled.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let scope = runtime::time::deadline(None);
    /// let when = Instant::now() + Duration::from_secs(1);
    /// scope.reschedule(Some(when));
    /// assert_eq!(scope.when(), Some(when));
    /// ```
    pub fn reschedule(&self, when: Option<Instant>) {
        self.shared.reschedule(when);
    }

    /// The current deadline, if any.
    ///
    /// ```
    /// assert_eq!(runtime::time::deadline(None).when(), None);
    /// ```
    pub fn when(&self) -> Option<Instant> {
        self.shared.when()
    }

    /// True if the scope ended because the deadline passed.
    ///
    /// ```
    /// assert!(!runtime::time::deadline(None).expired());
    /// ```
    pub fn expired(&self) -> bool {
        self.shared.expired()
    }
}

impl DeadlineHandle {
    /// Moves the deadline to `when` (`None`: no deadline), waking the
    /// running scope so the change takes effect at once. Once the scope
    /// has ended (expired or finished) the new value is only recorded.
    ///
    /// ```
    /// # runtime::run(async {
    /// use std::time::Duration;
    /// let scope = runtime::time::deadline(Some(Duration::from_secs(60)));
    /// let handle = scope.handle();
    /// let canceller = runtime::spawn(async move {
    ///     runtime::sleep(Duration::from_millis(5)).await;
    ///     handle.reschedule(Some(std::time::Instant::now())); // expire now
    /// });
    /// assert!(scope.run(std::future::pending::<()>()).await.is_err());
    /// canceller.await.unwrap();
    /// # });
    /// ```
    pub fn reschedule(&self, when: Option<Instant>) {
        self.shared.reschedule(when);
    }

    /// The current deadline, if any.
    ///
    /// ```
    /// let handle = runtime::time::deadline(None).handle();
    /// assert_eq!(handle.when(), None);
    /// ```
    pub fn when(&self) -> Option<Instant> {
        self.shared.when()
    }

    /// True if the scope ended because the deadline passed.
    ///
    /// ```
    /// let handle = runtime::time::deadline(None).handle();
    /// assert!(!handle.expired());
    /// ```
    pub fn expired(&self) -> bool {
        self.shared.expired()
    }
}

pin_project_lite::pin_project! {
    /// The future returned by [`Deadline::run`].
    ///
    /// ```
    /// # runtime::run(async {
    /// use runtime::time::WithDeadline;
    /// let running: WithDeadline<std::future::Ready<u8>> =
    ///     runtime::deadline(None).run(std::future::ready(1));
    /// assert_eq!(running.await, Ok(1));
    /// # });
    /// ```
    #[must_use = "futures do nothing unless awaited"]
    pub struct WithDeadline<F> {
        #[pin]
        future: Option<F>,
        sleep: Sleep,
        // Invariant 1: the generation `sleep` was set for.
        seen: Option<u64>,
        shared: RunnerRef,
    }
}

impl<F> WithDeadline<F> {
    /// A handle to reschedule or inspect the running deadline.
    ///
    /// ```
    /// # runtime::run(async {
    /// let running = runtime::time::deadline(None).run(async { 1 });
    /// let handle = running.handle();
    /// assert_eq!(running.await, Ok(1));
    /// assert!(!handle.expired());
    /// # });
    /// ```
    pub fn handle(&self) -> DeadlineHandle {
        DeadlineHandle {
            shared: self.shared.0.clone(),
        }
    }
}

impl<F: Future> Future for WithDeadline<F> {
    type Output = Result<F::Output, TimeoutError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            // Step 1.
            let (when, generation) = {
                let mut state = this.shared.0.state.lock();
                if state.phase == Phase::Created {
                    state.phase = Phase::Running;
                }
                match &state.runner {
                    Some(runner) if runner.will_wake(cx.waker()) => {}
                    _ => state.runner = Some(cx.waker().clone()),
                }
                (state.when, state.generation)
            };
            if *this.seen != Some(generation) {
                *this.seen = Some(generation);
                if let Some(when) = when {
                    this.sleep.reset(when);
                }
            }
            // Step 2.
            let Some(future) = this.future.as_mut().as_pin_mut() else {
                panic!("a WithDeadline was polled after it completed");
            };
            if let Poll::Ready(output) = future.poll(cx) {
                this.future.set(None);
                this.shared.0.end(Phase::Finished);
                return Poll::Ready(Ok(output));
            }
            // Step 3.
            if when.is_none() || Pin::new(&mut *this.sleep).poll(cx).is_pending() {
                return Poll::Pending;
            }
            // Step 4.
            if !this.shared.0.expire(generation) {
                continue; // rescheduled while the timer fired
            }
            this.future.set(None);
            return Poll::Ready(Err(TimeoutError::new()));
        }
    }
}

/// The runner's reference to the shared state; dropping it (with the
/// [`WithDeadline`]) releases the runner's waker, as the scope is over.
struct RunnerRef(Arc<Shared>);

impl Drop for RunnerRef {
    fn drop(&mut self) {
        self.0.state.lock().runner = None;
    }
}

impl fmt::Debug for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deadline")
            .field("when", &self.when())
            .finish()
    }
}

impl fmt::Debug for DeadlineHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.state.lock();
        f.debug_struct("DeadlineHandle")
            .field("when", &state.when)
            .field("phase", &state.phase)
            .finish()
    }
}

impl<F> fmt::Debug for WithDeadline<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithDeadline")
            .field("when", &self.shared.0.when())
            .field("done", &self.future.is_none())
            .finish()
    }
}
