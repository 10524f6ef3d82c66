//! Twin of the `multiprocessing.Queue` example, seed 003 (Thomas
//! Spielauer's asyncio overview, line ~542): a job on a process pool puts
//! data in a queue, and the coroutine drains the queue after the job ends.
//!
//! A `ThreadPoolExecutor` stands in for the process pool and a
//! `std::sync::mpsc` channel for the process queue. The tutorial's caveat
//! (the queue must be inherited through `fork`, never passed as an
//! argument) does not apply to threads: the sending end is simply moved
//! into the job.
//!
//! Prints `Data from process`.

use std::sync::mpsc;

fn process_task(queue: mpsc::Sender<String>) {
    queue
        .send("Data from process".to_string())
        .expect("the receiver is gone");
}

#[runtime::main]
async fn main() {
    let (queue, received) = mpsc::channel();
    let handle = runtime::Handle::current();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let executor = runtime::ThreadPoolExecutor::new(cpus);
    // Run the task and pass the queue
    handle
        .run_in_executor(Some(&executor), move || process_task(queue))
        .await
        .expect("process_task failed");
    // Retrieve data from the queue
    while let Ok(data) = received.try_recv() {
        println!("{data}");
    }
}
