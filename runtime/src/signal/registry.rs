//! The per-signal slots, the handler and the dispatcher thread (protocol
//! in `mod.rs`).

use parking_lot::Mutex;
use slab::Slab;
use std::io;
use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

/// Room for every signal number Linux has (real-time ones included).
const SLOTS: usize = 65;

pub(crate) struct Slot {
    /// Set by the handler; cleared by the dispatcher.
    pending: AtomicBool,
    /// Deliveries so far (protocol step 3).
    generation: AtomicU64,
    /// One entry per listener that is waiting; each `Signal` owns its key
    /// and removes it when dropped.
    wakers: Mutex<Option<Slab<Waker>>>,
    /// The handler is installed (retried by the next listener if it failed).
    installed: Mutex<bool>,
}

impl Slot {
    const fn new() -> Slot {
        Slot {
            pending: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            wakers: Mutex::new(None),
            installed: Mutex::new(false),
        }
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Acquire)
    }

    /// Protocol step 4: ready with the new generation if it moved past
    /// `seen`; otherwise stores the waker under `key` (allocating one).
    pub(crate) fn poll(
        &self,
        seen: u64,
        key: &mut Option<usize>,
        cx: &mut Context<'_>,
    ) -> Poll<u64> {
        let current = self.generation();
        if current != seen {
            return Poll::Ready(current);
        }
        let mut wakers = self.wakers.lock();
        let wakers = wakers.get_or_insert_with(Slab::new);
        match key.and_then(|k| wakers.get_mut(k)) {
            Some(existing) if existing.will_wake(cx.waker()) => {}
            Some(existing) => *existing = cx.waker().clone(),
            None => *key = Some(wakers.insert(cx.waker().clone())),
        }
        let current = self.generation();
        if current != seen {
            return Poll::Ready(current);
        }
        Poll::Pending
    }

    /// A listener went away.
    pub(crate) fn remove(&self, key: usize) {
        let removed = self.wakers.lock().as_mut().and_then(|w| w.try_remove(key));
        drop(removed); // outside the lock
    }

    fn deliver(&self) {
        self.generation.fetch_add(1, AcqRel);
        let wakers: Vec<Waker> = match &*self.wakers.lock() {
            Some(wakers) => wakers.iter().map(|(_, w)| w.clone()).collect(),
            None => Vec::new(),
        };
        crate::contain::wake_all(wakers);
    }
}

static TABLE: [Slot; SLOTS] = [const { Slot::new() }; SLOTS];

/// The read end of the self-pipe, owned by the dispatcher once started.
static DISPATCHER: OnceLock<io::Result<()>> = OnceLock::new();

extern "C" fn handler(signal: libc::c_int) {
    // Async-signal-safe only: an atomic store and write(2).
    if let Some(slot) = TABLE.get(signal as usize) {
        slot.pending.store(true, SeqCst);
    }
    crate::sys::notify_from_handler();
}

/// Makes sure `signal` is handled and returns its slot.
pub(crate) fn listen(signal: i32) -> io::Result<&'static Slot> {
    if signal <= 0 || signal > crate::sys::max_signal() || signal as usize >= SLOTS {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("signal {signal} is not a valid signal number"),
        ));
    }
    if crate::sys::is_forbidden_signal(signal) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("signal {signal} cannot be listened for (it cannot be caught, or its handler must not return)"),
        ));
    }
    start_dispatcher()?;
    let slot = &TABLE[signal as usize];
    let mut installed = slot.installed.lock();
    if !*installed {
        // A failure leaves it uninstalled, so a later listener retries.
        crate::sys::install_handler(signal, handler)?;
        *installed = true;
    }
    Ok(slot)
}

fn start_dispatcher() -> io::Result<()> {
    let started = DISPATCHER.get_or_init(|| {
        let (read, write) = crate::sys::pipe()?;
        crate::sys::set_nonblocking(std::os::fd::AsFd::as_fd(&write))?;
        // The write end lives for the rest of the process: the handler may
        // run at any time.
        crate::sys::set_handler_pipe(write.as_raw_fd());
        std::mem::forget(write);
        std::thread::Builder::new()
            .name("runtime-signal".to_string())
            .spawn(move || dispatch(read))?;
        Ok(())
    });
    match started {
        Ok(()) => Ok(()),
        Err(error) => Err(io::Error::new(
            error.kind(),
            format!("failed to start signal handling: {error}"),
        )),
    }
}

/// The dispatcher thread: protocol step 3.
fn dispatch(read: OwnedFd) {
    let mut pipe = std::fs::File::from(read);
    let mut buf = [0u8; 64];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                tracing::error!(%error, "signal dispatcher stopped");
                return;
            }
        }
        for slot in TABLE.iter() {
            if slot.pending.swap(false, SeqCst) {
                slot.deliver();
            }
        }
    }
}
