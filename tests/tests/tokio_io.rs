//! tokio's I/O traits on `runtime`'s streams (feature `tokio-io`): crates
//! written against them take `runtime` sockets, pipes and `Async` fds as
//! they are, with no tokio runtime anywhere.
#![cfg(feature = "tokio-io")]

use futures_lite::StreamExt;
use futures_util::SinkExt;
use runtime::net::{TcpListener, TcpStream, UnixStream};
use runtime_tests::{block_on_within, rt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::codec::{Framed, LinesCodec};

#[test]
fn a_tokio_util_codec_frames_lines_over_a_runtime_tcp_stream() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = runtime::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut lines = Framed::new(stream, LinesCodec::new());
            while let Some(line) = lines.next().await {
                let line = line.unwrap();
                lines.send(line.to_uppercase()).await.unwrap();
            }
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let mut lines = Framed::new(stream, LinesCodec::new());
        for word in ["alpha", "beta", "gamma"] {
            lines.send(word).await.unwrap();
            assert_eq!(lines.next().await.unwrap().unwrap(), word.to_uppercase());
        }
        drop(lines);
        server.await.unwrap();
    });
}

#[test]
fn tokio_read_and_write_extensions_work_on_halves_and_unix_streams() {
    let rt = rt(1);
    block_on_within(&rt, async {
        let (a, b) = UnixStream::pair().unwrap();
        let (mut a_read, mut a_write) = a.split();
        let (mut b_read, mut b_write) = b.split();
        a_write.write_all(b"over tokio's traits").await.unwrap();
        let mut buf = vec![0; 19];
        b_read.read_exact(&mut buf).await.unwrap();
        assert_eq!(buf, b"over tokio's traits");
        // poll_shutdown is a write shutdown: the peer reads EOF.
        AsyncWriteExt::shutdown(&mut b_write).await.unwrap();
        let mut rest = Vec::new();
        a_read.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
    });
}

#[test]
fn process_pipes_and_async_fds_speak_tokio_io() {
    let rt = rt(1);
    block_on_within(&rt, async {
        let mut child = runtime::process::Command::new("cat")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        stdin.write_all(b"piped through cat").await.unwrap();
        drop(stdin);
        let mut out = String::new();
        stdout.read_to_string(&mut out).await.unwrap();
        assert_eq!(out, "piped through cat");
        child.wait().await.unwrap();

        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let mut a = runtime::io::Async::new(a).unwrap();
        let mut b = runtime::io::Async::new(b).unwrap();
        AsyncWriteExt::write_all(&mut a, b"fd").await.unwrap();
        let mut two = [0; 2];
        AsyncReadExt::read_exact(&mut b, &mut two).await.unwrap();
        assert_eq!(&two, b"fd");
    });
}
