//! Twin of the first example of seed 003 (Thomas Spielauer's asyncio
//! overview, line ~23): three simulated downloads of 3, 2 and 1 s, run as
//! tasks and processed with `asyncio.as_completed` in the order they
//! finish, not the order they started.
//!
//! `runtime::as_completed(tasks)` is a stream of the tasks' outputs in
//! completion order; `.next().await` takes the next one. One tutorial
//! second is 100 ms here; the messages keep the tutorial's numbers.
//!
//! Prints:
//! ```text
//! Content from http://example.com/3 after 1 seconds
//! Content from http://example.com/2 after 2 seconds
//! Content from http://example.com/1 after 3 seconds
//! ```

use std::time::Duration;

/// One second of the tutorial's time.
const SECOND: Duration = Duration::from_millis(100);

async fn fetch_url(url: &'static str, delay: u32) -> String {
    runtime::sleep(delay * SECOND).await; // Simulates network request delay
    format!("Content from {url} after {delay} seconds")
}

#[runtime::main]
async fn main() {
    let urls = [
        ("http://example.com/1", 3),
        ("http://example.com/2", 2),
        ("http://example.com/3", 1),
    ];
    let tasks = urls.map(|(url, delay)| runtime::create_task(fetch_url(url, delay)));
    // for task in asyncio.as_completed(tasks): result = await task
    let mut completed = runtime::as_completed(tasks);
    while let Some(result) = completed.next().await {
        println!("{}", result.expect("fetch_url failed")); // Process results as they complete
    }
}
