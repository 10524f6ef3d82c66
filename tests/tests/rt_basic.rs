//! Entry points, handles, callbacks, and misuse that must fail clearly.

use runtime::{Handle, Runtime, TaskError};
use runtime_tests::{panic_message, rt};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::Duration;

#[test]
fn run_returns_the_futures_output() {
    assert_eq!(runtime::run(async { 6 * 7 }), 42);
}

#[test]
fn block_on_can_spawn_and_await() {
    let rt = rt(2);
    let out = rt.block_on(async {
        let a = runtime::spawn(async { 1 });
        let b = runtime::create_task(async { 2 });
        a.await.unwrap() + b.await.unwrap()
    });
    assert_eq!(out, 3);
}

#[test]
fn zero_and_absurd_worker_counts_are_rejected() {
    let err = Runtime::builder().workers(0).build().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("at least 1"), "{err}");
    let err = Runtime::builder().workers(1_000_000).build().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("1000000"), "{err}");
    let err = Runtime::builder()
        .max_blocking_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn handle_current_outside_a_runtime_panics_clearly() {
    assert!(Handle::try_current().is_none());
    let payload = std::panic::catch_unwind(Handle::current).unwrap_err();
    let message = panic_message(&*payload);
    assert!(message.contains("outside of a runtime"), "{message}");
    let payload = std::panic::catch_unwind(|| runtime::spawn(async {})).unwrap_err();
    assert!(panic_message(&*payload).contains("runtime::spawn called outside of a runtime"));
}

#[test]
fn handle_current_inside_tasks_and_block_on() {
    let rt = rt(2);
    rt.block_on(async {
        assert!(Handle::try_current().is_some());
        let in_task = runtime::spawn(async { Handle::try_current().is_some() });
        assert!(in_task.await.unwrap());
    });
    let _guard = rt.enter();
    assert_eq!(Handle::current().num_workers(), 2);
}

#[test]
fn block_on_inside_a_worker_panics_instead_of_deadlocking() {
    let rt = rt(1);
    let result = rt.block_on(async { runtime::spawn(async { runtime::run(async { 1 }) }).await });
    let err = result.unwrap_err();
    let message = err.panic_message().unwrap_or_default().to_string();
    assert!(message.contains("worker thread"), "{message}");
    // The worker survived and still runs tasks.
    assert_eq!(
        rt.block_on(async { runtime::spawn(async { 5 }).await.unwrap() }),
        5
    );
}

#[test]
fn join_blocking_on_a_worker_errors() {
    let rt = rt(1);
    let result = rt.block_on(async {
        runtime::spawn(async {
            let inner = runtime::spawn(async { 1 });
            inner.join_blocking()
        })
        .await
        .unwrap()
    });
    assert!(
        matches!(result, Err(TaskError::WouldDeadlock)),
        "{result:?}"
    );
}

#[test]
fn run_forever_returns_after_stop_from_another_thread() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    let ran = Arc::new(AtomicUsize::new(0));
    let ran2 = ran.clone();
    handle.spawn(async move {
        runtime::sleep(Duration::from_millis(20)).await;
        ran2.fetch_add(1, SeqCst);
        Handle::current().stop();
    });
    rt.run_forever();
    assert_eq!(ran.load(SeqCst), 1);

    // A stop before run_forever makes it return at once; it is then re-armed.
    rt.handle().stop();
    rt.run_forever();
    let h = rt.handle().clone();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        h.stop();
    });
    rt.run_forever();
    stopper.join().unwrap();
}

#[test]
fn call_soon_call_later_call_at_run_in_time_order() {
    let rt = rt(2);
    let (tx, rx) = mpsc::channel();
    let h = rt.handle();
    let (t1, t2, t3) = (tx.clone(), tx.clone(), tx.clone());
    h.call_later(Duration::from_millis(60), move || t1.send("later").unwrap());
    h.call_at(h.time() + Duration::from_millis(30), move || {
        t2.send("at").unwrap()
    });
    h.call_soon(move || t3.send("soon").unwrap());
    let order: Vec<_> = rx.iter().take(3).collect();
    assert_eq!(order, ["soon", "at", "later"]);
}

#[test]
fn a_cancelled_timer_handle_never_runs() {
    let rt = rt(1);
    let ran = Arc::new(AtomicUsize::new(0));
    let ran2 = ran.clone();
    let timer = rt.handle().call_later(Duration::from_millis(30), move || {
        ran2.fetch_add(1, SeqCst);
    });
    assert!(timer.cancel());
    rt.block_on(runtime::sleep(Duration::from_millis(80)));
    assert_eq!(ran.load(SeqCst), 0);
    assert!(timer.is_cancelled());
    assert!(!timer.cancel());
}

#[test]
fn two_runtimes_submit_work_to_each_other() {
    let a = rt(1);
    let b = rt(1);
    let hb = b.handle().clone();
    let ha = a.handle().clone();
    let out = a.block_on(async move {
        // A task on `a` spawns on `b`, which spawns back on `a`.
        let task = runtime::spawn(async move {
            hb.spawn(async move {
                let name = std::thread::current().name().map(str::to_string);
                let back = ha.spawn(async { 10 }).await.unwrap();
                (name, back)
            })
            .await
            .unwrap()
        });
        task.await.unwrap()
    });
    assert_eq!(out.1, 10);
    assert!(
        out.0.unwrap().starts_with("runtime-w"),
        "ran on a worker of `b`"
    );
}

#[test]
fn thread_names_and_hooks_apply_to_every_runtime_thread() {
    let started = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicUsize::new(0));
    let (s1, s2) = (started.clone(), stopped.clone());
    let rt = Runtime::builder()
        .workers(2)
        .thread_name("custom")
        .on_thread_start(move || {
            s1.fetch_add(1, SeqCst);
        })
        .on_thread_stop(move || {
            s2.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap();
    let names = rt.block_on(async {
        let worker = runtime::spawn(async { std::thread::current().name().unwrap().to_string() });
        let blocking = runtime::to_thread(|| std::thread::current().name().unwrap().to_string());
        (worker.await.unwrap(), blocking.await.unwrap())
    });
    assert!(names.0.starts_with("custom-w"), "{names:?}");
    assert_eq!(names.1, "custom-blk");
    drop(rt);
    assert_eq!(started.load(SeqCst), 3);
    assert_eq!(stopped.load(SeqCst), 3);
}

#[runtime::test]
async fn the_test_macro_runs_inside_a_runtime() {
    assert!(Handle::try_current().is_some());
    runtime::sleep(Duration::from_millis(1)).await;
}

#[runtime::test(workers = 1)]
async fn the_test_macro_takes_options() {
    assert_eq!(Handle::current().num_workers(), 1);
}
