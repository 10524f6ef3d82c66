//! Twin of the `asyncio.gather()` example in "Handling Multiple Tasks
//! Concurrently", seed 001 (the "Python Async Programming" tutorial, line
//! ~92): two coroutines that print when they start and when they finish,
//! sleeping 2 s and 1 s, run concurrently by `gather`.
//!
//! `gather!` polls its futures in argument order inside the calling task
//! (nothing is spawned), so, as in asyncio, the two "started" lines keep
//! their order; the rest is ordered by the sleeps. Compare
//! `s1_create_task`, the same program with tasks on several workers.
//!
//! Prints the tutorial's output: `Task 1 started`, `Task 2 started`,
//! `Task 2 completed` (after 1 s), `Task 1 completed` (after 2 s).

use std::time::Duration;

async fn task1() {
    println!("Task 1 started");
    runtime::sleep(Duration::from_secs(2)).await;
    println!("Task 1 completed");
}

async fn task2() {
    println!("Task 2 started");
    runtime::sleep(Duration::from_secs(1)).await;
    println!("Task 2 completed");
}

#[runtime::main]
async fn main() {
    // await asyncio.gather(task1(), task2())
    runtime::gather!(task1(), task2()).await;
}
