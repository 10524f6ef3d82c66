//! A tour of what `runtime` does: thousands of tasks spread over every
//! worker, blocking calls offloaded without stalling the loops, and work
//! submitted from plain threads.
//!
//! Run with `cargo run --release --example tour`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TASKS: usize = 10_000;

#[runtime::main]
async fn main() {
    let handle = runtime::Handle::current();
    println!("runtime with {} workers", handle.num_workers());

    // 1. Thousands of tasks, spread across the workers by work stealing.
    let start = Instant::now();
    let ran_on: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
    let tasks: Vec<_> = (0..TASKS)
        .map(|i| {
            let ran_on = ran_on.clone();
            runtime::spawn(async move {
                // A little CPU work and a yield, so tasks interleave.
                let mut x = i as u64;
                for _ in 0..2_000 {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                }
                runtime::yield_now().await;
                let thread = std::thread::current().name().unwrap_or("?").to_string();
                *ran_on.lock().unwrap().entry(thread).or_default() += 1;
                x
            })
        })
        .collect();
    let mut checksum = 0u64;
    for task in tasks {
        checksum = checksum.wrapping_add(task.await.expect("task failed"));
    }
    println!(
        "{TASKS} tasks finished in {:.1?} (checksum {checksum:x}); who ran them:",
        start.elapsed()
    );
    for (thread, count) in ran_on.lock().unwrap().iter() {
        println!("  {thread:<20} {count:>6} tasks");
    }

    // 2. Blocking calls go to the blocking pool; the loops keep ticking.
    let start = Instant::now();
    let ticker = runtime::spawn(async {
        let mut ticks = 0;
        let mut interval = runtime::interval(Duration::from_millis(10));
        while ticks < 10 {
            interval.tick().await;
            ticks += 1;
        }
        ticks
    });
    let blocking: Vec<_> = (0..8)
        .map(|i| {
            runtime::to_thread(move || {
                std::thread::sleep(Duration::from_millis(100));
                i
            })
        })
        .collect();
    let ticks = ticker.await.unwrap();
    let ticks_done = start.elapsed();
    let mut sum = 0;
    for job in blocking {
        sum += job.await.unwrap();
    }
    println!(
        "8 blocking sleeps of 100 ms (sum {sum}) took {:.1?}; meanwhile a task ticked {ticks} times in {ticks_done:.1?}",
        start.elapsed()
    );

    // 3. Plain threads hand work to the runtime and wait for the answer
    //    (asyncio's run_coroutine_threadsafe).
    let start = Instant::now();
    let submitters: Vec<_> = (0..4)
        .map(|t| {
            let handle = handle.clone();
            std::thread::spawn(move || {
                (0..1_000)
                    .map(|i| {
                        handle
                            .spawn(async move { t * 1_000 + i })
                            .join_blocking()
                            .unwrap()
                    })
                    .sum::<usize>()
            })
        })
        .collect();
    let total: usize = submitters.into_iter().map(|t| t.join().unwrap()).sum();
    println!(
        "4 plain threads submitted 4,000 tasks and joined each one in {:.1?} (sum {total})",
        start.elapsed()
    );

    // 4. Callbacks, asyncio style.
    let (tx, rx) = std::sync::mpsc::channel();
    let tx2 = tx.clone();
    handle.call_later(Duration::from_millis(20), move || {
        tx2.send("call_later").unwrap()
    });
    handle.call_soon(move || tx.send("call_soon").unwrap());
    let order: Vec<_> = runtime::to_thread(move || rx.iter().take(2).collect())
        .await
        .unwrap();
    println!("callbacks ran in order: {order:?}");
}
