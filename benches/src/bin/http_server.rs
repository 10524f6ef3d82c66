//! The `http_hello` server of one runtime, in a process of its own, for the
//! `http_wrk` rows (`runtime_benches::measure_wrk` starts it and points
//! `wrk` at it).
//!
//! ```text
//! http_server <runtime|tokio|smol> <workers>
//! ```
//!
//! It binds 127.0.0.1 on a free port, prints `listening on <addr>`, and
//! serves until its standard input closes or it is killed.

use runtime_benches::{Bench, RuntimeBench, SmolBench, TokioBench};
use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let workers = args.get(1).and_then(|w| w.parse::<usize>().ok());
    let (Some(name), Some(workers)) = (args.first(), workers) else {
        eprintln!("usage: http_server <runtime|tokio|smol> <workers>");
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
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    bench.serve_http(listener);
    println!("listening on {addr}");
    std::io::stdout().flush().expect("stdout");
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    ExitCode::SUCCESS
}
