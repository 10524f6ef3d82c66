//! Twin of the debugging tips at the end of seed 003 (Thomas Spielauer's
//! asyncio overview, lines ~979-987): run with `asyncio.run(main(),
//! debug=True)`, inspect `asyncio.all_tasks()` and `asyncio.current_task()`,
//! and guard against a deadlock with `await asyncio.wait_for(task,
//! timeout=5)`. The tutorial gives them as one-liners; this puts them in
//! one program. (Its `loop.set_task_factory()` has no counterpart.)
//!
//! `runtime::timeout` on `&mut task` gives up waiting but leaves the task
//! running; asyncio's `wait_for` would cancel it, so this cancels it
//! explicitly. In debug mode, slow polls and panics nobody retrieved are
//! reported through `tracing`. The tutorial's 5 s timeout is kept for the
//! task that finishes; the stuck task gets 200 ms.
//!
//! Prints:
//! ```text
//! debug mode: true
//! all_tasks(): ["stuck", "worker"]
//! worker says: current_task() is "worker"
//! wait_for(stuck, timeout=0.2): TimeoutError
//! stuck cancelled: true
//! ```

use futures_channel::oneshot;
use runtime::task::Builder;
use std::time::Duration;

#[runtime::main(debug = true)]
async fn main() {
    println!("debug mode: {}", runtime::Handle::current().is_debug());

    // A task that finishes once `main` lets it, and one that never does.
    let (go, wait_for_go) = oneshot::channel::<()>();
    let worker = Builder::new().name("worker").spawn(async move {
        let _ = wait_for_go.await;
        let me = runtime::current_task().expect("a task has a current_task()");
        format!("current_task() is {:?}", me.name().unwrap_or("?"))
    });
    let mut stuck = Builder::new()
        .name("stuck")
        .spawn(std::future::pending::<()>());

    // asyncio.all_tasks()
    let mut names: Vec<String> = runtime::all_tasks()
        .iter()
        .filter_map(|task| task.name().map(str::to_string))
        .collect();
    names.sort();
    println!("all_tasks(): {names:?}");

    // await asyncio.wait_for(task, timeout=5)
    let _ = go.send(());
    match runtime::timeout(Duration::from_secs(5), worker).await {
        Ok(Ok(report)) => println!("worker says: {report}"),
        Ok(Err(error)) => println!("worker failed: {error}"),
        Err(timed_out) => println!("wait_for(worker, timeout=5): {timed_out:?}"),
    }

    // The deadlock that wait_for guards against.
    if let Err(timed_out) = runtime::timeout(Duration::from_millis(200), &mut stuck).await {
        println!("wait_for(stuck, timeout=0.2): {timed_out:?}");
        stuck.cancel();
        let _ = (&mut stuck).await;
        println!("stuck cancelled: {}", stuck.is_cancelled());
    }
}
