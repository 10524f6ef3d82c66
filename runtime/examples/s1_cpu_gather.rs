//! Twin of "Implementing Parallel Processing with Asyncio", seed 001 (the
//! "Python Async Programming" tutorial, lines ~248-258): two CPU-bound
//! coroutines made into tasks on a hand-made loop, then gathered with
//! `loop.run_until_complete(asyncio.gather(task1, task2))`.
//!
//! The tutorial claims the output interleaves (`Calculating sum...`,
//! `Calculating product...`, `Sum calculated!`, `Product calculated!`).
//! In asyncio it cannot: neither coroutine awaits anything, so each runs to
//! the end once started, and Python prints `Calculating sum...`,
//! `Sum calculated!`, `Calculating product...`, `Product calculated!`. On
//! this runtime the two tasks really do run in parallel on two workers, so
//! the tutorial's interleaving can happen, but the order is up to the OS.
//!
//! Python's product of 1..100000 is a 456,574-digit integer; Rust has no
//! big integers in std, so the product wraps modulo 2^64 (the point is the
//! CPU work, not the number).
//!
//! Prints the four lines, each "Calculating" line before its "calculated"
//! line.

async fn calculate_sum() {
    // Simulate a CPU-intensive calculation
    println!("Calculating sum...");
    let mut total: u64 = 0;
    for i in 0..10_000_000u64 {
        total = std::hint::black_box(total + i);
    }
    println!("Sum calculated!");
}

async fn calculate_product() {
    // Simulate another CPU-intensive calculation
    println!("Calculating product...");
    let mut product: u64 = 1;
    for i in 1..100_000u64 {
        product = std::hint::black_box(product.wrapping_mul(i));
    }
    println!("Product calculated!");
}

fn main() {
    // loop = asyncio.get_event_loop()
    let rt = runtime::Runtime::new().expect("failed to start the runtime");
    // task1 = loop.create_task(calculate_sum())
    // task2 = loop.create_task(calculate_product())
    let task1 = rt.spawn(calculate_sum());
    let task2 = rt.spawn(calculate_product());
    // loop.run_until_complete(asyncio.gather(task1, task2))
    let (sum, product) = rt.block_on(runtime::gather!(task1, task2));
    sum.expect("calculate_sum failed");
    product.expect("calculate_product failed");
}
