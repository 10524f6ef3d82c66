//! `Runtime::shutdown_timeout` returns a `ShutdownReport` naming what it
//! could not stop in time; jobs marked `must_finish` are run and waited for.

use runtime::{Runtime, ShutdownReport, Straggler, StragglerKind};
use runtime_tests::{block_until, rt, HANG};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// Work that says when it has started, then blocks its thread until the
/// returned flag is set: `(release, work, started)`.
fn stuck_work() -> (
    Arc<AtomicBool>,
    impl FnOnce() + Send + 'static,
    mpsc::Receiver<()>,
) {
    let release = Arc::new(AtomicBool::new(false));
    let (started_tx, started) = mpsc::channel();
    let stuck = release.clone();
    let work = move || {
        started_tx.send(()).unwrap();
        block_until(&stuck);
    };
    (release, work, started)
}

/// The report's first straggler of `kind`.
fn straggler(report: &ShutdownReport, kind: StragglerKind) -> &Straggler {
    report
        .stragglers
        .iter()
        .find(|s| s.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} straggler in {report}"))
}

#[test]
fn a_runtime_with_nothing_stuck_shuts_down_clean() {
    let rt = rt(2);
    rt.spawn(std::future::pending::<()>());
    rt.spawn(runtime::sleep(HANG));
    let report = rt.shutdown_timeout(HANG);
    assert!(report.is_clean(), "{report}");
    assert!(
        report.to_string().starts_with("clean shutdown in"),
        "{report}"
    );
}

#[test]
fn a_task_stuck_in_its_poll_is_named() {
    let rt = rt(2);
    let (release, work, started) = stuck_work();
    let task = runtime::task::Builder::new()
        .name("stuck-poller")
        .spawn_on(async move { work() }, rt.handle());
    started.recv_timeout(HANG).unwrap();
    let report = rt.shutdown_timeout(Duration::from_millis(20));
    release.store(true, SeqCst);
    assert!(!report.is_clean());
    let straggler = straggler(&report, StragglerKind::Task);
    assert_eq!(straggler.name.as_deref(), Some("stuck-poller"));
    assert_eq!(straggler.id, task.id());
    assert!(straggler.spawned_at.file().ends_with("shutdown_report.rs"));
    let text = report.to_string();
    assert!(
        text.contains("\"stuck-poller\"") && text.contains("still being polled"),
        "{text}"
    );
}

#[test]
fn a_blocking_job_still_running_is_named_and_left_behind() {
    let rt = rt(1);
    let (release, work, started) = stuck_work();
    let _job = runtime::task::Builder::new()
        .name("slow-export")
        .spawn_blocking_on(work, rt.handle());
    started.recv_timeout(HANG).unwrap();
    let report = rt.shutdown_timeout(Duration::from_millis(20));
    // The shutdown returned while the job still ran: it was not waited for.
    assert!(!release.load(SeqCst));
    release.store(true, SeqCst);
    let straggler = &report.stragglers[0];
    assert_eq!(report.stragglers.len(), 1, "{report}");
    assert!(!straggler.waited_for);
    assert_eq!(straggler.kind, StragglerKind::BlockingJob);
    assert_eq!(straggler.name.as_deref(), Some("slow-export"));
    assert!(!straggler.waited_for);
    assert!(report.to_string().contains("left to finish"), "{report}");
}

#[test]
fn a_must_finish_job_is_waited_for_past_the_deadline() {
    let rt = rt(1);
    let finished = Arc::new(AtomicBool::new(false));
    let (started_tx, started_rx) = mpsc::channel();
    let flag = finished.clone();
    let job = runtime::task::Builder::new()
        .name("commit")
        .must_finish()
        .spawn_blocking_on(
            move || {
                started_tx.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(50));
                flag.store(true, SeqCst);
                7
            },
            rt.handle(),
        );
    started_rx.recv_timeout(HANG).unwrap();
    let report = rt.shutdown_timeout(Duration::ZERO);
    assert!(
        finished.load(SeqCst),
        "shutdown returned before the job finished"
    );
    assert_eq!(job.join_blocking().unwrap(), 7, "the job ran to its end");
    let straggler = straggler(&report, StragglerKind::BlockingJob);
    assert_eq!(straggler.name.as_deref(), Some("commit"));
    assert!(straggler.waited_for, "{report}");
}

#[test]
fn a_queued_must_finish_job_runs_while_other_queued_jobs_are_cancelled() {
    let rt = Runtime::builder()
        .workers(1)
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let handle = rt.handle().clone();
    // The pool's one thread is stuck, so the next two jobs queue.
    let (release, work, started) = stuck_work();
    let _blocker = handle.spawn_blocking(work);
    started.recv_timeout(HANG).unwrap();
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    // It runs in the runtime's context, like any blocking job.
    let must = runtime::task::Builder::new()
        .must_finish()
        .spawn_blocking_on(
            move || flag.store(runtime::Handle::try_current().is_some(), SeqCst),
            &handle,
        );
    let ordinary = handle.spawn_blocking(|| ());
    let report = rt.shutdown_timeout(Duration::from_millis(10));
    assert!(
        ran.load(SeqCst),
        "the queued must-finish job ran, in the runtime's context, before shutdown returned"
    );
    must.join_blocking().unwrap();
    assert!(ordinary.join_blocking().unwrap_err().is_cancelled());
    // The stuck, ordinary job is the one job straggler.
    let jobs: Vec<_> = report
        .stragglers
        .iter()
        .filter(|s| s.kind == StragglerKind::BlockingJob)
        .collect();
    assert_eq!(jobs.len(), 1, "{report}");
    assert!(!jobs[0].waited_for);
    release.store(true, SeqCst);
}

#[test]
fn an_idle_runtime_reports_clean_and_the_report_debug_prints() {
    // `shutdown_timeout` consumes the runtime; its `Drop` then has nothing
    // left to shut down.
    let rt = rt(1);
    let report = rt.shutdown_timeout(Duration::from_secs(1));
    assert!(report.is_clean());
    assert!(format!("{report:?}").contains("ShutdownReport"));
}
