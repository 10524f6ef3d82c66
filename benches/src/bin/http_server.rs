//! The `http_hello` server of one runtime, in a process of its own, for the
//! `http_wrk` rows (`runtime_benches::measure_wrk` starts it and points
//! `wrk` at it).
//!
//! ```text
//! http_server <runtime|tokio|smol|hyper-runtime|hyper-tokio> <workers>
//! ```
//!
//! The `hyper-*` servers run one hyper 1.x service on `runtime` (through
//! `runtime::hyper`) or on tokio (through hyper-util's `TokioIo`), for the
//! hyper rows. It binds 127.0.0.1 on a free port, prints `listening on <addr>`, and
//! serves until its standard input closes or it is killed.

use runtime_benches::{hyper_hello, Bench, RuntimeBench, SmolBench, TokioBench};
use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let workers = args.get(1).and_then(|w| w.parse::<usize>().ok());
    let (Some(name), Some(workers)) = (args.first(), workers) else {
        eprintln!("usage: http_server <runtime|tokio|smol|hyper-runtime|hyper-tokio> <workers>");
        return ExitCode::FAILURE;
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    // Kept alive until stdin closes.
    let _server: Box<dyn std::any::Any> = match name.as_str() {
        "hyper-runtime" => hyper_hello::serve_on_runtime(listener, workers),
        "hyper-tokio" => hyper_hello::serve_on_tokio(listener, workers),
        "runtime" | "tokio" | "smol" => {
            let bench: Box<dyn Bench> = match name.as_str() {
                "runtime" => Box::new(RuntimeBench::new(workers)),
                "tokio" => Box::new(TokioBench::new(workers)),
                _ => Box::new(SmolBench::new(workers)),
            };
            bench.serve_http(listener);
            Box::new(bench)
        }
        other => {
            eprintln!(
                "unknown server `{other}`: expected runtime, tokio, smol, hyper-runtime or hyper-tokio"
            );
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {addr}");
    std::io::stdout().flush().expect("stdout");
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    ExitCode::SUCCESS
}
