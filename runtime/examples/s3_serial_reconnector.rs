//! Seed 003 (~712), a serial reconnector: when the device is unplugged,
//! notice, retry with a pause between attempts, and resume when it is
//! back.
//!
//! A pty pair stands in for the serial line (`support/pty.rs`), reached
//! through a stable path (`ttyUSB0`, a symlink in a temp directory, as
//! udev gives a device a stable name). A task plays the device: it
//! appears, sends a line, waits for the program's acknowledgement, and
//! is unplugged (its end closed, the link removed); a little later a new
//! device appears at the same path. The program notices each loss (the
//! read fails with `EIO`), retries every 50 ms with back-off (the
//! tutorial: every 5 s) while the path is missing, and reconnects when it
//! is back. It stops after `<devices>` devices (default 2).

#[path = "support/pty.rs"]
mod pty;

use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Plays `count` devices in turn at `link`, each saying `hello <n>`.
async fn devices(link: PathBuf, count: usize) -> std::io::Result<()> {
    for n in 1..=count {
        let pty::Device {
            end: mut device,
            port_path,
            port: _port,
        } = pty::device()?;
        std::os::unix::fs::symlink(&port_path, &link)?;
        device.write_all(format!("hello {n}\n").as_bytes()).await?;
        // Wait for the acknowledgement, so nothing sent is lost when the
        // device goes away.
        let mut ack = [0; 4];
        device.read_exact(&mut ack).await?;
        // Unplugged: the path goes, then the line.
        std::fs::remove_file(&link)?;
        drop((device, _port));
        runtime::sleep(Duration::from_millis(120)).await;
    }
    Ok(())
}

/// `SerialReconnector`: connection_made, data_received, connection_lost.
async fn reconnector(port: &Path, devices: usize) -> std::io::Result<()> {
    let name = port
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let mut connected = 0;
    let mut retry = Duration::from_millis(50);
    while connected < devices {
        let mut serial = match pty::open_port(port) {
            Ok(serial) => serial,
            Err(error) => {
                println!("Reconnection failed: {error}, retrying in {retry:?}...");
                runtime::sleep(retry).await;
                retry = (retry * 2).min(Duration::from_millis(400));
                continue;
            }
        };
        retry = Duration::from_millis(50);
        connected += 1;
        if connected == 1 {
            println!("Connected to {name}");
        } else {
            println!("Reconnected successfully");
        }
        let mut buf = [0; 64];
        loop {
            let result = serial.read(&mut buf).await;
            if pty::vanished(&result) {
                println!("Connection lost, attempting to reconnect...");
                break;
            }
            let n = result?;
            println!(
                "Received: {}",
                String::from_utf8_lossy(&buf[..n]).trim_end()
            );
            serial.write_all(b"ack\n").await?;
        }
    }
    Ok(())
}

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(2);
    let dir = std::env::temp_dir().join(format!("runtime-serial-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let link = dir.join("ttyUSB0");
    let _ = std::fs::remove_file(&link);
    let device_task = runtime::spawn(devices(link.clone(), count));
    // The program may start before the first device: that is a failed
    // attempt like any other.
    reconnector(&link, count).await?;
    device_task.await.unwrap()?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
