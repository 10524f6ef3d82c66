//! Twin of the task-scheduling example, seed 003 (Thomas Spielauer's asyncio
//! overview, line ~199): `fetch_data(2)` and `fetch_data(1)` become tasks
//! that run concurrently; `main` awaits the 2 s one first, yet the 1 s one
//! finishes first, and the run takes 2 s, not 3.
//!
//! asyncio prints `Task 2 starting`, `Task 1 starting`, `Task 1 done`,
//! `Task 2 done`. Here both tasks may start at the same moment on two
//! workers, so the two "starting" lines may come in either order; the
//! "done" lines are ordered by the sleeps.

use std::time::Duration;

async fn fetch_data(n: u64) {
    println!("Task {n} starting");
    runtime::sleep(Duration::from_secs(n)).await;
    println!("Task {n} done");
}

#[runtime::main]
async fn main() {
    let task1 = runtime::create_task(fetch_data(2));
    let task2 = runtime::create_task(fetch_data(1));
    // Wait for both tasks to complete
    task1.await.expect("task 1 failed");
    task2.await.expect("task 2 failed");
}
