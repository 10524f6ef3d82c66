//! Twin of "Awaitables and Futures", seed 001 (the "Python Async
//! Programming" tutorial, line ~20): a future is a placeholder for a
//! result that arrives later; `get_data()` is scheduled with
//! `ensure_future`, `main` awaits the future, then prints
//! `future.result()`.
//!
//! `runtime::Promise` is `asyncio.Future`. The tutorial never connects the
//! two: `get_data()` returns "Data" but nothing sets the future, so
//! `await future` waits forever. This twin does what the prose describes:
//! the scheduled task sets the promise with `get_data()`'s result.
//!
//! Prints `Data` (after 1 s).

use runtime::Promise;
use std::time::Duration;

async fn get_data() -> &'static str {
    runtime::sleep(Duration::from_secs(1)).await;
    "Data"
}

#[runtime::main]
async fn main() {
    // future = asyncio.Future()
    let future: Promise<&'static str> = Promise::new();
    // asyncio.ensure_future(get_data()), wired to the future.
    let setter = future.clone();
    runtime::spawn(async move {
        setter
            .set_result(get_data().await)
            .expect("the future was already set");
    });
    // await future; print(future.result()): awaiting gives the result.
    let data = future.wait().await.expect("the future failed");
    println!("{data}");
}
