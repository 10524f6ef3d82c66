//! Twin of the `try`/`except` example in "Error Handling in Async Code",
//! seed 001 (the "Python Async Programming" tutorial, line ~359): `divide`
//! catches `ZeroDivisionError` inside a coroutine.
//!
//! Rust's float division by zero gives infinity instead of raising, so the
//! error is a value: `true_divide` returns `Result`, and the `match` is the
//! `except` clause. Python's `10 / 5` is the float `2.0`, printed as such.
//!
//! Prints `The result is: 2.0`, then `Error: Cannot divide by zero`.

/// Python's `ZeroDivisionError`.
#[derive(Debug)]
struct ZeroDivisionError;

/// Python's `a / b` on two ints: true division, an error for zero.
fn true_divide(a: i64, b: i64) -> Result<f64, ZeroDivisionError> {
    if b == 0 {
        return Err(ZeroDivisionError);
    }
    Ok(a as f64 / b as f64)
}

async fn divide(a: i64, b: i64) {
    match true_divide(a, b) {
        Ok(result) => println!("The result is: {result:?}"),
        Err(ZeroDivisionError) => println!("Error: Cannot divide by zero"),
    }
}

#[runtime::main]
async fn main() {
    divide(10, 5).await;
    divide(10, 0).await;
}
