//! Twin of the UDP client, seed 003 (Thomas Spielauer's asyncio overview,
//! line ~823): a datagram endpoint connected to 127.0.0.1:9999 sends
//! `Hello, UDP Server!`, waits a second, and closes.
//!
//! Differences: the port is the first argument (default 9999). The
//! tutorial's plain `DatagramProtocol` ignores the echo; the twin waits up
//! to that same second for it and prints it, which shows the round trip.
//!
//! Prints `Sent: Hello, UDP Server!`, then `Received: Hello, UDP Server!`
//! (or `No reply within 1 s`).

use runtime::net::UdpSocket;
use std::time::Duration;

/// The tutorial's port.
const DEFAULT_PORT: u16 = 9999;

/// The tutorial's "give time for server response".
const REPLY_WAIT: Duration = Duration::from_secs(1);

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let port = match std::env::args().nth(1) {
        Some(port) => port.parse().expect("the port must be a number"),
        None => DEFAULT_PORT,
    };
    let transport = UdpSocket::bind("127.0.0.1:0").await?;
    transport.connect(("127.0.0.1", port)).await?;
    let message = b"Hello, UDP Server!";
    transport.send(message).await?;
    println!("Sent: {}", String::from_utf8_lossy(message));

    let mut buf = [0; 1024];
    match runtime::timeout(REPLY_WAIT, transport.recv(&mut buf)).await {
        Ok(Ok(n)) => println!("Received: {}", String::from_utf8_lossy(&buf[..n])),
        Ok(Err(error)) => println!("No reply: {error}"),
        Err(_) => println!("No reply within 1 s"),
    }
    Ok(())
}
