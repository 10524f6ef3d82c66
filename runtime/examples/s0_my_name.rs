//! Twin of "How To Run A Coroutine In A Python Program" (seed 000, the PW
//! Skills tutorial, line ~36): a coroutine prints, sleeps 2 s without
//! blocking the loop, and prints again, on a loop made by hand
//! (`loop = asyncio.get_event_loop()` + `loop.run_until_complete(...)`).
//!
//! The tutorial's last line runs `my_coroutine()`, which it never defines
//! (a `NameError`); its prose makes clear that `my_name()` was meant.
//!
//! Prints `hello`, then, 2 s later, `My name is Sahil.`

use std::time::Duration;

async fn my_name() {
    println!("hello");
    runtime::sleep(Duration::from_secs(2)).await;
    println!("My name is Sahil.");
}

fn main() {
    // loop = asyncio.get_event_loop()
    let rt = runtime::Runtime::new().expect("failed to start the runtime");
    // loop.run_until_complete(my_name())
    rt.block_on(my_name());
}
