//! Twin of the TCP echo server, seed 003 (Thomas Spielauer's asyncio
//! overview, line ~777): `start_server(handle_client, "127.0.0.1", 8888)`;
//! each client's lines are printed and echoed back until it disconnects.
//! Seed 002's echo server on localhost:8888 (line ~56, code lost) is the
//! same program.
//!
//! Differences: the port is the first argument (default 8888; 0 picks a
//! free one, and the line `Server running on ...` shows which). An
//! optional second argument makes the server close after that many
//! connections have ended, so a test can watch it exit; without it, it
//! serves forever like the tutorial.
//!
//! Prints `Server running on 127.0.0.1:8888`, then for each client
//! `Connection from <addr>`, `Received: <line>` per line, and
//! `Connection closed: <addr>`.

use runtime::streams::{self, StreamReader, StreamWriter};
use runtime::sync::Event;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The tutorial's port.
const DEFAULT_PORT: u16 = 8888;

async fn handle_client(mut reader: StreamReader, mut writer: StreamWriter) {
    let client_address = match writer.peer_addr() {
        Ok(addr) => addr.to_string(),
        Err(_) => "<unknown>".to_string(),
    };
    println!("Connection from {client_address}");
    loop {
        let data = match reader.readline().await {
            Ok(data) if !data.is_empty() => data,
            // EOF, or a line over the limit / a reset: the tutorial stops
            // at the first empty read.
            _ => break,
        };
        println!("Received: {}", String::from_utf8_lossy(&data).trim());
        writer.write(&data);
        if writer.drain().await.is_err() {
            break;
        }
    }
    println!("Connection closed: {client_address}");
    writer.close();
    let _ = writer.wait_closed().await;
}

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port = match args.next() {
        Some(port) => port.parse().expect("the port must be a number"),
        None => DEFAULT_PORT,
    };
    let max_connections: Option<usize> = args
        .next()
        .map(|n| n.parse().expect("the connection count must be a number"));

    // Counts finished connections; the last one allowed sets `done`.
    let finished = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(Event::new());
    let handler = {
        let (finished, done) = (finished.clone(), done.clone());
        move |reader, writer| {
            let (finished, done) = (finished.clone(), done.clone());
            async move {
                handle_client(reader, writer).await;
                let n = finished.fetch_add(1, Ordering::SeqCst) + 1;
                if max_connections.is_some_and(|max| n >= max) {
                    done.set();
                }
            }
        }
    };

    let server = streams::start_server(handler, "127.0.0.1", port).await?;
    println!("Server running on {}", server.local_addr()?);
    if max_connections.is_some() {
        done.wait().await;
        server.close();
        server.wait_closed().await;
    } else {
        server.serve_forever().await;
    }
    Ok(())
}
