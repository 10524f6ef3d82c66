//! Twin of the coroutine-chaining example in "Creating and Using
//! Coroutines", seed 001 (the "Python Async Programming" tutorial, line
//! ~126): `greet()` sleeps 1 s, then awaits another coroutine,
//! `say_name("John")`, before printing "World".
//!
//! Prints `Hello`, then, 1 s later, `My name is John` and `World`.

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

fn main() {
    // asyncio.run(greet())
    runtime::run(greet());
}
