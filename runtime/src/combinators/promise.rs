//! [`Promise`]: a value set once and awaited by many (asyncio's `Future`).
//!
//! # Design
//! A `Promise<T, E>` is a cheap handle (`Clone`, `Send`, `Sync`) to one
//! shared slot. Any clone can settle it — with a value, an error, or a
//! cancellation — once; any number of tasks, on any workers, and plain
//! threads can wait for it. Each waiter gets a **clone** of the outcome
//! (so awaiting needs `T: Clone, E: Clone`): cheap types are copied, and
//! anything large or not `Clone` is shared by making `T` an `Arc<..>`.
//! This keeps the common case (`Promise<u64>`, `Promise<Arc<Response>>`)
//! free of a forced extra allocation and lets callers choose.
//!
//! # Invariants
//! 1. `outcome` leaves `Pending` exactly once; it never changes after.
//! 2. While it is `Pending`, every waiting [`PromiseFuture`] has its waker
//!    in `waiters` (under its key) and every callback is in `callbacks`;
//!    once it is not, both are empty and stay empty.
//!
//! # Protocol
//! Settling (any thread):
//! 1. Lock; if already settled, return `InvalidState`. Store the outcome;
//!    take the waiters and the callbacks. Unlock.
//! 2. Wake every waiter, then run every callback with the promise, in the
//!    order they were added, on this thread. A panicking callback is
//!    reported through `tracing` and does not stop the others.
//!
//! Waiting ([`PromiseFuture::poll`]): lock; if settled, clone the outcome
//! and leave; otherwise insert or refresh this future's waker. Because
//! settling takes the waiters under the same lock, a waiter either sees the
//! outcome or is woken by it. Dropping a waiting future removes its waker.

use crate::context::is_worker_thread;
use parking_lot::Mutex;
use slab::Slab;
use std::error::Error;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// The error type of a [`Promise`] when none is named: any error, shared.
type AnyError = Arc<dyn Error + Send + Sync + 'static>;

/// A result set once and awaited by many (asyncio's `asyncio.Future`).
///
/// - Settle it once with [`set_result`](Promise::set_result),
///   [`set_error`](Promise::set_error) or [`cancel`](Promise::cancel); a
///   second attempt returns [`InvalidState`].
/// - Await it (`promise.wait().await`, or `promise.await` on a clone or a
///   reference) from any number of tasks: each gets a clone of the
///   outcome, `Ok(value)` or a [`PromiseError`].
/// - From a plain thread, [`wait_blocking`](Promise::wait_blocking).
/// - Inspect it with [`done`](Promise::done),
///   [`cancelled`](Promise::cancelled), [`try_result`](Promise::try_result);
///   react to it with [`add_done_callback`](Promise::add_done_callback).
///
/// Clones share the same slot. `E` defaults to a shared `dyn Error`.
///
/// ```
/// # runtime::run(async {
/// use runtime::Promise;
///
/// let answer: Promise<u32, String> = Promise::new();
/// let waiters: Vec<_> = (0..3)
///     .map(|_| {
///         let answer = answer.clone();
///         runtime::spawn(async move { answer.await.unwrap() + 1 })
///     })
///     .collect();
/// answer.set_result(41).unwrap();
/// for waiter in waiters {
///     assert_eq!(waiter.await.unwrap(), 42);
/// }
/// assert!(answer.set_result(0).is_err()); // settled already
/// # });
/// ```
pub struct Promise<T, E = AnyError> {
    inner: Arc<Inner<T, E>>,
}

type Callback<T, E> = Box<dyn FnOnce(&Promise<T, E>) + Send + 'static>;

struct Inner<T, E> {
    state: Mutex<State<T, E>>,
}

struct State<T, E> {
    /// Invariant 1.
    outcome: Outcome<T, E>,
    /// Invariant 2.
    waiters: Slab<Waker>,
    /// Invariant 2.
    callbacks: Vec<Callback<T, E>>,
}

enum Outcome<T, E> {
    Pending,
    Value(T),
    Error(E),
    Cancelled,
}

