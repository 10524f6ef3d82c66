//! Twin of the "pass a specific executor" example, seed 003 (Thomas
//! Spielauer's asyncio overview, line ~269): a dedicated
//! `ThreadPoolExecutor(max_workers=3)` given to `loop.run_in_executor`.
//! (The tutorial also imports `ProcessPoolExecutor` but does not use it.)
//!
//! Prints `Task completed in executor`.

/// Blocking function.
fn blocking_task() -> &'static str {
    "Task completed in executor"
}

#[runtime::main]
async fn main() {
    // Create a thread pool executor
    let thread_executor = runtime::ThreadPoolExecutor::new(3);
    // Use the thread executor
    let handle = runtime::Handle::current();
    let result = handle
        .run_in_executor(Some(&thread_executor), blocking_task)
        .await
        .expect("blocking_task failed");
    println!("{result}");
}
