//! Unix domain sockets end to end: stream and datagram round trips,
//! `pair()`, split halves, half-close, and bad paths.

use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{UnixDatagram, UnixListener, UnixStream};
use runtime_tests::{block_on_within, pattern, rt, temp_dir};
use std::io::ErrorKind;
use std::net::Shutdown;

#[test]
fn stream_round_trips_through_a_listener() {
    const CLIENTS: usize = 50;
    const MESSAGES: usize = 20;
    let dir = temp_dir("unix-stream");
    let path = dir.join("echo.sock");
    let rt = rt(2);
    block_on_within(&rt, async {
        let listener = UnixListener::bind(&path).unwrap();
        assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(&*path));
        drop(runtime::spawn(async move {
            loop {
                let (mut stream, _) = listener.accept().await.unwrap();
                drop(runtime::spawn(async move {
                    let mut buf = [0; 4096];
                    loop {
                        let n = stream.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        stream.write_all(&buf[..n]).await.unwrap();
                    }
                }));
            }
        }));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|conn| {
                let path = path.clone();
                runtime::spawn(async move {
                    let mut stream = UnixStream::connect(&path).await.unwrap();
                    assert_eq!(stream.peer_addr().unwrap().as_pathname(), Some(&*path));
                    for msg in 0..MESSAGES {
                        let sent = pattern(conn, msg, 1 + (conn * 131 + msg * 17) % 9000);
                        stream.write_all(&sent).await.unwrap();
                        let mut received = vec![0; sent.len()];
                        stream.read_exact(&mut received).await.unwrap();
                        assert!(received == sent, "connection {conn} message {msg}");
                    }
                })
            })
            .collect();
        for client in clients {
            client.await.unwrap();
        }
    });
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn stream_pair_half_close_and_split() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        a.write_all(b"request").await.unwrap();
        a.shutdown(Shutdown::Write).unwrap();
        let mut request = Vec::new();
        b.read_to_end(&mut request).await.unwrap();
        assert_eq!(request, b"request");
        b.write_all(b"reply").await.unwrap();
        drop(b);
        let mut reply = Vec::new();
        a.read_to_end(&mut reply).await.unwrap();
        assert_eq!(reply, b"reply");

        // Split: one task writes a lot while another reads it back.
        const TOTAL: usize = 4 * 1024 * 1024;
        let (a, b) = UnixStream::pair().unwrap();
        let (mut a_read, mut a_write) = a.split();
        let (mut b_read, mut b_write) = b.split();
        let echo = runtime::spawn(async move {
            // The peer echoes through its halves via the futures-io traits.
            futures_lite::io::copy(&mut b_read, &mut b_write)
                .await
                .unwrap()
        });
        let writer = runtime::spawn(async move {
            let data = pattern(5, 0, TOTAL);
            AsyncWriteExt::write_all(&mut a_write, &data).await.unwrap();
            // Dropping the write half shuts it down: the echo sees EOF.
        });
        let reader = runtime::spawn(async move {
            let mut out = Vec::new();
            AsyncReadExt::read_to_end(&mut a_read, &mut out)
                .await
                .unwrap();
            out
        });
        writer.await.unwrap();
        assert_eq!(echo.await.unwrap(), TOTAL as u64);
        let out = reader.await.unwrap();
        assert!(out == pattern(5, 0, TOTAL), "echoed bytes differ");
    });
}

#[test]
fn split_halves_reunite() {
    let rt = rt(1);
    block_on_within(&rt, async {
        let (a, b) = UnixStream::pair().unwrap();
        let (a_read, a_write) = a.split();
        let (b_read, b_write) = b.split();
        let error = a_read.reunite(b_write).unwrap_err();
        let mut a = error.0.reunite(a_write).unwrap();
        let mut b = error.1.reunite(b_read).unwrap();
        a.write_all(b"ok").await.unwrap();
        let mut buf = [0; 2];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ok");
    });
}

#[test]
fn datagram_round_trips() {
    let dir = temp_dir("unix-dgram");
    let rt = rt(2);
    block_on_within(&rt, async {
        let server_path = dir.join("server.sock");
        let client_path = dir.join("client.sock");
        let server = UnixDatagram::bind(&server_path).unwrap();
        let client = UnixDatagram::bind(&client_path).unwrap();
        for i in 0..100 {
            let sent = pattern(2, i, 1 + i * 37);
            client.send_to(&sent, &server_path).await.unwrap();
            let mut buf = vec![0; 8192];
            let (n, from) = server.recv_from(&mut buf).await.unwrap();
            assert!(buf[..n] == sent[..]);
            assert_eq!(from.as_pathname(), Some(&*client_path));
            server
                .send_to(&buf[..n], from.as_pathname().unwrap())
                .await
                .unwrap();
            let n = client.recv(&mut buf).await.unwrap();
            assert!(buf[..n] == sent[..]);
        }

        // Connected, and an unbound sender.
        client.connect(&server_path).unwrap();
        assert_eq!(
            client.peer_addr().unwrap().as_pathname(),
            Some(&*server_path)
        );
        client.send(b"connected").await.unwrap();
        let unbound = UnixDatagram::unbound().unwrap();
        unbound.send_to(b"anonymous", &server_path).await.unwrap();
        let mut buf = [0; 16];
        let (n, _) = server.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"connected");
        let (n, from) = server.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"anonymous");
        assert!(from.is_unnamed());

        // A pair keeps message boundaries.
        let (a, b) = UnixDatagram::pair().unwrap();
        a.send(b"one").await.unwrap();
        a.send(b"two").await.unwrap();
        let n = b.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"one");
        let n = b.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"two");
    });
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_paths_are_reported() {
    let dir = temp_dir("unix-bad");
    let rt = rt(1);
    block_on_within(&rt, async {
        let missing = dir.join("missing.sock");
        let error = UnixStream::connect(&missing).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");

        let path = dir.join("taken.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let error = UnixListener::bind(&path).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::AddrInUse, "{error}");
        // The file outlives the listener: connecting to it is refused.
        drop(listener);
        let error = UnixStream::connect(&path).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ConnectionRefused, "{error}");

        let socket = UnixDatagram::unbound().unwrap();
        let error = socket.send_to(b"x", &missing).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
        let error = socket.send(b"x").await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotConnected, "{error}");
        let too_long = dir.join("x".repeat(200));
        assert!(UnixListener::bind(&too_long).is_err());
        assert!(UnixStream::connect(&too_long).await.is_err());
    });
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_peer_that_goes_away_ends_the_stream() {
    let rt = rt(1);
    block_on_within(&rt, async {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        b.write_all(&pattern(0, 0, 100)).await.unwrap();
        drop(b);
        let mut received = Vec::new();
        a.read_to_end(&mut received).await.unwrap();
        assert!(received == pattern(0, 0, 100));
        let error = a.write_all(b"anyone?").await.unwrap_err();
        assert!(
            matches!(
                error.kind(),
                ErrorKind::BrokenPipe | ErrorKind::ConnectionReset
            ),
            "{error}"
        );
    });
}

#[test]
fn unix_sockets_outside_a_runtime_fail_with_a_clear_error() {
    let error = UnixStream::pair().unwrap_err();
    assert!(error.to_string().contains("inside a runtime"), "{error}");
    let error = UnixDatagram::unbound().unwrap_err();
    assert!(error.to_string().contains("inside a runtime"), "{error}");
}
