//! Twin of the `asyncio.create_task()` example in "Handling Multiple Tasks
//! Concurrently", seed 001 (the "Python Async Programming" tutorial, line
//! ~103): two tasks, sleeping 2 s and 1 s, run concurrently; `main` awaits
//! them one after the other, and the whole run takes 2 s, not 3.
//!
//! The tutorial's output is
//! `Task 1 started`, `Task 2 started`, `Task 2 completed`, `Task 1 completed`.
//! asyncio has one thread, so its two "started" lines always come in
//! creation order; here the tasks may start at the same moment on two
//! workers, so those two lines may come in either order. The rest is
//! ordered by the sleeps.

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
    let task1_obj = runtime::create_task(task1());
    let task2_obj = runtime::create_task(task2());
    task1_obj.await.expect("task 1 failed");
    task2_obj.await.expect("task 2 failed");
}
