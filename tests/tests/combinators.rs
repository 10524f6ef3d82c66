//! Composition: gather!, gather, try_gather, wait, as_completed, shield,
//! wait_for, the re-schedulable deadline, TaskGroup, Promise and
//! CancelOnDrop, through the public API only.
//!
//! Overlap and ordering are shown with promises and logs, never with
//! durations: where a sleep appears it only makes a future pending.

use runtime::{
    PromiseError, ReturnWhen, Task, TaskError, TaskFailure, TaskGroup, TaskGroupClosed, TaskState,
};
use runtime_tests::{rt, DropCounter, Forever};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

type Promise<T> = runtime::Promise<T, String>;
type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A shared, ordered log of events.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn push(&self, event: impl Into<String>) {
        self.0.lock().unwrap().push(event.into());
    }

    fn events(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// Counts how many times the wrapped future is polled.
struct CountPolls<F> {
    polls: Arc<AtomicUsize>,
    future: Pin<Box<F>>,
}

impl<F: Future> Future for CountPolls<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, SeqCst);
        self.future.as_mut().poll(cx)
    }
}

fn count_polls<F: Future>(future: F) -> (Arc<AtomicUsize>, CountPolls<F>) {
    let polls = Arc::new(AtomicUsize::new(0));
    let counted = CountPolls {
        polls: polls.clone(),
        future: Box::pin(future),
    };
    (polls, counted)
}

/// A promise settled with the task's final state when it finishes.
fn ended<T>(task: &Task<T>) -> Promise<TaskState> {
    let promise = Promise::new();
    let setter = promise.clone();
    task.add_done_callback(move |info| {
        let _ = setter.set_result(info.state());
    });
    promise
}

/// A task that waits for `go`, then returns `value`.
fn gated<T: Clone + Send + Sync + 'static>(go: &Promise<()>, value: T) -> Task<T> {
    let go = go.clone();
    runtime::spawn(async move {
        go.await.unwrap();
        value
    })
}

// ---- gather! ---------------------------------------------------------------

#[test]
fn gather_macro_returns_outputs_in_argument_order() {
    let rt = rt(2);
    rt.block_on(async {
        let local = String::from("borrowed");
        let (a, b, c, d) = runtime::gather!(
            async {
                runtime::sleep(Duration::from_millis(30)).await;
                1
            },
            async {
                runtime::sleep(Duration::from_millis(10)).await;
                "two"
            },
            async { local.len() },
            runtime::spawn(async { 4.0 }),
        )
        .await;
        assert_eq!((a, b, c), (1, "two", 8));
        assert_eq!(d.unwrap(), 4.0);
        let () = runtime::gather!().await;
        let (single,) = runtime::gather!(async { 'x' }).await;
        assert_eq!(single, 'x');
    });
}

#[test]
fn gather_macro_starts_every_future_before_any_finishes() {
    let rt = rt(2);
    let log = Log::default();
    rt.block_on(async {
        let step = |name: &'static str| {
            let log = log.clone();
            async move {
                log.push(format!("{name} start"));
                runtime::sleep(Duration::from_millis(100)).await;
                log.push(format!("{name} end"));
            }
        };
        runtime::gather!(step("a"), step("b"), step("c")).await;
    });
    let events = log.events();
    assert_eq!(&events[..3], ["a start", "b start", "c start"]);
    assert_eq!(events.len(), 6);
}

#[test]
fn gather_macro_futures_can_wait_on_each_other() {
    // Run one after the other, this would never finish: the first future
    // waits for something only the last one does.
    let rt = rt(1);
    rt.block_on(async {
        let ping: Promise<u32> = Promise::new();
        let pong: Promise<u32> = Promise::new();
        let (a, b) = runtime::gather!(
            async {
                let n = ping.wait().await.unwrap();
                pong.set_result(n + 1).unwrap();
                n
            },
            async {
                ping.set_result(1).unwrap();
                pong.wait().await.unwrap()
            },
        )
        .await;
        assert_eq!((a, b), (1, 2));
    });
}

