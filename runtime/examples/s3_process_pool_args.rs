//! Twin of "pass arguments to the function executed in the
//! ProcessPoolExecutor", seed 003 (Thomas Spielauer's asyncio overview,
//! line ~521): `loop.run_in_executor(executor, process_task, "Task data")`.
//!
//! `run_in_executor` takes a closure, so arguments are captured rather than
//! passed after the function, and they are moved, not pickled. A
//! `ThreadPoolExecutor` stands in for the process pool (Rust threads have
//! no GIL; see `s3_process_pool_cpu`).
//!
//! Prints `Processed Task data`.

fn process_task(data: &str) -> String {
    format!("Processed {data}")
}

#[runtime::main]
async fn main() {
    let handle = runtime::Handle::current();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let executor = runtime::ThreadPoolExecutor::new(cpus);
    let data = "Task data";
    let result = handle
        .run_in_executor(Some(&executor), move || process_task(data))
        .await
        .expect("process_task failed");
    println!("{result}");
}