/// Why awaiting a [`Promise`] produced no value.
///
/// ```
/// use runtime::{Promise, PromiseError};
/// let promise = Promise::<u8, String>::new();
/// promise.cancel();
/// assert_eq!(promise.wait_blocking(), Err(PromiseError::Cancelled));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum PromiseError<E> {
    /// The promise was cancelled (asyncio's `CancelledError`).
    Cancelled,
    /// The promise was settled with [`Promise::set_error`].
    Failed(E),
    /// [`Promise::wait_blocking`] was called on a runtime worker thread,
    /// where blocking could deadlock the runtime; await the promise
    /// instead.
    WouldDeadlock,
}

/// The promise was already settled (asyncio's `InvalidStateError`).
///
/// ```
/// let promise = runtime::Promise::<u8, String>::new();
/// promise.set_result(1).unwrap();
/// let error: runtime::InvalidState = promise.set_result(2).unwrap_err();
/// assert_eq!(error, runtime::InvalidState::new());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidState(());

impl<T, E> Promise<T, E> {
    /// A promise that is not settled yet.
    ///
    /// ```
    /// let promise = runtime::Promise::<u8, String>::new();
    /// assert!(!promise.done());
    /// ```
    pub fn new() -> Promise<T, E> {
        Promise {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    outcome: Outcome::Pending,
                    waiters: Slab::new(),
                    callbacks: Vec::new(),
                }),
            }),
        }
    }

    /// Settles the promise with `value`, waking every waiter and running the
    /// done callbacks (asyncio's `set_result`). `Err(InvalidState)` if it
    /// was already settled; `value` is then dropped.
    ///
    /// ```
    /// let promise = runtime::Promise::<u8, String>::new();
    /// assert!(promise.set_result(1).is_ok());
    /// assert_eq!(promise.set_result(2), Err(runtime::InvalidState::new()));
    /// assert_eq!(promise.try_result(), Some(Ok(1)));
    /// ```
    pub fn set_result(&self, value: T) -> Result<(), InvalidState> {
        self.settle(Outcome::Value(value))
    }

    /// Settles the promise with `error` (asyncio's `set_exception`): waiters
    /// get [`PromiseError::Failed`]. `Err(InvalidState)` if it was already
    /// settled.
    ///
    /// ```
    /// use runtime::{Promise, PromiseError};
    /// let promise = Promise::<u8, String>::new();
    /// promise.set_error("unreachable".to_string()).unwrap();
    /// assert_eq!(promise.try_result(), Some(Err(PromiseError::Failed("unreachable".into()))));
    /// ```
    pub fn set_error(&self, error: E) -> Result<(), InvalidState> {
        self.settle(Outcome::Error(error))
    }

    /// Cancels the promise: waiters get [`PromiseError::Cancelled`]. Returns
    /// false if it was already settled (asyncio's `cancel`).
    ///
    /// ```
    /// let promise = runtime::Promise::<u8, String>::new();
    /// assert!(promise.cancel());
    /// assert!(promise.cancelled());
    /// assert!(!promise.cancel());
    /// ```
    pub fn cancel(&self) -> bool {
        self.settle(Outcome::Cancelled).is_ok()
    }

    /// True once the promise is settled, however (asyncio's `done`).
    ///
    /// ```
    /// let promise = runtime::Promise::<u8, String>::new();
    /// promise.cancel();
    /// assert!(promise.done());
    /// ```
    pub fn done(&self) -> bool {
        !matches!(self.inner.state.lock().outcome, Outcome::Pending)
    }

    /// True if the promise was cancelled (asyncio's `cancelled`).
    ///
    /// ```
    /// let promise = runtime::Promise::<u8, String>::new();
    /// promise.set_result(1).unwrap();
    /// assert!(!promise.cancelled());
    /// ```
    pub fn cancelled(&self) -> bool {
        matches!(self.inner.state.lock().outcome, Outcome::Cancelled)
    }

    /// Runs `callback` with the promise once it is settled — at once, on
    /// this thread, if it already is; otherwise on the thread that settles
    /// it, after the waiters are woken (asyncio's `add_done_callback`,
    /// which schedules with `call_soon` instead).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::sync::Arc;
    ///
    /// let promise = runtime::Promise::<u32, String>::new();
    /// let seen = Arc::new(AtomicU32::new(0));
    /// let sink = seen.clone();
    /// promise.add_done_callback(move |p| {
    ///     sink.store(p.try_result().unwrap().unwrap(), Ordering::SeqCst);
    /// });
    /// promise.set_result(7).unwrap();
    /// assert_eq!(seen.load(Ordering::SeqCst), 7);
    /// ```
    pub fn add_done_callback(&self, callback: impl FnOnce(&Promise<T, E>) + Send + 'static) {
        let mut state = self.inner.state.lock();
        if let Outcome::Pending = state.outcome {
            state.callbacks.push(Box::new(callback));
            return;
        }
        drop(state);
        run_callback(Box::new(callback), self);
    }

    /// Settling, steps 1 and 2.
    fn settle(&self, outcome: Outcome<T, E>) -> Result<(), InvalidState> {
        let (waiters, callbacks) = {
            let mut state = self.inner.state.lock();
            if !matches!(state.outcome, Outcome::Pending) {
                return Err(InvalidState(()));
            }
            state.outcome = outcome;
            (
                std::mem::take(&mut state.waiters),
                std::mem::take(&mut state.callbacks),
            )
        };
        crate::contain::wake_all(waiters.into_iter().map(|(_, waiter)| waiter));
        for callback in callbacks {
            run_callback(callback, self);
        }
        Ok(())
    }
}