#[test]
fn gather_macro_polls_only_the_futures_that_were_woken() {
    let rt = rt(2);
    rt.block_on(async {
        let go: Promise<()> = Promise::new();
        let (idle_polls, idle) = count_polls(go.wait());
        let (busy_polls, busy) = count_polls(async {
            for _ in 0..50 {
                runtime::yield_now().await;
            }
            go.set_result(()).unwrap();
        });
        let (idle_out, ()) = runtime::gather!(idle, busy).await;
        idle_out.unwrap();
        assert!(busy_polls.load(SeqCst) > 50);
        // Its first poll, and the one after `go` woke it.
        assert_eq!(idle_polls.load(SeqCst), 2);
    });
}

// ---- gather(iter) ----------------------------------------------------------

#[test]
fn gather_returns_outputs_in_input_order_whatever_the_completion_order() {
    let rt = rt(2);
    rt.block_on(async {
        let gates: Vec<Promise<()>> = (0..5).map(|_| Promise::new()).collect();
        let tasks: Vec<_> = gates.iter().enumerate().map(|(i, g)| gated(g, i)).collect();
        let all = runtime::gather(tasks);
        // Open the gates last to first.
        for gate in gates.iter().rev() {
            gate.set_result(()).unwrap();
        }
        let outputs: Vec<usize> = all.await.into_iter().map(Result::unwrap).collect();
        assert_eq!(outputs, [0, 1, 2, 3, 4]);

        let none = runtime::gather(Vec::<std::future::Ready<u8>>::new()).await;
        assert!(none.is_empty());
    });
}

#[test]
fn gather_collects_failures_like_return_exceptions() {
    let rt = rt(2);
    rt.block_on(async {
        let tasks = vec![
            runtime::spawn(async { 1 }),
            runtime::spawn(async { panic!("boom") }),
            runtime::spawn(async { 3 }),
        ];
        let outputs = runtime::gather(tasks).await;
        assert_eq!(outputs[0].as_ref().unwrap(), &1);
        assert_eq!(
            outputs[1].as_ref().unwrap_err().panic_message(),
            Some("boom")
        );
        assert_eq!(outputs[2].as_ref().unwrap(), &3);

        let results =
            runtime::gather([std::future::ready(Ok(1)), std::future::ready(Err("no"))]).await;
        assert_eq!(results, [Ok(1), Err("no")]);
    });
}

#[test]
fn gather_polls_only_the_futures_that_were_woken() {
    type Boxed = BoxFuture<Result<(), PromiseError<String>>>;
    let rt = rt(2);
    rt.block_on(async {
        let go: Promise<()> = Promise::new();
        let started: Promise<()> = Promise::new();
        let mut counters = Vec::new();
        let mut futures: Vec<Boxed> = Vec::new();
        for _ in 0..10 {
            let (polls, future) = count_polls(go.wait());
            counters.push(polls);
            futures.push(Box::pin(future));
        }
        // Polled last in the first round: by then the others wait for `go`.
        let start = started.clone();
        futures.push(Box::pin(async move {
            start.set_result(()).unwrap();
            Ok(())
        }));
        let setter = go.clone();
        let opener = runtime::spawn(async move {
            started.await.unwrap();
            setter.set_result(()).unwrap();
        });
        for output in runtime::gather(futures).await {
            output.unwrap();
        }
        opener.await.unwrap();
        for polls in counters {
            // The first round, and once after `go` woke it.
            assert_eq!(polls.load(SeqCst), 2);
        }
    });
}

// ---- try_gather ------------------------------------------------------------

#[test]
fn try_gather_returns_every_value_in_order_when_all_succeed() {
    let rt = rt(2);
    rt.block_on(async {
        let futures = (0..4).map(|i| async move {
            runtime::sleep(Duration::from_millis(4 - i)).await;
            Ok::<_, String>(i)
        });
        assert_eq!(runtime::try_gather(futures).await, Ok(vec![0, 1, 2, 3]));
    });
}

