//! `cargo bench -p runtime-benches [-- --samples N --workers N --only a,b]`
//!
//! Runs the same workloads on `runtime`, tokio and smol and prints a
//! markdown table; see `runtime_benches::harness` for the details.

fn main() -> std::process::ExitCode {
    let server = std::path::Path::new(env!("CARGO_BIN_EXE_http_server"));
    let memory = std::path::Path::new(env!("CARGO_BIN_EXE_memory"));
    runtime_benches::harness::main(Some(server), Some(memory))
}
