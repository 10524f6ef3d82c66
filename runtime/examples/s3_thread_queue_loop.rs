//! Twin of "launch event loops in threads", seed 003 (Thomas Spielauer's
//! asyncio overview, line ~342): a thread runs its own event loop, which
//! consumes a queue; `main`, on the first loop, puts five items and a
//! `None` sentinel, then joins the thread.
//!
//! The tutorial shares one `asyncio.Queue` between two event loops, which
//! asyncio does not support (its queues are not thread-safe and bind to one
//! loop): depending on timing it works, hangs, or raises `RuntimeError`.
//! `runtime::sync::Queue` belongs to no runtime and is thread-safe, so the
//! pattern is sound here; it is shared through an `Arc`. The tutorial's
//! `thread.join()` also blocks the first loop; here the join runs on
//! `to_thread` instead, so the loop stays free. The `None` sentinel is
//! kept; `queue.shutdown(false)` (asyncio 3.13) would end the consumer's
//! `get` loop without one.
//!
//! Prints `Processed in thread: Task 0` ... `Processed in thread: Task 4`,
//! in order.

use runtime::sync::Queue;
use std::sync::Arc;

/// Worker function for the thread: its own runtime drains the queue.
fn thread_worker(queue: Arc<Queue<Option<String>>>) {
    // loop = asyncio.new_event_loop(); asyncio.set_event_loop(loop)
    let rt = runtime::Runtime::new().expect("failed to start the thread's runtime");
    // loop.run_until_complete(process_queue())
    rt.block_on(async {
        loop {
            let data = queue.get().await.expect("the queue was shut down");
            let Some(data) = data else { break };
            println!("Processed in thread: {data}");
            queue
                .task_done()
                .expect("more task_done() calls than items");
        }
    });
}

#[runtime::main]
async fn main() {
    // queue = asyncio.Queue() (maxsize=0: unbounded)
    let queue = Arc::new(Queue::new(0));
    // Start a thread with its own event loop
    let thread = std::thread::spawn({
        let queue = queue.clone();
        move || thread_worker(queue)
    });
    // Add tasks to the queue
    for i in 0..5 {
        queue
            .put(Some(format!("Task {i}")))
            .await
            .expect("the queue was shut down");
    }
    // Signal the thread to exit
    queue.put(None).await.expect("the queue was shut down");
    // Wait for the thread to finish, without blocking this loop.
    runtime::to_thread(move || thread.join())
        .await
        .expect("to_thread failed")
        .expect("the thread panicked");
}
