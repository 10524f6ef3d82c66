//! Twin of the `asyncio.run_coroutine_threadsafe()` example, seed 003
//! (Thomas Spielauer's asyncio overview, line ~373): `main` makes a second
//! event loop, runs it forever on its own thread, hands it a coroutine from
//! the first loop, waits 1 s, then stops it with
//! `loop.call_soon_threadsafe(loop.stop)` and joins the thread.
//!
//! A [`runtime::Handle`] is thread-safe, so `handle.spawn(fut)` is
//! `run_coroutine_threadsafe` and `handle.stop()` is
//! `call_soon_threadsafe(loop.stop)`. The second runtime is closed when its
//! thread drops it after `run_forever` returns.
//!
//! Prints `Task received in other thread: Hello from main`.

use std::time::Duration;

/// Worker function for the thread: run the given loop until stopped.
fn thread_worker(rt: runtime::Runtime) {
    rt.run_forever();
}

async fn task_to_run(data: &str) {
    println!("Task received in other thread: {data}");
}

#[runtime::main]
async fn main() {
    // Create an event loop for the second thread
    let rt = runtime::Runtime::new().expect("failed to start the second runtime");
    let other_loop = rt.handle().clone();
    let thread = std::thread::spawn(move || thread_worker(rt));
    // Pass a task to the second thread
    other_loop.spawn(task_to_run("Hello from main"));
    // Give some time for the task to execute
    runtime::sleep(Duration::from_secs(1)).await;
    // Stop the thread's event loop
    other_loop.stop();
    thread.join().expect("the loop thread panicked");
}
