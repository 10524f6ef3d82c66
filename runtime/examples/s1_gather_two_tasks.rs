//! Twin of the `asyncio.gather()` example in "Building Asynchronous
//! Applications", seed 001 (the "Python Async Programming" tutorial, line
//! ~33): two coroutines sleeping 1 s and 2 s, run concurrently by `gather`
//! on a hand-made loop (`get_event_loop` + `run_until_complete`).
//!
//! `runtime::gather!(a, b).await` is `await asyncio.gather(a, b)`: both
//! futures are polled concurrently inside the calling task, so the run
//! takes 2 s, not 3.
//!
//! Prints `Task 1 completed` (after 1 s), then `Task 2 completed` (after
//! 2 s).

use std::time::Duration;

async fn task1() {
    runtime::sleep(Duration::from_secs(1)).await;
    println!("Task 1 completed");
}

async fn task2() {
    runtime::sleep(Duration::from_secs(2)).await;
    println!("Task 2 completed");
}

async fn main_coroutine() {
    // await asyncio.gather(task1(), task2())
    runtime::gather!(task1(), task2()).await;
}

fn main() {
    // loop = asyncio.get_event_loop()
    let rt = runtime::Runtime::new().expect("failed to start the runtime");
    // loop.run_until_complete(main())
    rt.block_on(main_coroutine());
}
