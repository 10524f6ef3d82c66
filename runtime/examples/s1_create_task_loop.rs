//! Twin of the "schedule a coroutine on the loop" example in seed 001 (the
//! "Python Async Programming" tutorial, line ~161): `loop.create_task(...)`
//! then `loop.run_until_complete(...)` to run the loop until the task is
//! done.
//!
//! The tutorial calls `loop.run_until_complete()` with no argument, which
//! raises `TypeError`; the prose says it should run "until all tasks are
//! complete", so this runs the loop until the task it created is.
//!
//! Prints `Hello, async world!`.

async fn my_coroutine() {
    println!("Hello, async world!");
}

fn main() {
    // loop = asyncio.get_event_loop()
    let rt = runtime::Runtime::new().expect("failed to start the runtime");
    // loop.create_task(my_coroutine())
    let task = rt.spawn(my_coroutine());
    // loop.run_until_complete(task)
    rt.block_on(task).expect("my_coroutine failed");
}
