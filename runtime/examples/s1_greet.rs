//! Twin of the first example of "Creating and Using Coroutines", seed 001
//! (the "Python Async Programming" tutorial, line ~116): the coroutine
//! `greet()` prints "Hello", suspends for 1 s, prints "World", run with
//! `asyncio.run(greet())`.
//!
//! Prints `Hello`, then, 1 s later, `World`.

use std::time::Duration;

async fn greet() {
    println!("Hello");
    runtime::sleep(Duration::from_secs(1)).await;
    println!("World");
}

fn main() {
    // asyncio.run(greet())
    runtime::run(greet());
}
