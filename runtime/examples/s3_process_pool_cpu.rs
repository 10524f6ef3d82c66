//! Twin of the `ProcessPoolExecutor` example, seed 003 (Thomas Spielauer's
//! asyncio overview, line ~494): a CPU-bound sum offloaded to a pool of two
//! processes, which Python needs to get past the GIL.
//!
//! Rust threads have no GIL: a `ThreadPoolExecutor` with two threads gives
//! the same parallelism without processes, pickling or start-up cost (the
//! runtime's own worker threads run in parallel too). The closure is the
//! same `sum(range(10**6))`.
//!
//! Prints `499999500000`.

fn cpu_bound_task() -> u64 {
    (0..10u64.pow(6)).sum()
}

#[runtime::main]
async fn main() {
    let executor = runtime::ThreadPoolExecutor::new(2);
    let handle = runtime::Handle::current();
    let result = handle
        .run_in_executor(Some(&executor), cpu_bound_task)
        .await
        .expect("cpu_bound_task failed");
    println!("{result}");
}
