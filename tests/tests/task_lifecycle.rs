//! Tasks: output, cancellation at every point, panics, handles, callbacks,
//! names, introspection, and that every future and output is dropped
//! exactly once.

use runtime::{TaskError, TaskState};
use runtime_tests::{rt, DropCounter, Forever};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::Duration;

#[test]
fn a_panicking_task_reports_panicked_and_its_worker_survives() {
    let rt = rt(1);
    rt.block_on(async {
        let err = runtime::spawn(async {
            panic!("boom");
        })
        .await
        .unwrap_err();
        assert!(err.is_panic());
        assert_eq!(err.panic_message(), Some("boom"));
        assert_eq!(err.to_string(), "task panicked: boom");
        // Same single worker, still alive.
        for i in 0..100 {
            assert_eq!(runtime::spawn(async move { i }).await.unwrap(), i);
        }
    });
}

#[test]
fn cancel_before_the_task_first_runs() {
    let rt = rt(1);
    let drops = DropCounter::new();
    let polled = Arc::new(AtomicBool::new(false));
    rt.block_on(async {
        let (gate_tx, gate_rx) = futures_channel::oneshot::channel::<()>();
        // Occupy the only worker so the next task cannot start yet.
        let blocker = runtime::spawn(async move {
            std::thread::sleep(Duration::from_millis(30));
            let _ = gate_rx.await;
        });
        let polled2 = polled.clone();
        let token = drops.token();
        let task = runtime::spawn(async move {
            let _token = token;
            polled2.store(true, SeqCst);
        });
        assert!(task.cancel());
        let err = task.await.unwrap_err();
        assert!(err.is_cancelled(), "{err:?}");
        gate_tx.send(()).unwrap();
        blocker.await.unwrap();
    });
    assert!(
        !polled.load(SeqCst),
        "a task cancelled before its first poll never runs"
    );
    assert_eq!(drops.drops(), 1);
}

#[test]
fn cancel_while_waiting_drops_the_future_and_reports_cancelled() {
    let rt = rt(2);
    let drops = DropCounter::new();
    rt.block_on(async {
        let task = runtime::spawn(Forever(drops.token()));
        runtime::sleep(Duration::from_millis(10)).await;
        assert!(!task.is_done());
        assert!(task.cancel());
        let err = task.await.unwrap_err();
        assert!(err.is_cancelled());
    });
    assert_eq!(drops.drops(), 1);
}

#[test]
fn cancel_while_running_takes_effect_at_the_next_await() {
    let rt = rt(2);
    let reached_end = Arc::new(AtomicBool::new(false));
    let reached = reached_end.clone();
    rt.block_on(async {
        let (started_tx, started_rx) = mpsc::channel();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let task = runtime::spawn(async move {
            started_tx.send(()).unwrap();
            // Busy in a poll while the cancel arrives.
            go_rx.recv().unwrap();
            runtime::yield_now().await;
            reached.store(true, SeqCst);
        });
        runtime::to_thread(move || started_rx.recv().unwrap())
            .await
            .unwrap();
        assert!(task.cancel());
        go_tx.send(()).unwrap();
        assert!(task.await.unwrap_err().is_cancelled());
    });
    assert!(!reached_end.load(SeqCst));
}

#[test]
fn cancel_after_completion_returns_false_and_keeps_the_output() {
    let rt = rt(2);
    rt.block_on(async {
        let mut task = runtime::spawn(async { 7 });
        while !task.is_done() {
            runtime::yield_now().await;
        }
        assert!(!task.cancel());
        assert!(!task.is_cancelled());
        assert_eq!(task.try_result().unwrap().unwrap(), 7);
        assert!(task.try_result().is_none(), "the output is moved out once");
    });
}

#[test]
fn try_result_is_none_while_running() {
    let rt = rt(2);
    rt.block_on(async {
        let (tx, rx) = futures_channel::oneshot::channel::<u32>();
        let mut task = runtime::spawn(async move { rx.await.unwrap() });
        assert!(task.try_result().is_none());
        tx.send(3).unwrap();
        assert_eq!(task.await.unwrap(), 3);
    });
}

#[test]
fn dropping_the_handle_detaches_and_the_task_still_runs() {
    let rt = rt(2);
    let (tx, rx) = mpsc::channel();
    rt.block_on(async move {
        drop(runtime::spawn(async move {
            runtime::sleep(Duration::from_millis(5)).await;
            tx.send(1).unwrap();
        }));
    });
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), 1);
}

#[test]
fn futures_and_outputs_are_dropped_exactly_once() {
    let rt = rt(2);
    let futures = DropCounter::new();
    let outputs = DropCounter::new();
    rt.block_on(async {
        let mut handles = Vec::new();
        for i in 0..200 {
            let f = futures.token();
            let o = outputs.clone();
            let task = runtime::spawn(async move {
                let _f = f;
                if i % 3 == 0 {
                    runtime::yield_now().await;
                }
                o.token()
            });
            match i % 4 {
                0 => drop(task),                // detached: output dropped by the runtime
                1 => drop(task.await.unwrap()), // awaited: output dropped here
                _ => handles.push(task),        // dropped later, possibly after completion
            }
        }
        runtime::sleep(Duration::from_millis(20)).await;
        drop(handles);
        runtime::sleep(Duration::from_millis(20)).await;
    });
    drop(rt);
    assert_eq!(futures.drops(), 200);
    assert_eq!(outputs.drops(), 200);
}

