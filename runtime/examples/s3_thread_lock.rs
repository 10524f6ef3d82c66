//! Twin of "Example using threading.Lock", seed 003 (Thomas Spielauer's
//! asyncio overview, line ~411): a thread appends to a shared list under a
//! `threading.Lock` while a coroutine appends under an `asyncio.Lock`; the
//! main coroutine joins the thread and prints the list.
//!
//! Differs from the tutorial's code, to keep its intent:
//! - The tutorial's coroutine writes `async with asyncio.Lock():`, which
//!   makes a new lock on every call and so excludes nobody. Here the
//!   coroutine's `runtime::sync::Lock` is made once, in `main`, and lent to
//!   it: the async lock the tutorial means.
//! - The two locks do not exclude each other, in Python or here; the list
//!   is really protected by the GIL. Rust has no GIL, so the list lives in
//!   a `std::sync::Mutex` (the `threading.Lock`), which both sides take
//!   for the moment of the append. Holding a `std::sync::Mutex` in a
//!   coroutine is fine as long as it is not held across an `.await`.
//! - A plain thread cannot take a `runtime::sync::Lock` (it has no
//!   blocking acquire), so the thread side uses the std mutex only.
//!
//! Which append comes first is a race, in Python as here.
//!
//! Prints `["Data from thread", "Data from async task"]`, or the two in the
//! other order.

use runtime::sync::Lock;
use std::sync::{Arc, Mutex};

fn thread_function(shared_data: &Mutex<Vec<&'static str>>) {
    // with lock: shared_data.append("Data from thread")
    shared_data.lock().unwrap().push("Data from thread");
}

async fn async_function(lock: &Lock, shared_data: &Mutex<Vec<&'static str>>) {
    // async with asyncio.Lock():
    let _guard = lock.lock().await;
    shared_data.lock().unwrap().push("Data from async task");
}

#[runtime::main]
async fn main() {
    let shared_data = Arc::new(Mutex::new(Vec::new()));
    let lock = Lock::new(());
    // thread = threading.Thread(target=thread_function); thread.start()
    let thread = std::thread::spawn({
        let shared_data = shared_data.clone();
        move || thread_function(&shared_data)
    });
    async_function(&lock, &shared_data).await;
    // thread.join(): the thread only appends, so blocking here is brief.
    thread.join().expect("the thread panicked");
    println!("{:?}", shared_data.lock().unwrap());
}
