//! Twin of the error-handling example, seed 003 (Thomas Spielauer's asyncio
//! overview, line ~287): a coroutine raises `ValueError`, and its caller
//! catches it with `try`/`except`.
//!
//! In Rust the error is a value: the coroutine returns `Result`, and the
//! caller's `match` is the `except ValueError as e` clause. (A *panic* in a
//! spawned task is caught too: its awaiter gets `TaskError::Panicked`.)
//!
//! Prints `Caught an error: An error occurred`.

use std::fmt;

/// Python's `ValueError`.
#[derive(Debug)]
struct ValueError(String);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ValueError {}

async fn faulty_task() -> Result<(), ValueError> {
    Err(ValueError("An error occurred".to_string()))
}

#[runtime::main]
async fn main() {
    match faulty_task().await {
        Ok(()) => {}
        Err(e) => println!("Caught an error: {e}"),
    }
}
