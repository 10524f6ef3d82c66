//! Twin of "Example: Simple Event Loop" in seed 002 (the "What is the
//! asyncio library in Python?" page, line ~29). The page lost its code
//! blocks; its prose says the `say_hello` coroutine "waits for 1 second
//! before printing a message" and is run with `asyncio.run()`. The message
//! itself is lost, so this prints the customary one.
//!
//! Prints `Hello, World!` after 1 s.

use std::time::Duration;

async fn say_hello() {
    runtime::sleep(Duration::from_secs(1)).await;
    println!("Hello, World!");
}

fn main() {
    // asyncio.run(say_hello())
    runtime::run(say_hello());
}
