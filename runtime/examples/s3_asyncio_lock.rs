//! Twin of "Example using asyncio.Lock", seed 003 (Thomas Spielauer's
//! asyncio overview, line ~430): two coroutines, gathered, each append to a
//! shared list and sleep 1 s while holding one `asyncio.Lock`, so they run
//! one after the other (2 s in all).
//!
//! `async with lock:` is `let guard = lock.lock().await;`, released when
//! the guard drops at the end of the function. The list lives inside the
//! lock (`Lock<Vec<_>>`), Rust's way of saying what the lock protects, and
//! is reached only through the guard. The tutorial's module-level `lock`
//! and `shared_data` become one local in `main`, lent to both coroutines
//! (`gather!` runs them in place, so they may borrow it). The lock is
//! FIFO: function one asks first (`gather!` polls in argument order), so
//! it goes first.
//!
//! Prints:
//! ```text
//! Async function one completed
//! Async function two completed
//! ["Data from async function one", "Data from async function two"]
//! ```
//! (1 s apart: the lock serialises the two sleeps.)

use runtime::sync::Lock;
use std::time::Duration;

async fn async_function_one(shared_data: &Lock<Vec<&'static str>>) {
    // async with lock:
    let mut data = shared_data.lock().await;
    data.push("Data from async function one");
    runtime::sleep(Duration::from_secs(1)).await; // Simulate some asynchronous work
    println!("Async function one completed");
}

async fn async_function_two(shared_data: &Lock<Vec<&'static str>>) {
    // async with lock:
    let mut data = shared_data.lock().await;
    data.push("Data from async function two");
    runtime::sleep(Duration::from_secs(1)).await; // Simulate some asynchronous work
    println!("Async function two completed");
}

#[runtime::main]
async fn main() {
    // shared_data = []; lock = asyncio.Lock()
    let shared_data = Lock::new(Vec::new());
    // await asyncio.gather(async_function_one(), async_function_two())
    runtime::gather!(
        async_function_one(&shared_data),
        async_function_two(&shared_data)
    )
    .await;
    // print(shared_data)
    println!("{:?}", shared_data.into_inner());
}
