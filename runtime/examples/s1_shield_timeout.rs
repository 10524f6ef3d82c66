//! Twin of the `asyncio.shield` + `async_timeout.timeout` example, seed 001
//! (the "Python Async Programming" tutorial, line ~222): a 5 s operation
//! under a 3 s timeout; the shield protects the inner work from the
//! timeout's cancellation, and the caller still gets `TimeoutError`.
//!
//! `async with async_timeout.timeout(3):` (asyncio's `asyncio.timeout`) is
//! `runtime::deadline(Some(d)).run(fut)`, and `asyncio.shield(fut)` is
//! `runtime::shield(fut)`: the work runs as its own task, which the
//! deadline's cancellation leaves running. The tutorial's seconds are
//! scaled to 100 ms. Its code awaits at the top level (asyncio REPL only);
//! here that is `main`.
//!
//! The tutorial's program ends right after the timeout, which would
//! cancel the shielded work with the loop (as it does here when the
//! runtime shuts down). To show what the shield buys, `main` then waits,
//! on an `Event`, for the shielded work, which says when it is done.
//!
//! Prints `The operation timed out` (after 300 ms), then
//! `fetch_data finished anyway (shielded)` (after 500 ms).

use runtime::sync::Event;
use std::sync::Arc;
use std::time::Duration;

/// One second of the tutorial's time.
const SECOND: Duration = Duration::from_millis(100);

async fn fetch_data(finished: Arc<Event>) {
    runtime::sleep(5 * SECOND).await; // Simulating a long-running task
    println!("fetch_data finished anyway (shielded)");
    finished.set();
}

async fn perform_operation(finished: Arc<Event>) -> Result<(), runtime::TimeoutError> {
    // async with async_timeout.timeout(3): await asyncio.shield(fetch_data())
    let output = runtime::deadline(Some(3 * SECOND))
        .run(runtime::shield(fetch_data(finished)))
        .await?;
    output.expect("fetch_data panicked");
    Ok(())
}

#[runtime::main]
async fn main() {
    let finished = Arc::new(Event::new());
    // try: await perform_operation()
    // except asyncio.TimeoutError: print("The operation timed out")
    match perform_operation(finished.clone()).await {
        Ok(()) => println!("The operation finished in time"),
        Err(runtime::TimeoutError { .. }) => println!("The operation timed out"),
    }
    finished.wait().await;
}