fn run_callback<T, E>(callback: Callback<T, E>, promise: &Promise<T, E>) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| callback(promise))) {
        let message = payload
            .downcast_ref::<&'static str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        tracing::error!(message, "a Promise done callback panicked");
    }
}

impl<T: Clone, E: Clone> Promise<T, E> {
    /// The outcome, if the promise is settled; `None` while it is pending
    /// (asyncio's `result()` raising `InvalidStateError`). The value is
    /// cloned: every caller can read it.
    ///
    /// ```
    /// let promise = runtime::Promise::<u8, String>::new();
    /// assert_eq!(promise.try_result(), None);
    /// promise.set_result(3).unwrap();
    /// assert_eq!(promise.try_result(), Some(Ok(3)));
    /// assert_eq!(promise.try_result(), Some(Ok(3)));
    /// ```
    pub fn try_result(&self) -> Option<Result<T, PromiseError<E>>> {
        self.inner.state.lock().outcome.get()
    }

    /// A future of the outcome (a clone of it), for this awaiter.
    ///
    /// ```
    /// # runtime::run(async {
    /// let promise = runtime::Promise::<&str, String>::new();
    /// let setter = promise.clone();
    /// runtime::spawn(async move { setter.set_result("ready").unwrap() });
    /// assert_eq!(promise.wait().await, Ok("ready"));
    /// # });
    /// ```
    pub fn wait(&self) -> PromiseFuture<T, E> {
        PromiseFuture {
            promise: self.clone(),
            key: None,
        }
    }

    /// Blocks this thread until the promise is settled and returns a clone
    /// of the outcome: for threads that are not running the runtime, or
    /// with no runtime at all.
    ///
    /// On a runtime worker thread this returns
    /// [`PromiseError::WouldDeadlock`] at once: blocking a worker could
    /// starve the very task that would settle the promise.
    ///
    /// ```
    /// let promise = runtime::Promise::<u32, String>::new();
    /// let setter = promise.clone();
    /// let thread = std::thread::spawn(move || setter.set_result(5).unwrap());
    /// assert_eq!(promise.wait_blocking(), Ok(5));
    /// thread.join().unwrap();
    /// ```
    pub fn wait_blocking(&self) -> Result<T, PromiseError<E>> {
        if is_worker_thread() {
            return Err(PromiseError::WouldDeadlock);
        }
        crate::scheduler::park::block_on_thread(self.wait())
    }
}

impl<T, E> Outcome<T, E> {
    fn get(&self) -> Option<Result<T, PromiseError<E>>>
    where
        T: Clone,
        E: Clone,
    {
        match self {
            Outcome::Pending => None,
            Outcome::Value(value) => Some(Ok(value.clone())),
            Outcome::Error(error) => Some(Err(PromiseError::Failed(error.clone()))),
            Outcome::Cancelled => Some(Err(PromiseError::Cancelled)),
        }
    }
}

impl<T, E> Clone for Promise<T, E> {
    fn clone(&self) -> Self {
        Promise {
            inner: self.inner.clone(),
        }
    }
}

impl<T, E> Default for Promise<T, E> {
    fn default() -> Self {
        Promise::new()
    }
}

