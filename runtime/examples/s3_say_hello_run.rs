//! Twin of "Using `asyncio.run()` simplifies the process", seed 003 (Thomas
//! Spielauer's asyncio overview, line ~134, and again at line ~183):
//! `asyncio.run(say_hello())` makes the loop, runs the coroutine and
//! closes the loop.
//!
//! Prints `Hello, world!`.

async fn say_hello() {
    println!("Hello, world!");
}

fn main() {
    // asyncio.run(say_hello())
    runtime::run(say_hello());
}