#[test]
fn try_gather_returns_the_first_error_at_once_and_cancels_the_rest() {
    let rt = rt(2);
    let drops = DropCounter::new();
    rt.block_on(async {
        let fail: Promise<()> = Promise::new();
        // Two spawned tasks that would never finish, each guarded by
        // `cancel_on_drop`, and an in-place future that never finishes.
        let forever_tasks: Vec<_> = (0..2)
            .map(|_| runtime::spawn(Forever(drops.token())))
            .collect();
        let forever_ended: Vec<_> = forever_tasks.iter().map(ended).collect();
        let mut futures: Vec<BoxFuture<Result<u32, String>>> = Vec::new();
        for task in forever_tasks {
            let guard = task.cancel_on_drop();
            futures.push(Box::pin(async move {
                guard.await.map_err(|e| e.to_string())?;
                Ok(0)
            }));
        }
        let in_place = Forever(drops.token());
        futures.push(Box::pin(async move {
            in_place.await;
            Ok(0)
        }));
        let fail_gate = fail.clone();
        futures.push(Box::pin(async move {
            fail_gate.await.unwrap();
            Err("the third one failed".to_string())
        }));

        let all = runtime::spawn(runtime::try_gather(futures));
        fail.set_result(()).unwrap();
        assert_eq!(all.await.unwrap(), Err("the third one failed".to_string()));
        // The in-place future was dropped before the error was returned...
        assert!(drops.drops() >= 1);
        // ...and the spawned tasks were cancelled, not detached.
        for ended in forever_ended {
            assert_eq!(ended.await, Ok(TaskState::Cancelled));
        }
    });
    assert_eq!(drops.drops(), 3);
}

// ---- wait ------------------------------------------------------------------

#[test]
fn wait_all_completed_returns_when_every_task_is_done() {
    let rt = rt(2);
    rt.block_on(async {
        let tasks: Vec<_> = (0..4u64)
            .map(|i| {
                runtime::spawn(async move {
                    runtime::sleep(Duration::from_millis(i)).await;
                    i
                })
            })
            .collect();
        let (done, pending) = runtime::wait(tasks, ReturnWhen::AllCompleted, None).await;
        assert!(pending.is_empty());
        let outputs: Vec<u64> = runtime::gather(done)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(outputs, [0, 1, 2, 3]);

        let (done, pending) =
            runtime::wait(Vec::<Task<()>>::new(), ReturnWhen::default(), None).await;
        assert!(done.is_empty() && pending.is_empty());
    });
}

#[test]
fn wait_first_completed_returns_the_finished_task_and_leaves_the_rest_running() {
    let rt = rt(2);
    let drops = DropCounter::new();
    rt.block_on(async {
        let go: Promise<()> = Promise::new();
        let tasks = vec![
            runtime::spawn(Forever(drops.token())),
            {
                let go = go.clone();
                runtime::spawn(async move { go.await.unwrap() })
            },
            runtime::spawn(Forever(drops.token())),
        ];
        let ids: Vec<_> = tasks.iter().map(Task::id).collect();
        let waiting = runtime::spawn(runtime::wait(tasks, ReturnWhen::FirstCompleted, None));
        go.set_result(()).unwrap();
        let (done, pending) = waiting.await.unwrap();
        assert_eq!(done.iter().map(Task::id).collect::<Vec<_>>(), [ids[1]]);
        assert_eq!(
            pending.iter().map(Task::id).collect::<Vec<_>>(),
            [ids[0], ids[2]]
        );
        assert!(pending.iter().all(|task| !task.is_done()));
        assert_eq!(drops.drops(), 0);
        for task in pending {
            task.cancel();
            assert!(task.await.unwrap_err().is_cancelled());
        }
    });
    assert_eq!(drops.drops(), 2);
}

#[test]
fn wait_first_exception_ignores_err_outputs_and_stops_at_a_panic() {
    // One worker, so each task finishes before the next one it wakes runs.
    let rt = rt(1);
    rt.block_on(async {
        let returned_err: Promise<()> = Promise::new();
        let signal = returned_err.clone();
        let err_output = runtime::spawn(async move {
            signal.set_result(()).unwrap();
            Err::<(), _>("an Err output is a normal completion")
        });
        let forever = runtime::spawn(async {
            std::future::pending::<()>().await;
            Ok(())
        });
        let panics: Task<Result<(), &str>> = runtime::spawn(async move {
            returned_err.await.unwrap();
            runtime::yield_now().await;
            panic!("a real failure")
        });
        let ids = [err_output.id(), forever.id(), panics.id()];
        let (done, pending) = runtime::wait(
            [err_output, forever, panics],
            ReturnWhen::FirstException,
            None,
        )
        .await;
        assert_eq!(
            done.iter().map(Task::id).collect::<Vec<_>>(),
            [ids[0], ids[2]]
        );
        assert_eq!(pending.iter().map(Task::id).collect::<Vec<_>>(), [ids[1]]);
        for task in pending {
            task.cancel();
        }
    });
}

