//! Twin of the `call_later` / `call_soon` example in seed 001 (the "Python
//! Async Programming" tutorial, line ~171): a plain callback scheduled for
//! the next turn of the loop (`loop.call_soon`) and again after 2 s
//! (`loop.call_later`), then `loop.run_forever()`.
//!
//! The tutorial never stops its loop, so it runs until killed; here the
//! delayed callback also stops the runtime, so the program ends after it.
//!
//! Prints `Callback function called` at once and again 2 s later.

use std::time::Duration;

fn callback() {
    println!("Callback function called");
}

fn main() {
    // loop = asyncio.get_event_loop()
    let rt = runtime::Runtime::new().expect("failed to start the runtime");
    let handle = rt.handle().clone();
    // loop.call_later(2, callback); then stop, which the tutorial leaves out.
    let stopper = handle.clone();
    handle.call_later(Duration::from_secs(2), move || {
        callback();
        stopper.stop();
    });
    // loop.call_soon(callback)
    handle.call_soon(callback);
    // loop.run_forever()
    rt.run_forever();
}
