//! Twin of the cooperative-multitasking example, seed 003 (Thomas
//! Spielauer's asyncio overview, line ~85): two coroutines gathered; task 2
//! finishes first because it yields to the loop for a shorter time.
//!
//! `gather!` polls both futures inside the calling task, in argument order,
//! so the two "Starting" lines come in that order, as in asyncio.
//!
//! Prints `Task 1: Starting`, `Task 2: Starting`, `Task 2: Done` (after
//! 1 s), `Task 1: Done` (after 2 s).

use std::time::Duration;

async fn task1() {
    println!("Task 1: Starting");
    runtime::sleep(Duration::from_secs(2)).await;
    println!("Task 1: Done");
}

async fn task2() {
    println!("Task 2: Starting");
    runtime::sleep(Duration::from_secs(1)).await;
    println!("Task 2: Done");
}

#[runtime::main]
async fn main() {
    // await asyncio.gather(task1(), task2())
    runtime::gather!(task1(), task2()).await;
}
