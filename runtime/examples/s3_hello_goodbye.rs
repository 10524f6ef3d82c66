//! Twin of the `run_until_complete` example, seed 003 (Thomas Spielauer's
//! asyncio overview, line ~144): the loop runs only `say_hello()` and stops
//! when it completes; then it is closed.
//!
//! Prints `Hello, world!`, then, 1 s later, `Goodbye, world!`.

use std::time::Duration;

async fn say_hello() {
    println!("Hello, world!");
    runtime::sleep(Duration::from_secs(1)).await;
    println!("Goodbye, world!");
}

fn main() {
    // loop = asyncio.get_event_loop()
    let rt = runtime::Runtime::new().expect("failed to start the runtime");
    // loop.run_until_complete(say_hello())
    rt.block_on(say_hello());
    // loop.close()
    drop(rt);
}
