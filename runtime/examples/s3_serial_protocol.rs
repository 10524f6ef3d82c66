//! Seed 003 (~662), a `serial_asyncio` protocol with tagged messages:
//! tag 1 = a length byte and that many bytes, tag 2 = bytes up to `\n`,
//! anything else an unknown tag, skipped.
//!
//! A pty pair stands in for the serial line (`support/pty.rs`): the
//! program opens the port end by path in raw mode and reads it through
//! `runtime::io::Async`; a task on the other end plays the device. The
//! program sends the device tagged requests; the device answers each in
//! the other framing, in chunks that split messages mid-way, with an
//! unknown tag among them; `SerialReader` reassembles and prints them
//! exactly as the tutorial's `data_received` does, and the program checks
//! every reply matches its request.

#[path = "support/pty.rs"]
mod pty;

use futures_lite::io::{AsyncReadExt, AsyncWriteExt};

/// The tutorial's `SerialReader` protocol: a buffer and its parser.
#[derive(Default)]
struct SerialReader {
    buffer: Vec<u8>,
    /// What was received (for the program to check).
    received: Vec<String>,
}

impl SerialReader {
    fn data_received(&mut self, data: &[u8]) {
        self.buffer.extend_from_slice(data);
        while let Some(&tag) = self.buffer.first() {
            match tag {
                1 => {
                    let Some(&len) = self.buffer.get(1) else {
                        break;
                    };
                    let len = usize::from(len);
                    if self.buffer.len() < 2 + len {
                        break;
                    }
                    let message: Vec<u8> = self.buffer.drain(..2 + len).skip(2).collect();
                    self.message(1, message);
                }
                2 => {
                    let Some(end) = self.buffer.iter().position(|&b| b == b'\n') else {
                        break;
                    };
                    let message: Vec<u8> =
                        self.buffer.drain(..=end).skip(1).take(end - 1).collect();
                    self.message(2, message);
                }
                unknown => {
                    println!("Unknown tag: {unknown}");
                    self.buffer.remove(0);
                }
            }
        }
    }

    fn message(&mut self, tag: u8, message: Vec<u8>) {
        let text = String::from_utf8_lossy(&message).into_owned();
        println!("Tag {tag}: Received message: {text}");
        self.received.push(text);
    }
}

/// Frames `text` with `tag`.
fn frame(tag: u8, text: &str) -> Vec<u8> {
    match tag {
        1 => [&[1, text.len() as u8][..], text.as_bytes()].concat(),
        _ => [&[2][..], text.as_bytes(), b"\n"].concat(),
    }
}

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let pty::Device {
        end: mut device,
        port_path,
        port: _port,
    } = pty::device()?;
    let requests = ["status?", "temperature?", "firmware?"];
    // Set once the program has every reply. The device stays on the line
    // until then: closing the pty's device end hangs the line up, and the
    // kernel drops the bytes the port has not read yet (a device that
    // answered and vanished at once would take its last answer with it).
    let all_read = std::sync::Arc::new(runtime::sync::Event::new());

    // The device: reads tag-2 requests, answers each with tag 1 (and once
    // with a stray unknown tag first), writing in 3-byte chunks.
    let device_done = all_read.clone();
    let device_task = runtime::spawn(async move {
        let mut pending = Vec::new();
        let mut answered = 0;
        let mut buf = [0; 64];
        while answered < 3 {
            let n = device.read(&mut buf).await?;
            pending.extend_from_slice(&buf[..n]);
            while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                let request: Vec<u8> = pending.drain(..=end).collect();
                let question = String::from_utf8_lossy(&request[1..end]).into_owned();
                let mut reply = if answered == 1 { vec![9] } else { Vec::new() };
                reply.extend(frame(1, &format!("answer to {question}")));
                for chunk in reply.chunks(3) {
                    device.write_all(chunk).await?;
                    runtime::sleep(std::time::Duration::from_millis(1)).await;
                }
                answered += 1;
            }
        }
        device_done.wait().await;
        Ok::<_, std::io::Error>(())
    });

    let mut port = pty::open_port(&port_path)?;
    let mut reader = SerialReader::default();
    let mut buf = [0; 64];
    for request in requests {
        port.write_all(&frame(2, request)).await?;
        let before = reader.received.len();
        while reader.received.len() == before {
            let n = port.read(&mut buf).await?;
            if n == 0 {
                // The line hung up (once its device end is gone a pty
                // reads 0, or fails with EIO, which `?` already returns):
                // an error, not a reason to read again forever.
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("the device hung up before answering {request:?}"),
                ));
            }
            reader.data_received(&buf[..n]);
        }
        assert_eq!(
            reader.received.last().unwrap(),
            &format!("answer to {request}")
        );
    }
    all_read.set();
    device_task.await.unwrap()?;
    println!(
        "{} replies, each matching its request",
        reader.received.len()
    );
    Ok(())
}
