//! Eager tasks (asyncio's `eager_task_factory`): the first poll runs inside
//! `spawn`, on the caller's thread, until the first `Pending`.

use runtime::sync::Event;
use runtime_tests::{rt, DropCounter, Forever, HANG};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn a_ready_future_completes_inside_spawn() {
    let rt = rt(2);
    rt.block_on(async {
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        let task = runtime::spawn_eager(async move {
            flag.store(true, SeqCst);
            "ready"
        });
        assert!(ran.load(SeqCst), "the body ran before spawn_eager returned");
        assert!(task.is_done());
        assert_eq!(task.await.unwrap(), "ready");
    });
}

#[test]
fn the_first_poll_runs_inline_and_the_rest_on_the_workers() {
    let rt = rt(2);
    rt.block_on(async {
        let steps = Arc::new(Mutex::new(Vec::new()));
        let gate = Arc::new(Event::new());
        let (log, wait) = (steps.clone(), gate.clone());
        let task = runtime::spawn_eager(async move {
            log.lock().unwrap().push("before the first await");
            wait.wait().await;
            log.lock().unwrap().push("after the wake-up");
            7
        });
        steps.lock().unwrap().push("spawn returned");
        assert!(!task.is_done());
        gate.set();
        assert_eq!(task.await.unwrap(), 7);
        assert_eq!(
            *steps.lock().unwrap(),
            [
                "before the first await",
                "spawn returned",
                "after the wake-up"
            ]
        );
    });
}

#[test]
fn inside_its_first_poll_the_eager_task_is_the_current_task() {
    let rt = rt(1);
    rt.block_on(async {
        let outer = runtime::spawn(async {
            let me = runtime::current_task().unwrap().id();
            let seen = Arc::new(Mutex::new(None));
            let slot = seen.clone();
            let task = runtime::task::Builder::new()
                .name("eager-one")
                .eager()
                .spawn(async move {
                    let current = runtime::current_task().unwrap();
                    *slot.lock().unwrap() = Some((current.id(), current.name().map(str::to_owned)));
                });
            let (id, name) = seen.lock().unwrap().clone().unwrap();
            assert_eq!(id, task.id());
            assert_eq!(name.as_deref(), Some("eager-one"));
            assert_eq!(
                runtime::current_task().unwrap().id(),
                me,
                "restored after the poll"
            );
            task.await.unwrap();
        });
        outer.await.unwrap();
    });
}

#[test]
fn a_panic_in_the_first_poll_is_caught_into_the_task() {
    let rt = rt(1);
    rt.block_on(async {
        let task = runtime::spawn_eager(async { panic!("eager boom") });
        assert!(task.is_done());
        let error = task.await.unwrap_err();
        assert_eq!(error.panic_message(), Some("eager boom"));
    });
}

#[test]
fn a_pending_eager_task_can_be_cancelled_and_its_future_is_dropped() {
    let rt = rt(2);
    let drops = DropCounter::new();
    rt.block_on(async {
        let task = runtime::spawn_eager(Forever(drops.token()));
        assert!(!task.is_done());
        assert!(
            runtime::all_tasks().iter().any(|t| t.id() == task.id()),
            "listed while alive"
        );
        task.cancel();
        assert!(task.await.unwrap_err().is_cancelled());
    });
    assert_eq!(drops.drops(), 1);
}

#[test]
fn done_callbacks_run_for_a_task_that_finished_at_once() {
    let rt = rt(1);
    rt.block_on(async {
        let called = Arc::new(AtomicUsize::new(0));
        let count = called.clone();
        let task = runtime::spawn_eager(async { 1 });
        task.add_done_callback(move |_| {
            count.fetch_add(1, SeqCst);
        });
        task.await.unwrap();
        let start = std::time::Instant::now();
        while called.load(SeqCst) == 0 {
            assert!(start.elapsed() < HANG, "the callback never ran");
            runtime::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(called.load(SeqCst), 1);
    });
}

#[test]
fn a_plain_thread_can_spawn_eagerly_onto_a_runtime() {
    let rt = rt(2);
    let caller = std::thread::current().id();
    let polled_on = Arc::new(Mutex::new(None));
    let slot = polled_on.clone();
    let gate = Arc::new(Event::new());
    let wait = gate.clone();
    let task = runtime::task::Builder::new().eager().spawn_on(
        async move {
            *slot.lock().unwrap() = Some(std::thread::current().id());
            wait.wait().await;
            std::thread::current().name().map(str::to_owned)
        },
        rt.handle(),
    );
    assert_eq!(
        *polled_on.lock().unwrap(),
        Some(caller),
        "first poll on the caller"
    );
    gate.set();
    let later = task.join_blocking().unwrap().unwrap_or_default();
    assert!(later.contains("-w"), "the rest ran on a worker: {later}");
}

#[test]
fn eager_spawn_local_keeps_the_task_on_its_worker() {
    let rt = rt(2);
    rt.block_on(async {
        runtime::spawn(async {
            let shared = std::rc::Rc::new(5);
            let worker = std::thread::current().id();
            let task = runtime::task::Builder::new()
                .eager()
                .spawn_local(async move {
                    let first = std::thread::current().id();
                    runtime::yield_now().await;
                    (*shared * 2, first, std::thread::current().id())
                });
            let (value, first, rest) = task.await.unwrap();
            assert_eq!(value, 10);
            assert_eq!(first, worker);
            assert_eq!(rest, worker);
        })
        .await
        .unwrap();
    });
}

#[test]
fn a_task_that_yields_in_its_first_poll_finishes_on_the_workers() {
    // One worker, spawning from a task on it: the yielded task is queued
    // behind its spawner, so it cannot have finished when spawn returns.
    let rt = rt(1);
    rt.block_on(async {
        runtime::spawn(async {
            let task = runtime::spawn_eager(async {
                runtime::yield_now().await;
                runtime::yield_now().await;
                3
            });
            assert!(!task.is_done());
            assert_eq!(task.await.unwrap(), 3);
        })
        .await
        .unwrap();
    });
}

#[test]
fn eager_tasks_nest() {
    let rt = rt(1);
    rt.block_on(async {
        let task = runtime::spawn_eager(async {
            let inner = runtime::spawn_eager(async { 20 });
            assert!(inner.is_done());
            inner.await.unwrap() + 1
        });
        assert!(task.is_done());
        assert_eq!(task.await.unwrap(), 21);
    });
}

#[test]
fn after_shutdown_an_eager_task_is_cancelled_without_running() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    drop(rt);
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    let task = runtime::task::Builder::new()
        .eager()
        .spawn_on(async move { flag.store(true, SeqCst) }, &handle);
    assert!(task.join_blocking().unwrap_err().is_cancelled());
    assert!(!ran.load(SeqCst));
}

#[test]
fn the_first_poll_may_use_another_runtime() {
    // The caller's runtime context is not held borrowed during the first
    // poll, so the eager body can block on another runtime.
    let rt = rt(1);
    let other = rt_other();
    rt.block_on(async {
        let task = runtime::spawn_eager(async move {
            let value = other.block_on(async { 5 });
            drop(other);
            value
        });
        assert_eq!(task.await.unwrap(), 5);
    });
}

fn rt_other() -> runtime::Runtime {
    runtime_tests::rt(1)
}