#[test]
fn done_callbacks_run_once_before_and_after_completion() {
    let rt = rt(2);
    let calls = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let (tx, rx) = futures_channel::oneshot::channel::<()>();
        let task = runtime::task::Builder::new()
            .name("with-callbacks")
            .spawn(async move { rx.await.unwrap() });
        let c = calls.clone();
        task.add_done_callback(move |info| {
            assert_eq!(info.name(), Some("with-callbacks"));
            assert_eq!(info.state(), TaskState::Completed);
            c.fetch_add(1, SeqCst);
        });
        tx.send(()).unwrap();
        while !task.is_done() {
            runtime::yield_now().await;
        }
        let c = calls.clone();
        task.add_done_callback(move |_| {
            c.fetch_add(10, SeqCst);
        });
        task.await.unwrap();
    });
    // The first callback runs on the worker that completed the task; it may
    // still be running when `is_done` turns true on this thread.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while calls.load(SeqCst) != 11 && std::time::Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert_eq!(calls.load(SeqCst), 11, "each callback ran exactly once");
}

#[test]
fn names_ids_and_introspection() {
    let rt = rt(2);
    rt.block_on(async {
        let (tx, rx) = futures_channel::oneshot::channel::<()>();
        let task = runtime::task::Builder::new()
            .name("sleeper")
            .spawn(async move {
                let me = runtime::current_task().expect("inside a task");
                let _ = rx.await;
                me
            });
        runtime::sleep(Duration::from_millis(10)).await;
        let all = runtime::all_tasks();
        let info = all.iter().find(|t| t.id() == task.id()).expect("listed");
        assert_eq!(info.name(), Some("sleeper"));
        assert_eq!(info.state(), TaskState::Waiting);
        assert!(info.location().file().ends_with("task_lifecycle.rs"));
        assert!(info.polls() >= 1);
        assert!(info.to_string().contains("\"sleeper\""), "{info}");
        task.set_name("renamed");
        assert_eq!(task.name().as_deref(), Some("renamed"));
        tx.send(()).unwrap();
        let me = task.await.unwrap();
        assert_eq!(me.state(), TaskState::Running);
        // Finished tasks leave the registry.
        runtime::yield_now().await;
        assert!(runtime::all_tasks().iter().all(|t| t.id() != me.id()));
        assert!(
            runtime::current_task().is_none(),
            "block_on's future is not a task"
        );
    });
}

#[test]
fn spawn_local_runs_not_send_futures_on_the_spawning_worker() {
    let rt = rt(2);
    let out = rt.block_on(async {
        // A Send task starts a local driver, which owns the Rc and spawns
        // more local tasks.
        runtime::spawn(async {
            runtime::spawn_local(async {
                let here = std::thread::current().id();
                let rc = std::rc::Rc::new(std::cell::RefCell::new(0));
                let mut locals = Vec::new();
                for _ in 0..50 {
                    let rc = rc.clone();
                    locals.push(runtime::spawn_local(async move {
                        runtime::yield_now().await;
                        runtime::sleep(Duration::from_millis(1)).await;
                        *rc.borrow_mut() += 1;
                        std::thread::current().id()
                    }));
                }
                for task in locals {
                    assert_eq!(task.await.unwrap(), here, "local tasks never move");
                }
                let total = *rc.borrow();
                total
            })
            .await
            .unwrap()
        })
        .await
        .unwrap()
    });
    assert_eq!(out, 50);
}

#[test]
fn spawn_local_outside_a_worker_panics_clearly() {
    let rt = rt(1);
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            drop(runtime::spawn_local(async {}));
        })
    }))
    .unwrap_err();
    let message = runtime_tests::panic_message(&*payload);
    assert!(
        message.contains("spawn_local() must be called from a task"),
        "{message}"
    );
}

#[test]
fn join_blocking_from_plain_threads() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let handle = handle.clone();
            std::thread::spawn(move || {
                (0..500)
                    .map(|i| {
                        handle
                            .spawn(async move { t * 1000 + i })
                            .join_blocking()
                            .unwrap()
                    })
                    .sum::<usize>()
            })
        })
        .collect();
    let total: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    let expected: usize = (0..4)
        .map(|t| (0..500).map(|i| t * 1000 + i).sum::<usize>())
        .sum();
    assert_eq!(total, expected);
    let err = handle
        .spawn(async { panic!("from a plain thread's task") })
        .join_blocking()
        .unwrap_err();
    assert!(err.is_panic());
}

#[test]
fn task_errors_are_descriptive() {
    assert_eq!(TaskError::Cancelled.to_string(), "task was cancelled");
    assert!(
        TaskError::WouldDeadlock
            .to_string()
            .contains("await the task instead")
            || TaskError::WouldDeadlock
                .to_string()
                .contains("`.await` the task")
    );
    let e = TaskError::Panicked(runtime::PanicPayload::new(Box::new("x")));
    assert_eq!(format!("{e:?}"), "Panicked(\"x\")");
    assert!(e.try_into_panic().is_ok());
}

#[test]
fn tasks_and_handles_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<runtime::Task<u32>>();
    send_sync::<runtime::Handle>();
    send_sync::<runtime::Runtime>();
    // So `?` turns a task's error into a `Box<dyn Error + Send + Sync>`.
    send_sync::<runtime::TaskError>();
    // Small: it sits in every finished task's output slot (the payload
    // and its message are boxed together).
    assert!(std::mem::size_of::<runtime::TaskError>() <= 2 * std::mem::size_of::<usize>());
    send_sync::<runtime::TimerHandle>();
    send_sync::<runtime::ThreadPoolExecutor>();
    send_sync::<runtime::TaskInfo>();
    send_sync::<runtime::Sleep>();
}
