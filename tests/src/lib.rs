//! Helpers shared by the end-to-end tests in `tests/`.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// How long a test may wait for anything before it counts as hung: far
/// beyond what any test needs, so a slow, shared machine never trips it,
/// yet a hang fails instead of stalling the suite.
pub const HANG: Duration = Duration::from_secs(120);

/// A runtime with `workers` workers.
pub fn rt(workers: usize) -> runtime::Runtime {
    runtime::Runtime::builder()
        .workers(workers)
        .build()
        .expect("runtime should start")
}

/// Counts how many times values it hands out are dropped.
#[derive(Clone, Debug, Default)]
pub struct DropCounter(Arc<AtomicUsize>);

impl DropCounter {
    /// A new counter at zero.
    pub fn new() -> DropCounter {
        DropCounter::default()
    }

    /// A token that increments the counter when dropped.
    pub fn token(&self) -> DropToken {
        DropToken(self.0.clone())
    }

    /// Drops so far.
    pub fn drops(&self) -> usize {
        self.0.load(SeqCst)
    }
}

/// Increments its counter when dropped.
#[derive(Debug)]
pub struct DropToken(Arc<AtomicUsize>);

impl Drop for DropToken {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A future that never completes, holding a token (to observe its drop).
#[derive(Debug)]
pub struct Forever(pub DropToken);

impl Future for Forever {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

/// The message of a caught panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Runs `future` on `rt`, failing the test if it takes longer than
/// [`HANG`] (a hang, not a slow machine).
#[track_caller]
pub fn block_on_within<F: Future>(rt: &runtime::Runtime, future: F) -> F::Output {
    match rt.block_on(runtime::timeout(HANG, future)) {
        Ok(output) => output,
        Err(_) => panic!("the test did not finish within {HANG:?}: it hangs"),
    }
}

/// Runs `f` on a new thread and fails if it does not return within
/// [`HANG`]: for code that could hang a worker inside a poll, where a
/// runtime timer might never get to fire.
#[track_caller]
pub fn on_watchdog_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(HANG) {
        Ok(output) => output,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("the test did not finish within {HANG:?}: it hangs")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            panic!("the test body panicked (see its message above)")
        }
    }
}

/// A loopback port nothing listens on (bound and released just now).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a probe listener");
    listener.local_addr().expect("probe address").port()
}

/// A fresh, empty directory for this process and `name`, for socket files.
pub fn temp_dir(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "runtime-tests-{}-{name}-{}",
        std::process::id(),
        NEXT.fetch_add(1, SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

/// The number of file descriptors this process has open.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd is readable on Linux")
        .count()
}

/// Fds registered with this process's epoll instances (`tfd:` lines),
/// except epoll sets watched by other epoll sets: a worker's poller watches
/// its own source set for good, and a stalled peer's for as long as the
/// stall lasts (which a slow debug build may well see mid-test).
pub fn epoll_registrations() -> usize {
    let mut total = 0;
    for entry in std::fs::read_dir("/proc/self/fdinfo").unwrap().flatten() {
        if let Ok(info) = std::fs::read_to_string(entry.path()) {
            total += info
                .lines()
                .filter_map(|l| l.strip_prefix("tfd:"))
                .filter(|l| !targets_an_epoll_set(l))
                .count();
        }
    }
    total
}

/// `rest` is the rest of a `tfd:` line: `<fd> events: ...`.
fn targets_an_epoll_set(rest: &str) -> bool {
    let fd = rest.split_whitespace().next().unwrap_or("");
    std::fs::read_link(format!("/proc/self/fd/{fd}"))
        .is_ok_and(|target| target.to_string_lossy() == "anon_inode:[eventpoll]")
}

/// Bytes of message `msg` on connection `conn`, `len` long: a pattern that
/// differs between connections and messages, so a byte delivered to the
/// wrong place is caught.
pub fn pattern(conn: usize, msg: usize, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (conn.wrapping_mul(31) ^ msg.wrapping_mul(7) ^ i.wrapping_mul(13)) as u8)
        .collect()
}

pub mod capture {
    //! A minimal `tracing` subscriber that records warning messages.
    use std::sync::{Arc, Mutex};
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Level, Metadata, Subscriber};

    /// The messages of the `warn` and `error` events it saw.
    #[derive(Clone, Debug, Default)]
    pub struct Warnings(pub Arc<Mutex<Vec<String>>>);

    impl Warnings {
        /// The messages so far.
        pub fn messages(&self) -> Vec<String> {
            self.0.lock().unwrap().clone()
        }
    }

    struct Message<'a>(&'a mut String);
    impl Visit for Message<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "message" {
                *self.0 = format!("{value:?}");
            }
        }
    }

    impl Subscriber for Warnings {
        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            *metadata.level() <= Level::WARN
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut message = String::new();
            event.record(&mut Message(&mut message));
            self.0.lock().unwrap().push(message);
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }
}

/// Threads this process has now (`/proc/self/status`).
pub fn threads() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .expect("/proc/self/status is readable on Linux")
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("a Threads: line")
}

/// This process's resident set size in bytes (`/proc/self/status`).
pub fn rss_bytes() -> usize {
    let kib: usize = std::fs::read_to_string("/proc/self/status")
        .expect("/proc/self/status is readable on Linux")
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS: line");
    kib * 1024
}

/// Polls `condition` every 10 ms until it holds; fails the test after
/// [`HANG`] (a hang, not a slow machine).
#[track_caller]
pub fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !condition() {
        assert!(
            start.elapsed() < HANG,
            "{what}: still not true after {HANG:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Blocks the calling thread until `flag` is set, checking every
/// millisecond; fails the test after [`HANG`]. Called inside a task it
/// blocks that task's worker on purpose (a stuck poll).
#[track_caller]
pub fn block_until(flag: &std::sync::atomic::AtomicBool) {
    let start = std::time::Instant::now();
    while !flag.load(SeqCst) {
        assert!(start.elapsed() < HANG, "the flag was never set");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Serialises the tests of one binary: `open_fds` and
/// `epoll_registrations` count the whole process, so in a binary where any
/// test counts, every test takes this first (a poisoned lock is fine: the
/// test that panicked has already failed).
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Waits, on the runtime's timer, until the process has `fds` open again
/// (what it had before a test's sockets); fails after [`HANG`] naming the
/// leak. For closes that happen in a task that is still winding down.
pub async fn fds_back_to(fds: usize) {
    let start = std::time::Instant::now();
    while open_fds() != fds {
        assert!(
            start.elapsed() < HANG,
            "an fd leaked: {} open, {fds} before",
            open_fds()
        );
        runtime::sleep(Duration::from_millis(5)).await;
    }
}
