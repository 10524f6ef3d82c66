//! Twin of the first example of seed 001 (the "Python Async Programming"
//! tutorial, line ~11): `hello()` prints "Hello", sleeps 1 s without
//! blocking, prints "World", on a loop made by hand
//! (`asyncio.get_event_loop()` + `loop.run_until_complete(hello())`).
//!
//! Prints `Hello`, then, 1 s later, `World`.

use std::time::Duration;

async fn hello() {
    println!("Hello");
    runtime::sleep(Duration::from_secs(1)).await;
    println!("World");
}

fn main() {
    // loop = asyncio.get_event_loop()
    let rt = runtime::Runtime::new().expect("failed to start the runtime");
    // loop.run_until_complete(hello())
    rt.block_on(hello());
}
