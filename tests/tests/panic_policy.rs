//! `UnhandledPanic`: what the runtime does with a panic nobody will see
//! (a detached task's, or one whose handle is dropped unread).

use runtime::{Runtime, UnhandledPanic};
use runtime_tests::capture::Warnings;
use runtime_tests::{panic_message, DropCounter, Forever, HANG};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

/// Records the warnings of the calling thread too, until dropped: a
/// panic is reported on whichever thread learns that nobody will read it,
/// the worker that completes the task or the thread that drops its handle
/// after it finished (here, the test's own thread in `block_on`).
fn capture_here(warnings: &Warnings) -> tracing::subscriber::DefaultGuard {
    tracing::dispatcher::set_default(&tracing::Dispatch::new(warnings.clone()))
}

fn rt_with(policy: UnhandledPanic, warnings: Option<&Warnings>) -> Runtime {
    let mut builder = Runtime::builder().workers(2).unhandled_panic(policy);
    if let Some(warnings) = warnings {
        let dispatch = tracing::Dispatch::new(warnings.clone());
        builder = builder.on_thread_start(move || {
            let guard = tracing::dispatcher::set_default(&dispatch);
            std::mem::forget(guard); // lives as long as the thread
        });
    }
    builder.build().unwrap()
}

/// Runs `f` expecting it to panic; returns the panic's message.
fn panics(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    panic_message(&*payload)
}

#[test]
fn a_detached_tasks_panic_shuts_the_runtime_down_and_fails_block_on() {
    let rt = rt_with(UnhandledPanic::ShutdownRuntime, None);
    let drops = DropCounter::new();
    let bystander = rt.spawn(Forever(drops.token()));
    let message = panics(|| {
        rt.block_on(async {
            drop(
                runtime::task::Builder::new()
                    .name("doomed")
                    .spawn(async { panic!("boom in the background") }),
            );
            runtime::sleep(HANG).await;
        })
    });
    assert!(
        message.contains("UnhandledPanic::ShutdownRuntime"),
        "{message}"
    );
    assert!(message.contains("\"doomed\""), "names the task: {message}");
    assert!(
        message.contains("panic_policy.rs"),
        "names the spawn site: {message}"
    );
    assert!(
        message.contains("boom in the background"),
        "gives the payload: {message}"
    );
    assert!(rt.handle().is_shutdown());
    drop(rt);
    assert_eq!(drops.drops(), 1, "the other tasks were cancelled");
    drop(bystander);
}

#[test]
fn a_handle_dropped_unread_after_the_panic_counts_too() {
    let rt = rt_with(UnhandledPanic::ShutdownRuntime, None);
    let message = panics(|| {
        rt.block_on(async {
            let task = runtime::spawn(async { panic!("unread") });
            while !task.is_done() {
                runtime::yield_now().await;
            }
            drop(task); // finished, never awaited
            runtime::sleep(HANG).await;
        })
    });
    assert!(message.contains("unread"), "{message}");
}

#[test]
fn a_panic_that_is_awaited_is_the_awaiters_to_handle() {
    let rt = rt_with(UnhandledPanic::ShutdownRuntime, None);
    rt.block_on(async {
        let error = runtime::spawn(async { panic!("seen") }).await.unwrap_err();
        assert_eq!(error.panic_message(), Some("seen"));
        // So is one whose result reaches a combinator.
        let task = runtime::spawn(async { panic!("seen too") });
        assert!(runtime::wait_for(HANG, task).await.unwrap().is_err());
    });
    assert!(!rt.handle().is_shutdown());
    assert_eq!(rt.block_on(async { 1 }), 1, "the runtime still runs");
}

#[test]
fn a_detached_blocking_jobs_panic_counts_too() {
    let rt = rt_with(UnhandledPanic::ShutdownRuntime, None);
    let message = panics(|| {
        rt.block_on(async {
            drop(runtime::to_thread(|| panic!("blocking boom")));
            runtime::sleep(HANG).await;
        })
    });
    assert!(message.contains("blocking boom"), "{message}");
}

#[test]
fn run_forever_fails_the_same_way() {
    let rt = rt_with(UnhandledPanic::ShutdownRuntime, None);
    drop(rt.spawn(async { panic!("forever boom") }));
    let message = panics(|| rt.run_forever());
    assert!(message.contains("forever boom"), "{message}");
}