#[test]
fn wait_first_exception_counts_a_cancelled_task() {
    let rt = rt(2);
    rt.block_on(async {
        let victim = runtime::spawn(std::future::pending::<()>());
        let bystander = runtime::spawn(std::future::pending::<()>());
        victim.cancel();
        let (done, pending) =
            runtime::wait([victim, bystander], ReturnWhen::FirstException, None).await;
        assert_eq!(done.len(), 1);
        assert!(done[0].is_cancelled());
        assert_eq!(pending.len(), 1);
        pending[0].cancel();
    });
}

#[test]
fn wait_with_a_timeout_returns_the_pending_tasks_without_cancelling_them() {
    let rt = rt(2);
    let drops = DropCounter::new();
    rt.block_on(async {
        let token = drops.token();
        let tasks = vec![
            runtime::spawn(async { 1 }),
            runtime::spawn(async move {
                Forever(token).await;
                2
            }),
        ];
        let timeout = Some(Duration::from_millis(20));
        let (done, pending) = runtime::wait(tasks, ReturnWhen::AllCompleted, timeout).await;
        assert_eq!(done.len(), 1);
        assert_eq!(pending.len(), 1);
        assert!(!pending[0].is_done(), "a timeout cancels nothing");
        assert_eq!(drops.drops(), 0);
        for task in done {
            assert_eq!(task.await.unwrap(), 1);
        }
        for task in pending {
            task.cancel();
            assert!(task.await.unwrap_err().is_cancelled());
        }
    });
    assert_eq!(drops.drops(), 1);
}

// ---- as_completed ----------------------------------------------------------

#[test]
fn as_completed_yields_in_completion_order() {
    let rt = rt(2);
    rt.block_on(async {
        let gates: Vec<Promise<()>> = (0..3).map(|_| Promise::new()).collect();
        let tasks: Vec<_> = gates.iter().enumerate().map(|(i, g)| gated(g, i)).collect();
        let mut stream = runtime::as_completed(tasks);
        assert_eq!(stream.len(), 3);
        let mut order = Vec::new();
        for gate in [2, 0, 1] {
            gates[gate].set_result(()).unwrap();
            order.push(stream.next().await.unwrap().unwrap());
        }
        assert_eq!(order, [2, 0, 1]);
        assert!(stream.next().await.is_none());
        assert!(stream.is_empty());
    });
}

#[test]
fn as_completed_reports_a_panic_as_an_item() {
    let rt = rt(2);
    rt.block_on(async {
        let tasks = [runtime::spawn(async {
            panic!("boom");
        })];
        let mut stream = runtime::as_completed(tasks);
        let item: Result<(), TaskError> = stream.next().await.unwrap();
        assert_eq!(item.unwrap_err().panic_message(), Some("boom"));
    });
}

#[test]
fn as_completed_with_a_timeout_yields_what_finished_then_the_timeout_then_ends() {
    let rt = rt(2);
    rt.block_on(async {
        let tasks = [
            runtime::spawn(async { Some(1) }),
            runtime::spawn(async {
                std::future::pending::<()>().await;
                None
            }),
        ];
        let mut stream = runtime::as_completed(tasks).timeout(Duration::from_millis(20));
        assert_eq!(stream.next().await.unwrap().unwrap().unwrap(), Some(1));
        let timed_out = stream.next().await.unwrap();
        assert_eq!(timed_out.unwrap_err(), runtime::TimeoutError::new());
        assert!(stream.timed_out());
        assert!(stream.next().await.is_none());
        // The task left over was not cancelled.
        let left = stream.into_pending();
        assert_eq!(left.len(), 1);
        assert!(!left[0].is_done());
        left[0].cancel();
    });
}

