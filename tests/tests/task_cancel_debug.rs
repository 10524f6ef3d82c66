//! Cancellation with a grace period, and debug mode: slow-poll warnings,
//! panics nobody retrieved, task dumps.

use runtime::{Runtime, TaskError};
use runtime_tests::rt;
use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

/// Runs `work` until the task is asked to stop; returns whether it was.
async fn until_cancelled(work: impl Future<Output = ()>) -> bool {
    let mut work = pin!(work);
    let mut cancelled = pin!(runtime::task::cancelled());
    std::future::poll_fn(|cx| {
        if cancelled.as_mut().poll(cx).is_ready() {
            return Poll::Ready(true);
        }
        work.as_mut().poll(cx).map(|()| false)
    })
    .await
}

#[test]
fn a_task_cleans_up_within_its_grace_period() {
    let rt = rt(2);
    rt.block_on(async {
        let cleaned = Arc::new(Mutex::new(false));
        let c = cleaned.clone();
        let task = runtime::spawn(async move {
            assert!(!runtime::task::cancel_requested());
            let stopped = until_cancelled(runtime::sleep(Duration::from_secs(3600))).await;
            assert!(runtime::task::cancel_requested());
            // Async cleanup: awaiting is still allowed.
            runtime::sleep(Duration::from_millis(2)).await;
            *c.lock().unwrap() = true;
            stopped
        });
        runtime::sleep(Duration::from_millis(5)).await;
        assert!(task.cancel_with_grace(Duration::from_secs(30)));
        assert!(task.cancelling());
        assert!(
            task.await.unwrap(),
            "the task saw the request and returned its own output"
        );
        assert!(*cleaned.lock().unwrap());
    });
}

#[test]
fn a_task_that_ignores_the_request_is_cancelled_when_the_grace_ends() {
    let rt = rt(2);
    let drops = runtime_tests::DropCounter::new();
    let token = drops.token();
    rt.block_on(async move {
        let task = runtime::spawn(async move {
            let _token = token;
            std::future::pending::<()>().await;
        });
        runtime::yield_now().await;
        assert!(task.cancel_with_grace(Duration::from_millis(20)));
        assert!(matches!(task.await, Err(TaskError::Cancelled)));
    });
    assert_eq!(drops.drops(), 1);
}

#[test]
fn cancel_with_grace_after_completion_returns_false() {
    let rt = rt(1);
    rt.block_on(async {
        let task = runtime::spawn(async { 1 });
        while !task.is_done() {
            runtime::yield_now().await;
        }
        assert!(!task.cancel_with_grace(Duration::from_secs(1)));
        assert!(!task.cancelling());
        assert_eq!(task.await.unwrap(), 1);
        // Outside a task nothing is ever requested.
        assert!(!runtime::task::cancel_requested());
    });
}

#[test]
fn dump_tasks_lists_live_tasks() {
    let rt = rt(2);
    rt.block_on(async {
        let a = runtime::task::Builder::new()
            .name("alpha")
            .spawn(std::future::pending::<()>());
        let b = runtime::task::Builder::new()
            .name("beta")
            .spawn(std::future::pending::<()>());
        runtime::sleep(Duration::from_millis(5)).await;
        let dump = runtime::dump_tasks();
        assert!(dump.starts_with("2 live task(s)"), "{dump}");
        assert!(dump.contains("\"alpha\" [waiting] spawned at"), "{dump}");
        assert!(dump.contains("\"beta\""), "{dump}");
        assert!(dump.contains("task_cancel_debug.rs"), "{dump}");
        a.cancel();
        b.cancel();
    });
}

#[test]
fn debug_mode_reports_slow_polls_and_unretrieved_panics() {
    let warnings = runtime_tests::capture::Warnings::default();
    let _guard = tracing::dispatcher::set_default(&tracing::Dispatch::new(warnings.clone()));
    // The subscriber is per-thread (set_default), so run the workers'
    // events through it by making every runtime thread use it too.
    let dispatch = tracing::Dispatch::new(warnings.clone());
    let rt = Runtime::builder()
        .workers(1)
        .debug(true)
        .slow_poll_threshold(Duration::from_millis(20))
        .on_thread_start(move || {
            let guard = tracing::dispatcher::set_default(&dispatch);
            std::mem::forget(guard); // lives as long as the thread
        })
        .build()
        .unwrap();
    rt.block_on(async {
        runtime::task::Builder::new()
            .name("sleepy")
            .spawn(async { std::thread::sleep(Duration::from_millis(60)) })
            .await
            .unwrap();
        let task = runtime::spawn(async { panic!("nobody looks at me") });
        while !task.is_done() {
            runtime::yield_now().await;
        }
        drop(task);
        // A retrieved panic is not reported.
        let seen = runtime::spawn(async { panic!("looked at") }).await;
        assert!(seen.is_err());
    });
    drop(rt);
    let warnings = warnings.0.lock().unwrap().clone();
    assert!(
        warnings.iter().any(|w| w.contains("slow poll")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("never retrieved") && w.contains("nobody looks at me")),
        "{warnings:?}"
    );
    assert!(!warnings
        .iter()
        .any(|w| w.contains("looked at") && !w.contains("nobody")));
}

#[test]
fn debug_mode_can_be_turned_on_by_the_environment() {
    // The variable is read when the runtime is built; an explicit setting
    // wins over it.
    std::env::set_var(runtime::DEBUG_ENV_VAR, "1");
    let from_env = rt(1);
    let explicit = Runtime::builder().workers(1).debug(false).build().unwrap();
    std::env::remove_var(runtime::DEBUG_ENV_VAR);
    assert!(from_env.handle().is_debug());
    assert!(!explicit.handle().is_debug());
    assert!(!rt(1).handle().is_debug());
}
