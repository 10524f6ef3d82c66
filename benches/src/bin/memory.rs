//! One runtime's resident memory per sleeping task, in a process of its
//! own, for the `memory_per_task` row (`runtime_benches::measure_memory`).
//!
//! ```text
//! memory <runtime|tokio|smol> <workers> <tasks>
//! ```
//!
//! Prints `bytes per task: <n>` and exits without shutting the runtime
//! down (the tasks sleep for an hour).

use runtime_benches::{Bench, RuntimeBench, SmolBench, TokioBench};
use std::process::ExitCode;

/// Resident set size from `/proc/self/status`, in bytes.
fn rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: usize = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS line");
    kib * 1024
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize| args.get(i).and_then(|w| w.parse::<usize>().ok());
    let (Some(name), Some(workers), Some(tasks)) = (args.first(), number(1), number(2)) else {
        eprintln!("usage: memory <runtime|tokio|smol> <workers> <tasks>");
        return ExitCode::FAILURE;
    };
    let bench: Box<dyn Bench> = match name.as_str() {
        "runtime" => Box::new(RuntimeBench::new(workers)),
        "tokio" => Box::new(TokioBench::new(workers)),
        "smol" => Box::new(SmolBench::new(workers)),
        other => {
            eprintln!("unknown runtime `{other}`: expected runtime, tokio or smol");
            return ExitCode::FAILURE;
        }
    };
    bench.sleeping_tasks(1_000);
    let before = rss();
    bench.sleeping_tasks(tasks);
    let after = rss();
    println!(
        "bytes per task: {}",
        after.saturating_sub(before) / tasks.max(1)
    );
    // The tasks sleep for an hour: leave without waiting for them.
    std::process::exit(0)
}