// ---- shield ----------------------------------------------------------------

#[test]
fn cancelling_the_awaiting_task_leaves_the_shielded_task_running() {
    let rt = rt(2);
    rt.block_on(async {
        let go: Promise<()> = Promise::new();
        let finished: Promise<&str> = Promise::new();
        let started: Promise<()> = Promise::new();
        let (gate, result, start) = (go.clone(), finished.clone(), started.clone());
        let outer = runtime::spawn(async move {
            let shielded = runtime::shield(async move {
                start.set_result(()).unwrap();
                gate.await.unwrap();
                result.set_result("inner finished").unwrap();
                7
            });
            shielded.await
        });
        started.wait().await.unwrap();
        assert!(outer.cancel());
        assert!(outer.await.unwrap_err().is_cancelled());
        go.set_result(()).unwrap();
        assert_eq!(finished.await, Ok("inner finished"));
    });
}

#[test]
fn shield_returns_the_inner_output() {
    let rt = rt(2);
    rt.block_on(async {
        assert_eq!(runtime::shield(async { 5 }).await.unwrap(), 5);
        let err = runtime::shield(async {
            panic!("inner");
        })
        .await
        .unwrap_err();
        assert_eq!(err.panic_message(), Some("inner"));
    });
}

// ---- wait_for --------------------------------------------------------------

#[test]
fn wait_for_cancels_the_task_and_awaits_its_end_before_timing_out() {
    let rt = rt(2);
    let drops = DropCounter::new();
    rt.block_on(async {
        let task = runtime::spawn(Forever(drops.token()));
        let result = runtime::wait_for(Duration::from_millis(10), task).await;
        assert_eq!(result.unwrap_err(), runtime::TimeoutError::new());
        // The task's future was gone before the error came back.
        assert_eq!(drops.drops(), 1);
    });
}

#[test]
fn wait_for_returns_the_output_in_time() {
    let rt = rt(2);
    rt.block_on(async {
        let task = runtime::spawn(async { "ok" });
        let result = runtime::wait_for(Duration::from_secs(60), task).await;
        assert_eq!(result.unwrap().unwrap(), "ok");
    });
}

#[test]
fn dropping_wait_for_cancels_the_task() {
    let rt = rt(2);
    rt.block_on(async {
        let task = runtime::spawn(std::future::pending::<()>());
        let state = ended(&task);
        let waiting = runtime::wait_for(Duration::from_secs(60), task);
        assert!(runtime::timeout(Duration::from_millis(5), waiting)
            .await
            .is_err());
        assert_eq!(state.await, Ok(TaskState::Cancelled));
    });
}

// ---- deadline (asyncio.timeout) --------------------------------------------

#[test]
fn a_deadline_moved_earlier_from_another_task_expires_the_scope() {
    let rt = rt(2);
    rt.block_on(async {
        let scope = runtime::deadline(None);
        let handle = scope.handle();
        assert_eq!(handle.when(), None);
        let entered: Promise<()> = Promise::new();
        let signal = entered.clone();
        let mover = handle.clone();
        let other = runtime::spawn(async move {
            signal.await.unwrap();
            mover.reschedule(Some(Instant::now()));
        });
        let result = scope
            .run(async move {
                entered.set_result(()).unwrap();
                std::future::pending::<()>().await
            })
            .await;
        assert_eq!(result, Err(runtime::TimeoutError::new()));
        assert!(handle.expired());
        assert!(handle.when().is_some());
        other.await.unwrap();
    });
}

#[test]
fn a_deadline_moved_later_lets_the_scope_finish() {
    let rt = rt(2);
    rt.block_on(async {
        let scope = runtime::deadline(Some(Duration::from_millis(20)));
        let handle = scope.handle();
        let inside = handle.clone();
        let result = scope
            .run(async move {
                inside.reschedule(Some(Instant::now() + Duration::from_secs(3600)));
                // Well past the original deadline.
                runtime::sleep(Duration::from_millis(60)).await;
                "finished"
            })
            .await;
        assert_eq!(result, Ok("finished"));
        assert!(!handle.expired());

        // Removing the deadline altogether works the same way.
        let scope = runtime::deadline(Some(Duration::from_millis(20)));
        let inside = scope.handle();
        let result = scope
            .run(async move {
                inside.reschedule(None);
                runtime::sleep(Duration::from_millis(60)).await;
            })
            .await;
        assert_eq!(result, Ok(()));
    });
}

