//! `cargo bench -p runtime-benches [-- --samples N --workers N --only a,b]`
//!
//! Runs the same workloads on `runtime`, tokio and smol and prints a
//! markdown table; see `runtime_benches::harness` for the details.

fn main() -> std::process::ExitCode {
    runtime_benches::harness::main()
}
