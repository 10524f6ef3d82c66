//! Twin of "Concurrent Futures and Executors", seed 001 (the "Python Async
//! Programming" tutorial, line ~402): a blocking function handed to a
//! `ThreadPoolExecutor` through `loop.run_in_executor(executor, f)`, from
//! outside any coroutine.
//!
//! The tutorial's code is a skeleton (bodies are only comments, so it does
//! not parse) and never looks at the result; here the blocking function
//! sleeps 100 ms and returns a string, and the loop waits for it.
//! `ThreadPoolExecutor()` with no size gets Python's default,
//! `min(32, cpu_count + 4)` threads.
//!
//! Prints `blocking_function returned: done`.

use std::time::Duration;

fn blocking_function() -> &'static str {
    std::thread::sleep(Duration::from_millis(100)); // Your blocking code here
    "done"
}

fn main() {
    // loop = asyncio.get_event_loop()
    let rt = runtime::Runtime::new().expect("failed to start the runtime");
    // executor = ThreadPoolExecutor()
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let executor = runtime::ThreadPoolExecutor::new((cpus + 4).min(32));
    // task = loop.run_in_executor(executor, blocking_function)
    let task = rt
        .handle()
        .run_in_executor(Some(&executor), blocking_function);
    // What the tutorial leaves out: wait for it.
    let result = rt.block_on(task).expect("blocking_function failed");
    println!("blocking_function returned: {result}");
    executor.shutdown(true);
}
