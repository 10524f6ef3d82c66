//! Twin of the "threads alongside asyncio tasks" example, seed 003 (Thomas
//! Spielauer's asyncio overview, line ~320): a plain thread appends to a
//! shared list, the coroutine starts it, joins it, and prints the list.
//!
//! Python's module-level list becomes an `Arc<Mutex<Vec<_>>>` (the GIL made
//! the append safe; Rust makes the sharing explicit). `thread.join()`
//! blocks, in Python as here; it is short. Python prints the list's repr
//! with single quotes; Rust's `Debug` uses double quotes.
//!
//! Prints `["Data from thread"]`.

use std::sync::{Arc, Mutex};

fn thread_function(shared_data: &Mutex<Vec<String>>) {
    shared_data
        .lock()
        .unwrap()
        .push("Data from thread".to_string());
}

#[runtime::main]
async fn main() {
    let shared_data = Arc::new(Mutex::new(Vec::new()));
    let thread = std::thread::spawn({
        let shared_data = shared_data.clone();
        move || thread_function(&shared_data)
    });
    thread.join().expect("the thread panicked");
    println!("{:?}", shared_data.lock().unwrap());
}