impl<T: Clone, E: Clone> IntoFuture for Promise<T, E> {
    type Output = Result<T, PromiseError<E>>;
    type IntoFuture = PromiseFuture<T, E>;

    fn into_future(self) -> PromiseFuture<T, E> {
        PromiseFuture {
            promise: self,
            key: None,
        }
    }
}

impl<T: Clone, E: Clone> IntoFuture for &Promise<T, E> {
    type Output = Result<T, PromiseError<E>>;
    type IntoFuture = PromiseFuture<T, E>;

    fn into_future(self) -> PromiseFuture<T, E> {
        self.wait()
    }
}

/// The future of a [`Promise`]'s outcome, made by [`Promise::wait`] or by
/// awaiting a promise. Each one is an independent awaiter.
///
/// ```
/// # runtime::run(async {
/// let promise = runtime::Promise::<u8, String>::new();
/// let first: runtime::PromiseFuture<u8, String> = promise.wait();
/// let second = promise.wait();
/// promise.set_result(8).unwrap();
/// assert_eq!((first.await, second.await), (Ok(8), Ok(8)));
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct PromiseFuture<T, E = AnyError> {
    promise: Promise<T, E>,
    /// This awaiter's slot in `waiters`, once it has waited.
    key: Option<usize>,
}

impl<T: Clone, E: Clone> Future for PromiseFuture<T, E> {
    type Output = Result<T, PromiseError<E>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        let this = &mut *self;
        let mut state = this.promise.inner.state.lock();
        if let Some(outcome) = state.outcome.get() {
            // Settling emptied `waiters` (invariant 2): our key is stale.
            this.key = None;
            coop.made_progress();
            return Poll::Ready(outcome);
        }
        match this.key {
            Some(key) => {
                let waiter = &mut state.waiters[key];
                if !waiter.will_wake(cx.waker()) {
                    waiter.clone_from(cx.waker());
                }
            }
            None => this.key = Some(state.waiters.insert(cx.waker().clone())),
        }
        Poll::Pending
    }
}

impl<T, E> Drop for PromiseFuture<T, E> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            let waiter = self.promise.inner.state.lock().waiters.try_remove(key);
            drop(waiter);
        }
    }
}

impl InvalidState {
    /// The error (for code that builds its own promise-like types).
    ///
    /// ```
    /// let error = runtime::InvalidState::new();
    /// assert_eq!(error.to_string(), "the promise is already settled");
    /// ```
    pub fn new() -> InvalidState {
        InvalidState(())
    }
}

impl Default for InvalidState {
    fn default() -> InvalidState {
        InvalidState::new()
    }
}

impl fmt::Display for InvalidState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the promise is already settled")
    }
}

impl Error for InvalidState {}

impl<E> PromiseError<E> {
    /// True if the promise was cancelled.
    ///
    /// ```
    /// assert!(runtime::PromiseError::<()>::Cancelled.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, PromiseError::Cancelled)
    }
}

impl<E: fmt::Display> fmt::Display for PromiseError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PromiseError::Cancelled => f.write_str("the promise was cancelled"),
            PromiseError::Failed(error) => error.fmt(f),
            PromiseError::WouldDeadlock => f.write_str(
                "wait_blocking() was called on a runtime worker thread, where blocking could \
                 deadlock the runtime; `.await` the promise instead",
            ),
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for PromiseError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PromiseError::Cancelled => f.write_str("Cancelled"),
            PromiseError::Failed(error) => f.debug_tuple("Failed").field(error).finish(),
            PromiseError::WouldDeadlock => f.write_str("WouldDeadlock"),
        }
    }
}

impl<E: Error + 'static> Error for PromiseError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            PromiseError::Failed(error) => Some(error),
            _ => None,
        }
    }
}

impl<T, E> fmt::Debug for Promise<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state.lock();
        let outcome = match state.outcome {
            Outcome::Pending => "pending",
            Outcome::Value(_) => "value",
            Outcome::Error(_) => "error",
            Outcome::Cancelled => "cancelled",
        };
        f.debug_struct("Promise")
            .field("outcome", &outcome)
            .field("waiters", &state.waiters.len())
            .field("callbacks", &state.callbacks.len())
            .finish()
    }
}

impl<T, E> fmt::Debug for PromiseFuture<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromiseFuture")
            .field("promise", &self.promise)
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
