//! Twin of the UDP echo server, seed 003 (Thomas Spielauer's asyncio
//! overview, line ~803): a `DatagramProtocol` on 127.0.0.1:9999 that
//! prints each datagram and sends it back.
//!
//! Differences: a receive loop on [`runtime::net::UdpSocket`] instead of a
//! protocol class (the same thing, written as a task). The port is the
//! first argument (default 9999; 0 picks a free one, shown in the first
//! line); an optional second argument makes it exit after echoing that
//! many datagrams, so a test can watch it exit.
//!
//! Prints `UDP server running on 127.0.0.1:9999`, then
//! `Received <message> from <addr>` per datagram.

use runtime::net::UdpSocket;

/// The tutorial's port.
const DEFAULT_PORT: u16 = 9999;

/// Larger than any datagram the client sends.
const MAX_DATAGRAM: usize = 64 * 1024;

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port = match args.next() {
        Some(port) => port.parse().expect("the port must be a number"),
        None => DEFAULT_PORT,
    };
    let max_datagrams: Option<usize> = args
        .next()
        .map(|n| n.parse().expect("the datagram count must be a number"));

    let transport = UdpSocket::bind(("127.0.0.1", port)).await?;
    println!("UDP server running on {}", transport.local_addr()?);
    let mut buf = vec![0; MAX_DATAGRAM];
    let mut echoed = 0;
    while max_datagrams.is_none_or(|max| echoed < max) {
        let (n, addr) = transport.recv_from(&mut buf).await?;
        let data = &buf[..n];
        println!("Received {} from {addr}", String::from_utf8_lossy(data));
        // Echo the data back.
        transport.send_to(data, addr).await?;
        echoed += 1;
    }
    Ok(())
}
