//! Twin of the last example of "Creating and Using Coroutines", seed 001
//! (the "Python Async Programming" tutorial, line ~134): two tasks run the
//! same `greet()` coroutine concurrently, so both sleeps overlap and the
//! run takes 1 s, not 2.
//!
//! asyncio prints `Hello`, `Hello`, then `My name is John`, `World`,
//! `My name is John`, `World`. Here the two tasks may wake at the same
//! moment on two workers, so their last two lines may interleave; each
//! task still prints `My name is John` before its `World`.

use std::time::Duration;

async fn greet() {
    println!("Hello");
    runtime::sleep(Duration::from_secs(1)).await;
    say_name("John").await;
    println!("World");
}

async fn say_name(name: &str) {
    println!("My name is {name}");
}

#[runtime::main]
async fn main() {
    let task1 = runtime::create_task(greet());
    let task2 = runtime::create_task(greet());
    task1.await.expect("task 1 failed");
    task2.await.expect("task 2 failed");
}