#[test]
fn a_deadline_can_be_rescheduled_from_a_plain_thread() {
    let rt = rt(2);
    rt.block_on(async {
        let scope = runtime::deadline_at(None);
        let handle = scope.handle();
        let running = runtime::spawn(scope.run(std::future::pending::<()>()));
        let thread = std::thread::spawn(move || handle.reschedule(Some(Instant::now())));
        assert!(running.await.unwrap().is_err());
        thread.join().unwrap();
    });
}

// ---- TaskGroup -------------------------------------------------------------

#[test]
fn a_task_group_whose_members_all_succeed_joins_ok() {
    let rt = rt(2);
    rt.block_on(async {
        let group = TaskGroup::<String>::new();
        let tasks: Vec<_> = (0..5u64)
            .map(|i| {
                group
                    .spawn(async move {
                        runtime::sleep(Duration::from_millis(5 - i)).await;
                        Ok(i * i)
                    })
                    .unwrap()
            })
            .collect();
        group.join().await.unwrap();
        assert!(tasks.iter().all(Task::is_done));
        let squares: Vec<u64> = runtime::gather(tasks)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(squares, [0, 1, 4, 9, 16]);
    });
}

#[test]
fn the_first_failure_cancels_the_siblings_and_join_reports_it() {
    let rt = rt(2);
    let drops = DropCounter::new();
    rt.block_on(async {
        let group = TaskGroup::new();
        let siblings: Vec<_> = (0..3)
            .map(|_| {
                let token = drops.token();
                group
                    .spawn(async move {
                        Forever(token).await;
                        Ok(())
                    })
                    .unwrap()
            })
            .collect();
        let failing: Task<()> = group
            .spawn(async {
                runtime::sleep(Duration::from_millis(5)).await;
                Err("disk full")
            })
            .unwrap();
        let error = group.join().await.unwrap_err();
        // join waited for every member: the siblings' futures are gone.
        assert_eq!(drops.drops(), 3);
        assert_eq!(error.len(), 1, "cancelled siblings are not failures");
        assert!(matches!(error.first(), TaskFailure::Error("disk full")));
        assert_eq!(error.to_string(), "a task of the group failed: disk full");
        for sibling in siblings {
            assert!(sibling.await.unwrap_err().is_cancelled());
        }
        assert!(failing.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn a_panicking_member_fails_the_group() {
    let rt = rt(2);
    rt.block_on(async {
        let group = TaskGroup::<String>::new();
        let sibling = group
            .spawn(async {
                std::future::pending::<()>().await;
                Ok(())
            })
            .unwrap();
        let _member: Task<()> = group
            .spawn(async {
                runtime::yield_now().await;
                panic!("member exploded")
            })
            .unwrap();
        let error = group.join().await.unwrap_err();
        assert!(error.first().is_panic());
        assert_eq!(error.first().panic_message(), Some("member exploded"));
        assert_eq!(
            error.to_string(),
            "a task of the group failed: task panicked: member exploded"
        );
        assert!(sibling.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn spawning_into_a_finished_or_failing_group_is_refused() {
    let rt = rt(2);
    rt.block_on(async {
        // Finished: join returned.
        let group = TaskGroup::<()>::new();
        let handle = group.handle();
        group.spawn(async { Ok(()) }).unwrap();
        group.join().await.unwrap();
        let refused = handle.spawn(async { Ok(()) }).unwrap_err();
        assert_eq!(refused, handle.spawn(async { Ok(()) }).unwrap_err());
        assert!(refused.to_string().contains("accepts no new tasks"));

        // Shutting down: a member failed, join not called yet.
        let group = TaskGroup::new();
        let failing = group.spawn(async { Err::<(), _>("no") }).unwrap();
        assert!(failing.await.unwrap_err().is_cancelled());
        let refused: Result<Task<()>, TaskGroupClosed> = group.spawn(async { Ok(()) });
        assert!(refused.is_err());
        assert!(group.join().await.is_err());
    });
}

#[test]
fn members_can_spawn_siblings_while_the_group_is_joined() {
    let rt = rt(2);
    let count = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let group = TaskGroup::<String>::new();
        let handle = group.handle();
        let counter = count.clone();
        group
            .spawn(async move {
                runtime::sleep(Duration::from_millis(5)).await;
                for _ in 0..3 {
                    let counter = counter.clone();
                    handle
                        .spawn(async move {
                            runtime::sleep(Duration::from_millis(5)).await;
                            counter.fetch_add(1, SeqCst);
                            Ok(())
                        })
                        .unwrap();
                }
                Ok(())
            })
            .unwrap();
        group.join().await.unwrap();
    });
    assert_eq!(count.load(SeqCst), 3, "join waited for the late members");
}

#[test]
fn dropping_a_task_group_cancels_its_members() {
    let rt = rt(2);
    let drops = DropCounter::new();
    rt.block_on(async {
        let group = TaskGroup::<()>::new();
        let members: Vec<_> = (0..3)
            .map(|_| {
                let token = drops.token();
                group
                    .spawn(async move {
                        Forever(token).await;
                        Ok(())
                    })
                    .unwrap()
            })
            .collect();
        drop(group);
        for member in members {
            assert!(member.await.unwrap_err().is_cancelled());
        }
        assert_eq!(drops.drops(), 3);

        // Dropping an unfinished join (here: a timeout) does the same.
        let group = TaskGroup::<()>::new();
        let member = group
            .spawn(async {
                std::future::pending::<()>().await;
                Ok(())
            })
            .unwrap();
        assert!(runtime::timeout(Duration::from_millis(5), group.join())
            .await
            .is_err());
        assert!(member.await.unwrap_err().is_cancelled());
    });
}

// ---- Promise ---------------------------------------------------------------

#[test]
fn a_promise_is_awaited_by_many_tasks_and_threads() {
    let rt = rt(2);
    let promise: Promise<Arc<String>> = Promise::new();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let promise = promise.clone();
            std::thread::spawn(move || promise.wait_blocking())
        })
        .collect();
    rt.block_on(async {
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let promise = promise.clone();
                runtime::spawn(async move { promise.await })
            })
            .collect();
        let setter = promise.clone();
        runtime::spawn(async move {
            runtime::yield_now().await;
            setter.set_result(Arc::new("shared".to_string())).unwrap();
        });
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap().as_str(), "shared");
        }
        assert_eq!((&promise).await.unwrap().as_str(), "shared");
    });
    for thread in threads {
        assert_eq!(thread.join().unwrap().unwrap().as_str(), "shared");
    }
}

