//! Twin of "Example: Running Multiple Tasks", seed 002 (the "What is the
//! asyncio library in Python?" page, line ~38). The page lost its code
//! blocks; the prose says `main` "runs three tasks concurrently, allowing
//! them to execute without blocking each other" with `asyncio.gather()`.
//! Reconstructed: three coroutines that announce themselves, sleep 1 s, and
//! finish, gathered.
//!
//! `gather!` polls the three futures in argument order inside the calling
//! task, so the "started" lines come in order. The three sleeps end at the
//! same moment, so the "finished" lines may come in any order. The run
//! takes about 1 s, not 3: all three start before any finishes.
//!
//! Prints `Task 1 started`, `Task 2 started`, `Task 3 started`, then, 1 s
//! later, `Task 1 finished`, `Task 2 finished`, `Task 3 finished` (usually
//! in that order).

use std::time::Duration;

async fn task(n: u32) {
    println!("Task {n} started");
    runtime::sleep(Duration::from_secs(1)).await;
    println!("Task {n} finished");
}

#[runtime::main]
async fn main() {
    // await asyncio.gather(task(1), task(2), task(3))
    runtime::gather!(task(1), task(2), task(3)).await;
}
