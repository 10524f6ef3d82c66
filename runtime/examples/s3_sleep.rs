//! Twin of the `asyncio.sleep()` example, seed 003 (Thomas Spielauer's
//! asyncio overview, line ~212): pause a coroutine for 2 s.
//!
//! Prints `Waiting...`, then, 2 s later, `Done waiting`.

use std::time::Duration;

async fn example() {
    println!("Waiting...");
    runtime::sleep(Duration::from_secs(2)).await;
    println!("Done waiting");
}

fn main() {
    // asyncio.run(example())
    runtime::run(example());
}
