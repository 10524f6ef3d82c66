//! Twin of the `ThreadPoolExecutor` example, seed 003 (Thomas Spielauer's
//! asyncio overview, line ~481): a pool of four threads for blocking,
//! I/O-bound calls, used through `loop.run_in_executor`.
//!
//! Prints `Task in thread pool`.

fn blocking_task() -> &'static str {
    "Task in thread pool"
}

#[runtime::main]
async fn main() {
    let executor = runtime::ThreadPoolExecutor::new(4);
    let handle = runtime::Handle::current();
    let result = handle
        .run_in_executor(Some(&executor), blocking_task)
        .await
        .expect("blocking_task failed");
    println!("{result}");
}
