//! [`ShutdownReport`]: what [`Runtime::shutdown_timeout`](crate::Runtime::shutdown_timeout)
//! could not stop in time, by name.

use crate::task::{Header, TaskId};
use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

/// What a shutdown left behind, returned by
/// [`Runtime::shutdown_timeout`](crate::Runtime::shutdown_timeout) (and
/// logged at `warn` when it is not clean).
///
/// A straggler is work that was still running at the deadline: a task a
/// worker was still polling (its future could not be dropped, since it is
/// running), or a blocking job still running. Each is named by its task
/// id, name and spawn site.
///
/// ```
/// use std::time::Duration;
/// let rt = runtime::Runtime::new().unwrap();
/// let (started_tx, started) = std::sync::mpsc::channel::<()>();
/// let (release, wait) = std::sync::mpsc::channel::<()>();
/// let job = runtime::task::Builder::new().name("flush-cache").spawn_blocking_on(
///     move || {
///         started_tx.send(()).unwrap();
///         let _ = wait.recv();
///     },
///     rt.handle(),
/// );
/// started.recv().unwrap();
/// let report = rt.shutdown_timeout(Duration::from_millis(20));
/// assert!(!report.is_clean());
/// assert!(report.to_string().contains("flush-cache"), "{report}");
/// release.send(()).unwrap();
/// # drop(job);
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// What was still running at the deadline.
    pub stragglers: Vec<Straggler>,
    /// How long the shutdown took (past the deadline when it waited for
    /// jobs marked [`must_finish`](crate::task::Builder::must_finish)).
    pub elapsed: Duration,
}

/// One piece of work a shutdown could not stop in time (see
/// [`ShutdownReport`]).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Straggler {
    /// A task or a blocking job.
    pub kind: StragglerKind,
    /// The task's (or the job's) id.
    pub id: TaskId,
    /// Its name, if it was given one.
    pub name: Option<Arc<str>>,
    /// Where it was spawned (submitted, for a blocking job).
    pub spawned_at: &'static Location<'static>,
    /// A blocking job marked `must_finish`: shutdown waited for it past
    /// the deadline.
    pub waited_for: bool,
}

/// What kind of work a [`Straggler`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StragglerKind {
    /// A task whose poll was still running on a worker (which shutdown
    /// detached): its future is dropped when that poll returns, or never.
    Task,
    /// A blocking job (`to_thread`, `spawn_blocking`, `run_in_executor`)
    /// still running; left to finish on its own thread.
    BlockingJob,
}

impl ShutdownReport {
    /// True when everything stopped before the deadline.
    pub fn is_clean(&self) -> bool {
        self.stragglers.is_empty()
    }
}

impl Straggler {
    pub(crate) fn task(header: &Header) -> Straggler {
        Straggler {
            kind: StragglerKind::Task,
            id: header.id,
            name: header.meta.name(),
            spawned_at: header.meta.location,
            waited_for: false,
        }
    }

    pub(crate) fn blocking_job(header: &Header, must_finish: bool) -> Straggler {
        Straggler {
            kind: StragglerKind::BlockingJob,
            id: header.id,
            name: header.meta.name(),
            spawned_at: header.meta.location,
            waited_for: must_finish,
        }
    }
}

/// `task 12 "fetch" spawned at src/main.rs:10:5, still being polled`.
impl fmt::Display for Straggler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            StragglerKind::Task => "task",
            StragglerKind::BlockingJob => "blocking job",
        };
        write!(f, "{what} {}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        write!(f, " spawned at {}", self.spawned_at)?;
        f.write_str(match (self.kind, self.waited_for) {
            (StragglerKind::Task, _) => ", still being polled (its worker was detached)",
            (StragglerKind::BlockingJob, true) => ", must finish: shutdown waited for it",
            (StragglerKind::BlockingJob, false) => ", still running (left to finish)",
        })
    }
}

/// `clean shutdown in 1.2ms`, or the stragglers, one per line.
impl fmt::Display for ShutdownReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_clean() {
            return write!(f, "clean shutdown in {:.1?}", self.elapsed);
        }
        write!(
            f,
            "shutdown took {:.1?}; {} straggler(s) at the deadline:",
            self.elapsed,
            self.stragglers.len()
        )?;
        for straggler in &self.stragglers {
            write!(f, "\n  {straggler}")?;
        }
        Ok(())
    }
}
