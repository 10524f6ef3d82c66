//! Twin of "Synchronizing Tasks with Semaphores", seed 001 (the "Python
//! Async Programming" tutorial, line ~190): five worker tasks share a
//! semaphore of 2, so they start and finish in batches of two; `main`
//! gathers the tasks.
//!
//! `async with semaphore:` is `let _permit = semaphore.acquire().await;`:
//! the permit goes back when `_permit` is dropped at the end of the
//! worker. The semaphore is shared through an `Arc`. The run would take
//! 3 s (batches of 2, 2 and 1), so the tutorial's second is scaled to
//! 100 ms.
//!
//! Prints five `Task started` and five `Task finished` lines; at no point
//! are more than two workers between their "started" and "finished", and
//! two are there at once (the semaphore limits, it does not serialise).
//! The next batch's "started" may come before or after the current batch's
//! second "finished": a released permit goes straight to the next waiter.

use runtime::sync::Semaphore;
use std::sync::Arc;
use std::time::Duration;

/// One second of the tutorial's time.
const SECOND: Duration = Duration::from_millis(100);

async fn worker(semaphore: Arc<Semaphore>) {
    // async with semaphore:
    let _permit = semaphore.acquire().await;
    println!("Task started");
    runtime::sleep(SECOND).await;
    println!("Task finished");
}

#[runtime::main]
async fn main() {
    let semaphore = Arc::new(Semaphore::new(2)); // Allow only 2 tasks to run concurrently
    let tasks: Vec<_> = (0..5)
        .map(|_| runtime::create_task(worker(semaphore.clone())))
        .collect();
    // await asyncio.gather(*tasks)
    for result in runtime::gather(tasks).await {
        result.expect("a worker failed");
    }
}
