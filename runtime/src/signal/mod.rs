//! Unix signals as async streams: [`ctrl_c`] and [`signal`].
//!
//! Signals are process-wide, so this is the one piece of process-global
//! state in the crate (a runtime cannot own a signal disposition). It is
//! runtime-independent: a listener works on any runtime, or none.
//!
//! # Delivery protocol
//! 1. The first listener for a signal installs a handler for it (once per
//!    process; the default action — for `SIGINT`, terminating — no longer
//!    happens).
//! 2. The handler, which may only do async-signal-safe things, marks the
//!    signal pending and writes a byte to a self-pipe.
//! 3. A dispatcher thread (started with the first listener) blocks reading
//!    that pipe; for each pending signal it bumps the signal's generation,
//!    then takes and wakes every registered waker.
//! 4. A listener remembers the last generation it reported. Polling it:
//!    a newer generation is a delivery; otherwise it registers its waker
//!    under the signal's lock and re-reads the generation (so a bump
//!    between the two is never missed — the dispatcher bumps before
//!    taking the wakers under the same lock).
//!
//! Deliveries between two polls of one listener coalesce into one, as with
//! any Unix signal. Every listener sees every delivery that happens after
//! it was created.

mod registry;

use registry::Slot;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A signal number, with names for the common ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SignalKind(i32);

impl SignalKind {
    /// `SIGINT` (Ctrl-C).
    pub fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }
    /// `SIGTERM`.
    pub fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }
    /// `SIGHUP`.
    pub fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }
    /// `SIGQUIT`.
    pub fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }
    /// `SIGUSR1`.
    pub fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }
    /// `SIGUSR2`.
    pub fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }
    /// `SIGCHLD`.
    pub fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }
    /// `SIGWINCH`.
    pub fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }
    /// `SIGALRM`.
    pub fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }
    /// `SIGPIPE`.
    pub fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }
    /// Any signal by number (checked when a listener is created).
    pub fn from_raw(signal: i32) -> SignalKind {
        SignalKind(signal)
    }
    /// The signal number.
    pub fn as_raw(self) -> i32 {
        self.0
    }
}

/// A stream of deliveries of one signal (`loop.add_signal_handler`, as a
/// stream).
pub struct Signal {
    slot: &'static Slot,
    kind: SignalKind,
    seen: u64,
    /// This listener's waker entry in the slot, once it has waited.
    key: Option<usize>,
}

/// Listens for `kind`.
///
/// # Errors
/// `InvalidInput` for a signal that cannot be caught (`SIGKILL`,
/// `SIGSTOP`), one whose handler must not return (`SIGSEGV`, `SIGBUS`,
/// `SIGILL`, `SIGFPE`), or a number out of range; the OS error if the
/// handler cannot be installed.
///
/// ```
/// # runtime::run(async {
/// use runtime::signal::{signal, SignalKind};
/// let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
/// runtime::signal::raise(SignalKind::user_defined1()).unwrap();
/// usr1.recv().await;
/// # });
/// ```
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let slot = registry::listen(kind.0)?;
    Ok(Signal {
        slot,
        kind,
        seen: slot.generation(),
        key: None,
    })
}

/// Resolves at the next Ctrl-C (`SIGINT`) delivered to the process after
/// this call.
///
/// The handler is installed by the call itself, not by the first poll of
/// the future it returns: a Ctrl-C between the two is not lost, and does
/// not kill the process. Once a listener exists, Ctrl-C no longer
/// terminates the process: the program decides what to do (asyncio's
/// `loop.add_signal_handler(SIGINT, ...)`).
///
/// ```
/// # runtime::run(async {
/// let ctrl_c = runtime::signal::ctrl_c(); // listening from here on
/// runtime::signal::raise(runtime::signal::SignalKind::interrupt()).unwrap();
/// ctrl_c.await.unwrap();
/// # });
/// ```
///
/// # Errors
/// The future resolves to the OS error if the handler could not be
/// installed.
pub fn ctrl_c() -> impl Future<Output = io::Result<()>> + Send + 'static {
    let interrupts = signal(SignalKind::interrupt());
    async move {
        interrupts?.recv().await;
        Ok(())
    }
}

/// Sends `kind` to this process (handy in tests and examples).
pub fn raise(kind: SignalKind) -> io::Result<()> {
    crate::sys::raise(kind.0)
}

impl Signal {
    /// Waits for the next delivery. Always `Some`: the stream never ends.
    pub async fn recv(&mut self) -> Option<()> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next delivery.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        match self.slot.poll(self.seen, &mut self.key, cx) {
            Poll::Ready(generation) => {
                self.seen = generation;
                Poll::Ready(Some(()))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    /// The signal this stream listens for.
    pub fn kind(&self) -> SignalKind {
        self.kind
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.slot.remove(key);
        }
    }
}

impl futures_core::Stream for Signal {
    type Item = ();

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.get_mut().poll_recv(cx)
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal").field("kind", &self.kind).finish()
    }
}