#[test]
fn a_promise_is_settled_once() {
    let promise: Promise<u8> = Promise::new();
    assert_eq!(promise.try_result(), None);
    assert!(!promise.done());
    promise.set_result(1).unwrap();
    assert_eq!(promise.set_result(2), Err(runtime::InvalidState::new()));
    assert_eq!(
        promise.set_error("late".into()),
        Err(runtime::InvalidState::new())
    );
    assert!(!promise.cancel());
    assert!(promise.done() && !promise.cancelled());
    assert_eq!(promise.try_result(), Some(Ok(1)));

    let failed: Promise<u8> = Promise::new();
    failed.set_error("broken".into()).unwrap();
    assert_eq!(
        failed.wait_blocking(),
        Err(PromiseError::Failed("broken".to_string()))
    );
}

#[test]
fn cancelling_a_promise_wakes_its_awaiters_with_cancelled() {
    let rt = rt(2);
    rt.block_on(async {
        let promise: Promise<u8> = Promise::new();
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let promise = promise.clone();
                runtime::spawn(async move { promise.await })
            })
            .collect();
        runtime::yield_now().await;
        assert!(promise.cancel());
        assert!(promise.cancelled() && promise.done());
        for waiter in waiters {
            assert_eq!(waiter.await.unwrap(), Err(PromiseError::Cancelled));
        }
        // An awaiter that gave up is simply forgotten.
        let abandoned: Promise<u8> = Promise::new();
        assert!(runtime::timeout(Duration::from_millis(1), abandoned.wait())
            .await
            .is_err());
        abandoned.set_result(1).unwrap();
    });
}

