//! Twin of "manually create and run an event loop", seed 003 (Thomas
//! Spielauer's asyncio overview, line ~121): get a loop, run a coroutine
//! with `loop.run_until_complete`, and `loop.close()` it in a `finally`.
//!
//! `Runtime` is the loop; dropping it is `loop.close()`, and because `Drop`
//! also runs when a panic unwinds, the `try`/`finally` comes for free. The
//! explicit `shutdown_timeout` below is the `finally` written out.
//!
//! Prints `Hello, world!`.

use std::time::Duration;

async fn say_hello() {
    println!("Hello, world!");
}

fn main() {
    // loop = asyncio.get_event_loop()
    let rt = runtime::Runtime::new().expect("failed to start the runtime");
    // try: loop.run_until_complete(say_hello())
    rt.block_on(say_hello());
    // finally: loop.close()
    rt.shutdown_timeout(Duration::from_secs(1));
}
