//! Twin of "Async Functions" / "Await Expressions" / "Running Async Code"
//! in seed 001 (the "Python Async Programming" tutorial, lines ~51, ~62 and
//! ~73; the last two are the same program): `fetch_data(url)` simulates a
//! network request with a 1 s sleep and returns a string, and `main` awaits
//! it under `asyncio.run(main())`.
//!
//! Prints:
//! ```text
//! Fetching data from: https://example.com
//! Data fetched from: https://example.com
//! Received data: Data from https://example.com
//! ```

use std::time::Duration;

async fn fetch_data(url: &str) -> String {
    println!("Fetching data from: {url}");
    runtime::sleep(Duration::from_secs(1)).await; // Simulate network request
    println!("Data fetched from: {url}");
    format!("Data from {url}")
}

#[runtime::main]
async fn main() {
    let result = fetch_data("https://example.com").await;
    println!("Received data: {result}");
}
