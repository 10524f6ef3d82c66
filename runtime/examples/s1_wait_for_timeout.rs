//! Twin of the `asyncio.wait_for` example in "Dealing with Timeouts and
//! Delays", seed 001 (the "Python Async Programming" tutorial, line ~212):
//! a 5 s "long-running task" under a 3 s timeout; the timeout wins and the
//! `asyncio.TimeoutError` is caught.
//!
//! `runtime::timeout(d, fut)` is `asyncio.wait_for(fut, d)`: on expiry the
//! inner future is dropped (cancelled) before the error returns. The
//! tutorial's seconds are scaled to 100 ms (500 ms of work, 300 ms
//! timeout). It also uses `await` at the top level, outside any `async
//! def`, which only works in asyncio's REPL; here it sits in `main`.
//!
//! Prints `The operation timed out`.

use std::time::Duration;

/// One second of the tutorial's time.
const SECOND: Duration = Duration::from_millis(100);

async fn fetch_data() {
    runtime::sleep(5 * SECOND).await; // Simulating a long-running task
}

#[runtime::main]
async fn main() {
    // try: await asyncio.wait_for(fetch_data(), timeout=3)
    // except asyncio.TimeoutError: ...
    if let Err(runtime::TimeoutError { .. }) = runtime::timeout(3 * SECOND, fetch_data()).await {
        println!("The operation timed out");
    }
}
