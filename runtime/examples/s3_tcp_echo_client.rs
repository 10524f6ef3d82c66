//! Twin of the TCP client with reconnect logic, seed 003 (Thomas
//! Spielauer's asyncio overview, line ~757): `open_connection`, send
//! `Hello, Server!\n`, print the echoed line, close; while the server is
//! not there, retry.
//!
//! Differences: the port is the first argument (default 8888). The retry
//! delay of 5 s is scaled to 500 ms, and the loop gives up (exit status 1)
//! after a number of attempts, the second argument (default 10), where the
//! tutorial retries forever.
//!
//! Prints `Connection failed, retrying in 5 seconds...` per failed attempt,
//! then `Connected to 127.0.0.1:8888` and `Received: Hello, Server!`.

use runtime::streams;
use std::io::ErrorKind;
use std::time::Duration;

/// The tutorial's port.
const DEFAULT_PORT: u16 = 8888;

/// The tutorial's 5 s retry delay, scaled by 0.1.
const RETRY_DELAY: Duration = Duration::from_millis(500);

/// Attempts before giving up, unless the second argument says otherwise.
const DEFAULT_ATTEMPTS: usize = 10;

/// Connects, exchanges one line, closes; `Ok(false)` if the connection
/// failed in a way the tutorial retries (refused, timed out).
async fn tcp_client(host: &str, port: u16) -> std::io::Result<bool> {
    let (mut reader, mut writer) = match streams::open_connection(host, port).await {
        Ok(pair) => pair,
        Err(error)
            if matches!(
                error.kind(),
                ErrorKind::ConnectionRefused | ErrorKind::TimedOut
            ) =>
        {
            return Ok(false)
        }
        Err(error) => return Err(error),
    };
    println!("Connected to {host}:{port}");
    writer.write(b"Hello, Server!\n");
    writer.drain().await?;
    let data = reader.readline().await?;
    println!("Received: {}", String::from_utf8_lossy(&data).trim());
    writer.close();
    writer.wait_closed().await?;
    Ok(true)
}

#[runtime::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let port = match args.next() {
        Some(port) => port.parse().expect("the port must be a number"),
        None => DEFAULT_PORT,
    };
    let attempts = match args.next() {
        Some(n) => n.parse().expect("the attempt count must be a number"),
        None => DEFAULT_ATTEMPTS,
    };
    for _ in 0..attempts {
        match tcp_client("127.0.0.1", port).await {
            Ok(true) => return,
            Ok(false) => {
                println!("Connection failed, retrying in 5 seconds...");
                runtime::sleep(RETRY_DELAY).await;
            }
            Err(error) => {
                eprintln!("error: {error}");
                std::process::exit(1);
            }
        }
    }
    eprintln!("giving up after {attempts} attempts");
    std::process::exit(1);
}
