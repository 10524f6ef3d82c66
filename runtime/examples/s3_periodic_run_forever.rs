//! Twin of the `run_forever` example, seed 003 (Thomas Spielauer's asyncio
//! overview, line ~161): a periodic task prints "Task running..." every
//! 2 s on a loop that runs until it is stopped, then the loop is closed
//! in a `finally`.
//!
//! The tutorial's loop only ends when the program is killed ("or
//! terminating the program"); here a callback calls `stop()` (the
//! tutorial's `loop.stop()`) after 500 ms, and the 2 s period is scaled to
//! 200 ms. Closing the runtime cancels the periodic task.
//!
//! Prints `Task running...` every 200 ms until the stop: three times on an
//! idle machine.

use std::time::Duration;

/// One second of the tutorial's time.
const SECOND: Duration = Duration::from_millis(100);

async fn periodic_task() {
    loop {
        println!("Task running...");
        runtime::sleep(2 * SECOND).await;
    }
}

fn main() {
    // loop = asyncio.get_event_loop()
    let rt = runtime::Runtime::new().expect("failed to start the runtime");
    // loop.create_task(periodic_task())
    rt.spawn(periodic_task());
    // What stops it; not in the tutorial.
    let handle = rt.handle().clone();
    rt.handle().call_later(5 * SECOND, move || handle.stop());
    // try: loop.run_forever()
    rt.run_forever();
    // finally: loop.close()
    drop(rt);
}
