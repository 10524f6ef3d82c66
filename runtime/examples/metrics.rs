//! A live metrics line every second while a workload runs:
//! `cargo run -p runtime --example metrics [-- SECONDS]` (default 3).
//!
//! The workload mixes what a server does: TCP clients talking to an echo
//! server on 127.0.0.1, tasks sleeping on timers, and blocking jobs on the
//! pool. Each line is `Handle::metrics()`'s `Display` plus the poll rate
//! over the last second (two snapshots subtracted).

use runtime::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), Error> {
    let seconds: u64 = match std::env::args().nth(1) {
        None => 3,
        Some(arg) => arg
            .parse()
            .map_err(|_| format!("expected a number of seconds, got {arg:?}"))?,
    };
    let rt = runtime::Runtime::builder().thread_name("metrics").build()?;
    let handle = rt.handle().clone();
    let stop = Arc::new(AtomicBool::new(false));
    let echoed = Arc::new(AtomicU64::new(0));

    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = runtime::spawn(async move {
            loop {
                let Ok((conn, _)) = listener.accept().await else {
                    break;
                };
                runtime::spawn(async move {
                    let (mut reader, mut writer) = conn.split();
                    let _ = futures_lite::io::copy(&mut reader, &mut writer).await;
                });
            }
        });
        let mut work = Vec::new();
        for _ in 0..8 {
            let (stop, echoed) = (stop.clone(), echoed.clone());
            work.push(runtime::spawn(async move {
                let mut conn = TcpStream::connect(addr).await?;
                let mut buf = [0u8; 64];
                while !stop.load(Relaxed) {
                    conn.write_all(&buf).await?;
                    conn.read_exact(&mut buf).await?;
                    echoed.fetch_add(1, Relaxed);
                }
                Ok::<_, Error>(())
            }));
        }
        for i in 0..4u64 {
            let stop = stop.clone();
            work.push(runtime::spawn(async move {
                while !stop.load(Relaxed) {
                    runtime::sleep(Duration::from_millis(5 + i)).await;
                    runtime::to_thread(|| std::thread::sleep(Duration::from_millis(2))).await?;
                }
                Ok::<_, Error>(())
            }));
        }

        let mut last = handle.metrics();
        for second in 1..=seconds {
            runtime::sleep(Duration::from_secs(1)).await;
            let now = handle.metrics();
            let polls_per_sec = now.total_polls() - last.total_polls();
            println!("[{second}s] {polls_per_sec} polls/s | {now}");
            last = now;
        }
        stop.store(true, Relaxed);
        for task in work {
            task.await??;
        }
        server.cancel();
        println!(
            "echoed {} messages; final: {}",
            echoed.load(Relaxed),
            handle.metrics()
        );
        Ok::<_, Error>(())
    })
}
