//! Twin of the `run_in_executor()` example, seed 003 (Thomas Spielauer's
//! asyncio overview, line ~247): `loop.run_in_executor(None, f)` runs a
//! blocking function on the loop's default thread pool while the loop stays
//! free.
//!
//! `None` is the runtime's own blocking pool here too. The tutorial's
//! `time.sleep(3)` is scaled to 300 ms.
//!
//! Prints `Blocking task complete`.

use std::time::Duration;

/// One second of the tutorial's time.
const SECOND: Duration = Duration::from_millis(100);

/// Simulating a blocking operation.
fn blocking_task() -> &'static str {
    std::thread::sleep(3 * SECOND);
    "Blocking task complete"
}

#[runtime::main]
async fn main() {
    // loop = asyncio.get_running_loop()
    let handle = runtime::Handle::current();
    // result = await loop.run_in_executor(None, blocking_task)
    let result = handle
        .run_in_executor(None, blocking_task)
        .await
        .expect("blocking_task failed");
    println!("{result}");
}