#[test]
fn block_on_called_after_the_shutdown_fails_at_once() {
    let rt = rt_with(UnhandledPanic::ShutdownRuntime, None);
    drop(rt.spawn(async { panic!("first") }));
    runtime_tests::wait_until("the runtime shut down", || rt.handle().is_shutdown());
    let message = panics(|| rt.block_on(std::future::pending::<()>()));
    assert!(message.contains("first"), "{message}");
}

#[test]
fn log_reports_and_keeps_running() {
    let warnings = Warnings::default();
    let _here = capture_here(&warnings);
    let rt = rt_with(UnhandledPanic::Log, Some(&warnings));
    rt.block_on(async {
        let task = runtime::task::Builder::new()
            .name("logged")
            .spawn(async { panic!("logged boom") });
        drop(task);
        let start = std::time::Instant::now();
        while !warnings
            .messages()
            .iter()
            .any(|w| w.contains("logged boom"))
        {
            assert!(start.elapsed() < HANG, "the panic was never logged");
            runtime::sleep(Duration::from_millis(1)).await;
        }
    });
    let logged = warnings.messages();
    let line = logged.iter().find(|w| w.contains("logged boom")).unwrap();
    assert!(
        line.contains("never retrieved") && line.contains("\"logged\""),
        "{line}"
    );
    assert!(!rt.handle().is_shutdown());
}

/// The other order: the task has finished when its handle is dropped, so
/// the thread dropping the handle reports the panic.
#[test]
fn log_reports_a_panic_whose_handle_is_dropped_after_it_finished() {
    let warnings = Warnings::default();
    let _here = capture_here(&warnings);
    let rt = rt_with(UnhandledPanic::Log, Some(&warnings));
    rt.block_on(async {
        let task = runtime::task::Builder::new()
            .name("finished")
            .spawn(async { panic!("finished boom") });
        while !task.is_done() {
            runtime::yield_now().await;
        }
        let before = warnings.messages();
        assert!(
            !before.iter().any(|w| w.contains("finished boom")),
            "reported while the handle could still read it: {before:?}"
        );
        drop(task);
    });
    let logged = warnings.messages();
    let line = logged
        .iter()
        .find(|w| w.contains("finished boom"))
        .unwrap_or_else(|| panic!("not reported when the handle was dropped: {logged:?}"));
    assert!(
        line.contains("never retrieved") && line.contains("\"finished\""),
        "{line}"
    );
    assert!(!rt.handle().is_shutdown());
}

#[test]
fn ignore_says_nothing_and_keeps_running() {
    let warnings = Warnings::default();
    let _here = capture_here(&warnings);
    let rt = rt_with(UnhandledPanic::Ignore, Some(&warnings));
    rt.block_on(async {
        let task = runtime::spawn(async { panic!("ignored boom") });
        let probe = runtime::spawn(async {});
        while !task.is_done() {
            runtime::yield_now().await;
        }
        drop(task);
        probe.await.unwrap();
        runtime::sleep(Duration::from_millis(10)).await;
    });
    assert!(!rt.handle().is_shutdown());
    assert!(
        !warnings
            .messages()
            .iter()
            .any(|w| w.contains("ignored boom")),
        "{:?}",
        warnings.messages()
    );
}

#[test]
fn log_is_the_default() {
    assert_eq!(UnhandledPanic::default(), UnhandledPanic::Log);
    assert_eq!(
        UnhandledPanic::ShutdownRuntime.to_string(),
        "shutdown_runtime"
    );
}

/// `#[runtime::test]` defaults to `ShutdownRuntime`: a test whose
/// background task panics fails (here: panics, as `should_panic` expects)
/// instead of sleeping until it passes.
#[runtime::test]
#[should_panic(expected = "UnhandledPanic::ShutdownRuntime")]
async fn runtime_test_fails_when_a_background_task_panics() {
    drop(runtime::spawn(async { panic!("background") }));
    runtime::sleep(HANG).await;
}

/// The default can be changed per test.
#[runtime::test(unhandled_panic = "ignore")]
async fn runtime_test_can_opt_out() {
    let task = runtime::spawn(async { panic!("tolerated") });
    while !task.is_done() {
        runtime::yield_now().await;
    }
    drop(task);
    runtime::sleep(Duration::from_millis(5)).await;
}
