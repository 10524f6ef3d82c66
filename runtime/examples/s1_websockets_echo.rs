//! Seed 001 (~303), a `websockets` server that answers each message with
//! `'Processed: ' + message`.
//!
//! The twin runs `async-tungstenite` (futures-io, no runtime of its own)
//! over `runtime::net` sockets: the server on 127.0.0.1 handles each
//! connection in a task, as `websockets.serve` does; a client in the same
//! example sends a text message, a binary one, a 1 MiB frame, and closes
//! cleanly, checking every answer.

use async_tungstenite::tungstenite::Message;
use futures_util::StreamExt;
use runtime::net::{TcpListener, TcpStream};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// `handle_connection(websocket, path)`: answer until the client closes.
async fn handle_connection(stream: TcpStream) -> Result<(), Error> {
    let mut websocket = async_tungstenite::accept_async(stream).await?;
    while let Some(message) = websocket.next().await {
        match message? {
            Message::Text(text) => {
                websocket
                    .send(Message::text(format!("Processed: {text}")))
                    .await?
            }
            // Binary frames come back as they are, so sizes can be checked.
            Message::Binary(bytes) => websocket.send(Message::binary(bytes)).await?,
            // tungstenite answers pings and the close handshake itself.
            _ => {}
        }
    }
    Ok(())
}

#[runtime::main]
async fn main() -> Result<(), Error> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = runtime::spawn(async move {
        let (stream, _) = listener.accept().await?;
        handle_connection(stream).await
    });

    let stream = TcpStream::connect(addr).await?;
    let (mut websocket, _) =
        async_tungstenite::client_async(format!("ws://{addr}/"), stream).await?;
    websocket.send(Message::text("hello")).await?;
    match websocket.next().await.ok_or("closed early")?? {
        Message::Text(reply) => println!("text: {reply}"),
        other => return Err(format!("unexpected {other:?}").into()),
    }
    for size in [16, 1 << 20] {
        let payload: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        websocket.send(Message::binary(payload.clone())).await?;
        match websocket.next().await.ok_or("closed early")?? {
            Message::Binary(echo) if echo.as_ref() == payload.as_slice() => {
                println!("binary: {} bytes back intact", echo.len())
            }
            other => {
                return Err(format!("binary echo of {size} bytes came back as {other:?}").into())
            }
        }
    }
    websocket.close(None).await?;
    // The server sees the close, answers it and its loop ends.
    while websocket.next().await.is_some() {}
    server.await??;
    println!("closed cleanly");
    Ok(())
}
