//! Twin of the `asyncio.to_thread` example, seed 003 (Thomas Spielauer's
//! asyncio overview, line ~305): a blocking function runs on a thread while
//! the coroutine awaits its result.
//!
//! The tutorial's `time.sleep(3)` is scaled to 300 ms.
//!
//! Prints `Blocking task complete`.

use std::time::Duration;

/// One second of the tutorial's time.
const SECOND: Duration = Duration::from_millis(100);

fn blocking_task() -> &'static str {
    std::thread::sleep(3 * SECOND);
    "Blocking task complete"
}

#[runtime::main]
async fn main() {
    let result = runtime::to_thread(blocking_task)
        .await
        .expect("blocking_task failed");
    println!("{result}");
}