#[test]
fn promise_done_callbacks_run_once_in_order_or_at_once_when_settled() {
    let log = Log::default();
    let promise: Promise<u8> = Promise::new();
    for name in ["first", "second"] {
        let log = log.clone();
        promise.add_done_callback(move |p| {
            log.push(format!("{name}: {:?}", p.try_result()));
        });
    }
    promise.add_done_callback(|_| panic!("a faulty callback"));
    {
        let log = log.clone();
        promise.add_done_callback(move |_| log.push("after the faulty one"));
    }
    assert!(log.events().is_empty());
    promise.set_result(9).unwrap();
    {
        let log = log.clone();
        promise.add_done_callback(move |_| log.push("late: at once"));
    }
    assert_eq!(
        log.events(),
        [
            "first: Some(Ok(9))",
            "second: Some(Ok(9))",
            "after the faulty one",
            "late: at once"
        ]
    );
}

#[test]
fn wait_blocking_refuses_on_a_worker_and_works_on_a_plain_thread() {
    let rt = rt(2);
    let promise: Promise<u8> = Promise::new();
    let on_worker = promise.clone();
    let refused = rt
        .spawn(async move { on_worker.wait_blocking() })
        .join_blocking()
        .unwrap();
    assert_eq!(refused, Err(PromiseError::WouldDeadlock));
    let setter = promise.clone();
    rt.spawn(async move {
        runtime::sleep(Duration::from_millis(5)).await;
        setter.set_result(3).unwrap();
    });
    assert_eq!(promise.wait_blocking(), Ok(3));
}

// ---- CancelOnDrop ----------------------------------------------------------

#[test]
fn cancel_on_drop_cancels_and_detach_disarms() {
    let rt = rt(2);
    rt.block_on(async {
        let task = runtime::spawn(std::future::pending::<()>());
        let state = ended(&task);
        drop(task.cancel_on_drop());
        assert_eq!(state.await, Ok(TaskState::Cancelled));

        let go: Promise<()> = Promise::new();
        let task = gated(&go, 5);
        let state = ended(&task);
        drop(task.cancel_on_drop().detach());
        go.set_result(()).unwrap();
        assert_eq!(state.await, Ok(TaskState::Completed));

        let guard = runtime::spawn(async { 1 }).cancel_on_drop();
        assert_eq!(guard.await.unwrap(), 1);
    });
}

// ---- Send / Sync -----------------------------------------------------------

#[test]
fn combinators_are_send_and_sync_where_promised() {
    fn send<T: Send>(_: &T) {}
    fn send_sync<T: Send + Sync>() {}
    fn unpin<T: Unpin>() {}
    send_sync::<runtime::Promise<u8>>();
    send_sync::<runtime::PromiseFuture<u8>>();
    send_sync::<TaskGroup<String>>();
    send_sync::<runtime::TaskGroupHandle<String>>();
    send_sync::<runtime::DeadlineHandle>();
    send_sync::<runtime::CancelOnDrop<u8>>();
    unpin::<runtime::CancelOnDrop<u8>>();
    unpin::<runtime::Shield<u8>>();
    unpin::<runtime::WaitFor<u8>>();
    unpin::<runtime::Wait<u8>>();
    unpin::<runtime::AsCompleted<u8>>();
    unpin::<runtime::Gather<std::future::Ready<u8>>>();
    let rt = rt(1);
    let _guard = rt.enter();
    send(&runtime::gather!(async { 1 }, async { 2 }));
    send(&runtime::gather(vec![async { 1 }]));
    send(&runtime::try_gather(vec![async { Ok::<u8, ()>(1) }]));
    send(&runtime::wait(
        Vec::<Task<u8>>::new(),
        ReturnWhen::AllCompleted,
        None,
    ));
    send(&runtime::deadline(None).run(async {}));
}
