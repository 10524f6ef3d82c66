//! Twin of the "wrap your coroutines in tasks" error-handling example, seed
//! 001 (the "Python Async Programming" tutorial, line ~366): two tasks
//! raise different exceptions; `gather` propagates the first, and `main`
//! catches it by type.
//!
//! As written the tutorial fails before any task runs: `task1 =
//! asyncio.create_task(task1())` inside `main` makes `task1` a local
//! name, so calling `task1()` raises `UnboundLocalError`, which neither
//! `except` clause catches. This twin does what it means: gather raises
//! task1's `ValueError`, the first to happen.
//!
//! In Rust the two exception types are variants of one error enum, and
//! `runtime::try_gather` is `gather` without `return_exceptions`: it
//! returns the first `Err`. asyncio leaves task2 running after that; here
//! the tasks are wrapped with `cancel_on_drop`, so `try_gather` cancels
//! task2 when it gives up on it, and task2's error is never raised. In
//! asyncio task1 runs first (it was created first); here the two tasks may
//! start together on two workers, so task2 fails a little later (100 ms)
//! to make task1's error the first one.
//!
//! Prints `Error in task1: Something went wrong in task1`.

use std::fmt;
use std::time::Duration;

/// The exceptions the tasks raise.
#[derive(Debug)]
enum TaskFailure {
    /// Python's `ValueError`.
    Value(String),
    /// Python's `RuntimeError`.
    Runtime(String),
}

impl fmt::Display for TaskFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskFailure::Value(message) | TaskFailure::Runtime(message) => f.write_str(message),
        }
    }
}

async fn task1() -> Result<(), TaskFailure> {
    Err(TaskFailure::Value("Something went wrong in task1".into()))
}

async fn task2() -> Result<(), TaskFailure> {
    runtime::sleep(Duration::from_millis(100)).await;
    Err(TaskFailure::Runtime("An error occurred in task2".into()))
}

#[runtime::main]
async fn main() {
    let t1 = runtime::create_task(task1()).cancel_on_drop();
    let t2 = runtime::create_task(task2()).cancel_on_drop();
    // A task's output is `Result<Result<(), TaskFailure>, TaskError>`; a
    // panic (`TaskError`) is a bug here, so only the inner error is kept.
    let tasks = [t1, t2].map(|task| async move { task.await.expect("a task panicked") });
    // try: await asyncio.gather(task1, task2)
    match runtime::try_gather(tasks).await {
        Ok(_) => println!("Both tasks succeeded"),
        // except ValueError as e:
        Err(TaskFailure::Value(e)) => println!("Error in task1: {e}"),
        // except RuntimeError as e:
        Err(TaskFailure::Runtime(e)) => println!("Error in task2: {e}"),
    }
}
