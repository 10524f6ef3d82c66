//! Every workload runs once, at 1/100 of the benchmark sizes, on every
//! runtime, and must finish (within a generous watchdog timeout) without
//! losing tasks.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use runtime_benches::{Bench, Sizes, Workload};

const WORKERS: usize = 2;
const TIMEOUT: Duration = Duration::from_secs(60);

/// Builds a bench with `make` and runs `workload` once on it, on a separate
/// thread so that a hang fails the test instead of blocking the suite.
fn check<B: Bench + 'static>(workload: Workload, make: fn(usize) -> B) {
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name(format!("check-{}", workload.name()))
        .spawn(move || {
            let sizes = Sizes::full(10_000).scaled_down(100);
            let bench = make(WORKERS);
            let sample = workload.run(&bench, &sizes);
            drop(bench);
            let _ = tx.send(sample);
        })
        .unwrap();
    match rx.recv_timeout(TIMEOUT) {
        Ok(sample) => {
            assert_eq!(sample.time.is_some(), workload != Workload::StalledWorker);
            assert!(sample.time.is_none_or(|t| t > Duration::ZERO));
            let latencies = match workload {
                Workload::Timers => 1,
                Workload::StalledWorker => 4,
                _ => 0,
            };
            assert_eq!(sample.latencies.len(), latencies);
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{} did not finish within {TIMEOUT:?}", workload.name())
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            panic!("{} panicked (see its output above)", workload.name())
        }
    }
}

macro_rules! smoke_tests {
    ($module:ident, $bench:ty) => {
        mod $module {
            use super::*;

            #[test]
            fn spawn_many_local() {
                check(Workload::SpawnManyLocal, <$bench>::new);
            }

            #[test]
            fn spawn_many_remote() {
                check(Workload::SpawnManyRemote, <$bench>::new);
            }

            #[test]
            fn spawn_ready() {
                check(Workload::SpawnReady, <$bench>::new);
            }

            #[test]
            fn spawn_eager_ready() {
                check(Workload::SpawnEagerReady, <$bench>::new);
            }

            #[test]
            fn yield_many() {
                check(Workload::YieldMany, <$bench>::new);
            }

            #[test]
            fn ping_pong() {
                check(Workload::PingPong, <$bench>::new);
            }

            #[test]
            fn chained_spawn() {
                check(Workload::ChainedSpawn, <$bench>::new);
            }

            #[test]
            fn blocking_offload() {
                check(Workload::BlockingOffload, <$bench>::new);
            }

            #[test]
            fn timers() {
                check(Workload::Timers, <$bench>::new);
            }

            #[test]
            fn cross_thread_submit() {
                check(Workload::CrossThreadSubmit, <$bench>::new);
            }

            #[test]
            fn fanout_compute() {
                check(Workload::FanoutCompute, <$bench>::new);
            }

            #[test]
            fn tcp_echo() {
                check(Workload::TcpEcho, <$bench>::new);
            }

            #[test]
            fn http_hello() {
                check(Workload::HttpHello, <$bench>::new);
            }

            #[test]
            fn stalled_worker() {
                check(Workload::StalledWorker, <$bench>::new);
            }
        }
    };
}

smoke_tests!(on_runtime, runtime_benches::RuntimeBench);
smoke_tests!(on_tokio, runtime_benches::TokioBench);
smoke_tests!(on_smol, runtime_benches::SmolBench);

/// Every workload is covered by the lists above.
#[test]
fn all_workloads_listed() {
    assert_eq!(Workload::ALL.len(), 14);
}
