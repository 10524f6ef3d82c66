//! Twin of the first example of "Working with Asyncio Event Loops", seed
//! 001 (the "Python Async Programming" tutorial, line ~150): make an event
//! loop and `loop.run_forever()`. It prints nothing.
//!
//! `run_forever` only returns when something calls `loop.stop()`; the
//! tutorial never does, so its program runs until it is killed. Here a
//! callback stops the runtime after 100 ms (standing in for the Ctrl+C
//! that ends the Python program), so the example can be run by a test.

use std::time::Duration;

fn main() {
    // loop = asyncio.get_event_loop()
    let rt = runtime::Runtime::new().expect("failed to start the runtime");
    // What ends it; not in the tutorial.
    let handle = rt.handle().clone();
    rt.handle()
        .call_later(Duration::from_millis(100), move || handle.stop());
    // loop.run_forever()
    rt.run_forever();
}
