//! Twin of the task sections of seed 000 (the PW Skills tutorial, lines
//! ~76-110: "How To Check Task Status", "How To Get A Task Result", "How To
//! Cancel A Task", "How To Get A Task Name", "How To Get List Of All
//! Tasks"). The tutorial gives one-line fragments (`create_task(...,
//! name='MyTask')`, `task.set_name(...)`, `asyncio.all_tasks()`, `done()`,
//! `cancel()`, `result()`), not a program; this puts them together.
//!
//! | asyncio | runtime |
//! |---|---|
//! | `asyncio.create_task(coro, name='MyTask')` | `task::Builder::new().name("MyTask").spawn(fut)` |
//! | `task.set_name(..)`, `task.get_name()` | `task.set_name(..)`, `task.name()` |
//! | `asyncio.all_tasks()` | `runtime::all_tasks()` (snapshots) |
//! | `task.done()`, `task.cancelled()` | `task.is_done()`, `task.is_cancelled()` |
//! | `task.result()` (`InvalidStateError` while running) | `task.try_result()` (`None` while running) |
//! | `task.cancel()`, `CancelledError` | `task.cancel()`, `TaskError::Cancelled` |
//!
//! The output is deterministic: the task waits for a go-ahead from `main`
//! instead of a timer, so nothing depends on how fast the machine is.

use futures_channel::oneshot;
use runtime::task::Builder;
use std::time::Duration;

/// The tutorial's `task_coroutine()`: finishes once `main` says so.
async fn task_coroutine(go: oneshot::Receiver<()>) -> &'static str {
    let _ = go.await;
    "task result"
}

#[runtime::main]
async fn main() {
    // task = asyncio.create_task(task_coroutine(), name='MyTask')
    let (go, wait_for_go) = oneshot::channel();
    let mut task = Builder::new()
        .name("MyTask")
        .spawn(task_coroutine(wait_for_go));
    println!("name: {}", task.name().unwrap_or_default());

    // task.set_name('MyRenamedTask')
    task.set_name("MyRenamedTask");
    println!("renamed: {}", task.name().unwrap_or_default());

    // tasks = asyncio.all_tasks()
    let mut names: Vec<String> = runtime::all_tasks()
        .iter()
        .filter_map(|info| info.name().map(str::to_string))
        .collect();
    names.sort();
    println!("all_tasks: {names:?}");

    // task.done() and task.result() while it runs.
    println!("done: {}", task.is_done());
    match task.try_result() {
        None => println!("result: not ready yet (asyncio: InvalidStateError)"),
        Some(result) => println!("result: {result:?}"),
    }

    // Let it finish; a done callback says when.
    let (finished, wait_for_finish) = oneshot::channel();
    task.add_done_callback(move |info| {
        let _ = finished.send(format!(
            "{} is {}",
            info.name().unwrap_or("?"),
            info.state()
        ));
    });
    let _ = go.send(());
    let from_callback = wait_for_finish.await.expect("the done callback never ran");
    println!("done callback: {from_callback}");
    println!("done: {}", task.is_done());
    match task.try_result() {
        Some(Ok(output)) => println!("result: {output}"),
        other => println!("result: {other:?}"),
    }
    // A finished task cannot be cancelled.
    println!("cancel() after it finished: {}", task.cancel());

    // Cancelling a task that is still running.
    let mut sleeper = Builder::new()
        .name("Sleeper")
        .spawn(runtime::sleep(Duration::from_secs(3600)));
    println!("cancel() while it runs: {}", sleeper.cancel());
    match (&mut sleeper).await {
        Err(error) if error.is_cancelled() => {
            println!("awaiting it: {error} (asyncio: CancelledError)")
        }
        other => println!("awaiting it: {other:?}"),
    }
    println!("cancelled: {}", sleeper.is_cancelled());
    println!("cancel() again: {}", sleeper.cancel());
}
