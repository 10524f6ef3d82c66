//! Twin of the multiprocessing example, seed 003 (Thomas Spielauer's asyncio
//! overview, line ~463): a child process runs its own event loop with
//! `asyncio.run(async_task())`; the parent starts it and joins it.
//!
//! A running Rust program cannot safely `fork` (threads do not survive it),
//! so the child is this same executable started again with `--worker`:
//! Python's "spawn" start method, which the tutorial describes. Each
//! process has its own runtime; nothing is shared.
//!
//! Prints (from the child) `Async task running`, then, 1 s later,
//! `Async task done`.

use std::process::Command;
use std::time::Duration;

/// The argument that makes this program the child.
const WORKER_ARG: &str = "--worker";

async fn async_task() {
    println!("Async task running");
    runtime::sleep(Duration::from_secs(1)).await;
    println!("Async task done");
}

fn worker() {
    runtime::run(async_task());
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some(WORKER_ARG) {
        worker();
        return;
    }
    // process = Process(target=worker); process.start()
    let this_program = std::env::current_exe().expect("cannot find this program");
    let mut process = Command::new(this_program)
        .arg(WORKER_ARG)
        .spawn()
        .expect("failed to start the worker process");
    // process.join()
    let status = process.wait().expect("failed to wait for the worker");
    assert!(status.success(), "the worker process failed: {status}");
}
