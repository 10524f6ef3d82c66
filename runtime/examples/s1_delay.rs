//! Twin of the "Delays" example in seed 001 (the "Python Async Programming"
//! tutorial, line ~232): print, `await asyncio.sleep(2)`, print. The
//! tutorial awaits `delay_example()` at the top level, which only works in
//! asyncio's REPL; here `main` does it.
//!
//! Prints `Before delay`, then, 2 s later, `After delay`.

use std::time::Duration;

async fn delay_example() {
    println!("Before delay");
    runtime::sleep(Duration::from_secs(2)).await;
    println!("After delay");
}

#[runtime::main]
async fn main() {
    delay_example().await;
}
