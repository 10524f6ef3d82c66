//! Twin of the `asyncio.gather()` example, seed 003 (Thomas Spielauer's
//! asyncio overview, line ~228): three coroutines sleeping 1, 2 and 3 s run
//! concurrently, and `gather` returns their results in argument order.
//!
//! The three futures have one type, so this uses `runtime::gather(iter)`,
//! which returns a `Vec` like asyncio's list; `runtime::gather!(task(1),
//! task(2), task(3))` would return a tuple. The tutorial's seconds are
//! scaled to 100 ms (the strings keep its numbers), so the run takes about
//! 300 ms, not 600. Python prints the list with single quotes; Rust's
//! `Debug` uses double quotes.
//!
//! Prints `["Task 1 complete", "Task 2 complete", "Task 3 complete"]`.

use std::time::Duration;

/// One second of the tutorial's time.
const SECOND: Duration = Duration::from_millis(100);

async fn task(n: u32) -> String {
    runtime::sleep(n * SECOND).await;
    format!("Task {n} complete")
}

#[runtime::main]
async fn main() {
    // results = await asyncio.gather(task(1), task(2), task(3))
    let results = runtime::gather([task(1), task(2), task(3)]).await;
    println!("{results:?}");
}
