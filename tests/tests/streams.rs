//! asyncio's stream API end to end: `start_server` / `open_connection`,
//! the framed reads and their errors (`IncompleteReadError` with the
//! partial bytes, `LimitOverrunError` and the reader afterwards), half-close
//! with `write_eof`, back-pressure through `drain`, server close, a peer
//! that drops mid-read, and many concurrent clients. No test asserts a
//! duration; `block_on_within` only guards against hangs.

use runtime::net::TcpListener;
use runtime::streams::{
    self, open_connection, open_connection_with_limit, start_server, StreamError, StreamReader,
    StreamWriter, DEFAULT_LIMIT,
};
use runtime_tests::{block_on_within, closed_port, pattern, rt};
use std::io::{self, ErrorKind};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

/// The stream types can move between tasks.
const _: () = {
    fn send<T: Send + 'static>() {}
    fn all() {
        send::<StreamReader>();
        send::<StreamWriter>();
        send::<streams::Server>();
        send::<StreamError>();
    }
    let _ = all;
};

/// Echoes lines back until EOF, then closes.
async fn echo_lines(mut reader: StreamReader, mut writer: StreamWriter) {
    loop {
        let line = reader.readline().await.expect("server readline");
        if line.is_empty() {
            break;
        }
        writer.write(&line);
        if writer.drain().await.is_err() {
            break;
        }
    }
    writer.close();
    let _ = writer.wait_closed().await;
}

/// A raw listener on loopback and the port to `open_connection` to.
async fn raw_listener() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("local_addr").port();
    (listener, port)
}

#[test]
fn echo_through_start_server_and_open_connection() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let server = start_server(echo_lines, "127.0.0.1", 0).await?;
        let port = server.local_addr()?.port();
        assert_eq!(server.sockets(), vec![server.local_addr()?]);
        let (mut reader, mut writer) = open_connection("127.0.0.1", port).await?;
        assert_eq!(writer.peer_addr()?.port(), port);
        for i in 0..100 {
            let line = format!("line {i}\n");
            writer.write(line.as_bytes());
            writer.drain().await?;
            assert_eq!(reader.readline().await?, line.as_bytes());
        }
        writer.write_eof();
        assert_eq!(reader.readline().await?, b"");
        assert!(reader.at_eof());
        Ok::<_, io::Error>(())
    })
    .unwrap();
}

#[test]
fn readline_readuntil_readexactly_and_read() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let (listener, port) = raw_listener().await;
        let peer = runtime::spawn(async move {
            let (mut stream, _) = listener.accept().await?;
            stream
                .write_all(b"first\nsecond\r\n\r\nbody12345tail\nrest")
                .await?;
            Ok::<_, io::Error>(())
        });
        let (mut reader, _writer) = open_connection("127.0.0.1", port).await?;
        assert_eq!(reader.readline().await?, b"first\n");
        assert_eq!(reader.readuntil(b"\r\n\r\n").await?, b"second\r\n\r\n");
        assert_eq!(reader.readexactly(4).await?, b"body");
        assert_eq!(reader.read(5).await?, b"12345");
        assert_eq!(reader.readline().await?, b"tail\n");
        peer.await.unwrap()?;
        // At EOF readline returns the partial line, then nothing.
        assert_eq!(reader.readline().await?, b"rest");
        assert_eq!(reader.readline().await?, b"");
        assert_eq!(reader.read(10).await?, b"");
        assert!(reader.at_eof());
        Ok::<_, StreamError>(())
    })
    .unwrap();
}

#[test]
fn incomplete_reads_carry_the_partial_bytes() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let (listener, port) = raw_listener().await;
        let peer = runtime::spawn(async move {
            let (mut stream, _) = listener.accept().await?;
            stream.write_all(b"abcdefgh").await?;
            Ok::<_, io::Error>(())
        });
        let (mut reader, _writer) = open_connection("127.0.0.1", port).await?;
        peer.await.unwrap()?;
        assert_eq!(reader.readexactly(3).await?, b"abc");
        match reader.readexactly(10).await {
            Err(StreamError::IncompleteRead(error)) => {
                assert_eq!(error.partial, b"defgh");
                assert_eq!(error.expected, Some(10));
                assert!(error.to_string().contains("5 of 10"), "{error}");
            }
            other => panic!("expected IncompleteReadError, got {other:?}"),
        }
        assert!(reader.at_eof());
        // Nothing left: readuntil gets an empty partial, and converting to
        // io::Error gives UnexpectedEof with the original inside.
        let error = reader.readuntil(b"\n").await.unwrap_err();
        assert_eq!(error.partial(), Some(&b""[..]));
        let error: io::Error = error.into();
        assert_eq!(error.kind(), ErrorKind::UnexpectedEof);
        let inner = error.into_inner().unwrap();
        assert!(inner
            .downcast_ref::<streams::IncompleteReadError>()
            .is_some());
        Ok::<_, StreamError>(())
    })
    .unwrap();
}

#[test]
fn readuntil_at_eof_returns_the_partial_bytes() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let (listener, port) = raw_listener().await;
        let peer = runtime::spawn(async move {
            let (mut stream, _) = listener.accept().await?;
            stream.write_all(b"no separator here").await?;
            Ok::<_, io::Error>(())
        });
        let (mut reader, _writer) = open_connection("127.0.0.1", port).await?;
        peer.await.unwrap()?;
        match reader.readuntil(b"||").await {
            Err(StreamError::IncompleteRead(error)) => {
                assert_eq!(error.partial, b"no separator here");
                assert_eq!(error.expected, None);
            }
            other => panic!("expected IncompleteReadError, got {other:?}"),
        }
        Ok::<_, StreamError>(())
    })
    .unwrap();
}

#[test]
fn limit_overrun_and_the_reader_afterwards() {
    const LIMIT: usize = 1024;
    let rt = rt(2);
    block_on_within(&rt, async {
        let (listener, port) = raw_listener().await;
        let long = pattern(0, 0, 4 * LIMIT)
            .into_iter()
            .map(|b| if b == b'\n' { b'x' } else { b })
            .collect::<Vec<u8>>();
        let sent = {
            let mut sent = long.clone();
            sent.extend_from_slice(b"\nshort\n");
            // The line past the limit without any separator follows.
            sent.extend_from_slice(&long);
            sent
        };
        let peer = runtime::spawn(async move {
            let (mut stream, _) = listener.accept().await?;
            stream.write_all(&sent).await?;
            Ok::<_, io::Error>(())
        });
        let (mut reader, _writer) = open_connection_with_limit("127.0.0.1", port, LIMIT).await?;
        assert_eq!(reader.limit(), LIMIT);
        // Everything is in the socket before the first read, so one read
        // brings it all and each search below sees the whole input.
        peer.await.unwrap()?;

        // readuntil: the error, and the bytes are still there.
        let error = match reader.readuntil(b"\n").await {
            Err(StreamError::LimitOverrun(error)) => error,
            other => panic!("expected LimitOverrunError, got {other:?}"),
        };
        assert!(error.consumed > LIMIT, "{error:?}");
        assert_eq!(error.limit, LIMIT);
        let head = reader.readexactly(10).await?;
        assert_eq!(head, long[..10]);

        // readline: the rest of the long line is discarded up to and
        // including its '\n', and the next line reads normally.
        match reader.readline().await {
            Err(StreamError::LimitOverrun(error)) => {
                assert!(error.to_string().contains("limit"), "{error}");
                let io_error: io::Error = StreamError::LimitOverrun(error).into();
                assert_eq!(io_error.kind(), ErrorKind::InvalidData);
            }
            other => panic!("expected LimitOverrunError, got {other:?}"),
        }
        assert_eq!(reader.readline().await?, b"short\n");

        // A line over the limit with no '\n' in reach: the buffer is
        // cleared; the reader still works and reaches EOF.
        assert!(matches!(
            reader.readline().await,
            Err(StreamError::LimitOverrun(_))
        ));
        let rest = reader.read_to_end().await?;
        assert!(rest.len() < long.len(), "the overrun data was discarded");
        assert!(reader.at_eof());
        Ok::<_, StreamError>(())
    })
    .unwrap();
}

#[test]
fn default_limit_is_64_kib() {
    assert_eq!(DEFAULT_LIMIT, 64 * 1024);
}

#[test]
fn half_close_with_write_eof() {
    let rt = rt(2);
    block_on_within(&rt, async {
        // The server reads everything to EOF, then answers with its length.
        let server = start_server(
            |mut reader: StreamReader, mut writer: StreamWriter| async move {
                let data = reader.read_to_end().await.expect("read_to_end");
                writer.write(format!("{}\n", data.len()).as_bytes());
                let _ = writer.drain().await;
            },
            "127.0.0.1",
            0,
        )
        .await?;
        let port = server.local_addr()?.port();
        let (mut reader, mut writer) = open_connection("127.0.0.1", port).await?;
        assert!(writer.can_write_eof());
        writer.write(&[7; 100_000]);
        writer.write_eof();
        writer.write(b"dropped after write_eof");
        writer.drain().await?;
        assert_eq!(reader.readline().await?, b"100000\n");
        assert_eq!(reader.read_to_end().await?, b"");
        Ok::<_, StreamError>(())
    })
    .unwrap();
}

#[test]
fn drain_applies_back_pressure_until_the_peer_reads() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let (listener, port) = raw_listener().await;
        let (reader, mut writer) = open_connection("127.0.0.1", port).await?;
        let (mut peer, _) = listener.accept().await?;
        drop(reader);
        // Far more than the socket buffers hold: write does not wait, the
        // rest stays buffered, and drain waits for the peer.
        const TOTAL: usize = 16 * 1024 * 1024;
        let data = pattern(1, 2, TOTAL);
        writer.write(&data);
        assert!(writer.buffered_len() > streams::DEFAULT_HIGH_WATER);
        let drained = Arc::new(AtomicUsize::new(0));
        let drained2 = drained.clone();
        let drainer = runtime::spawn(async move {
            writer.drain().await?;
            drained2.store(1, SeqCst);
            writer.close();
            writer.wait_closed().await?;
            Ok::<_, io::Error>(())
        });
        runtime::sleep(std::time::Duration::from_millis(20)).await;
        let mut received = Vec::new();
        peer.read_to_end(&mut received).await?;
        drainer.await.unwrap()?;
        assert_eq!(drained.load(SeqCst), 1);
        assert_eq!(received.len(), TOTAL);
        assert!(received == data, "the bytes arrive in order");
        Ok::<_, io::Error>(())
    })
    .unwrap();
}

#[test]
fn drain_reports_a_reset_peer() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let (listener, port) = raw_listener().await;
        let (_reader, mut writer) = open_connection("127.0.0.1", port).await?;
        let (peer, _) = listener.accept().await?;
        peer.set_linger(Some(std::time::Duration::ZERO))?;
        drop(peer);
        let error = loop {
            writer.write(&[0; 64 * 1024]);
            if let Err(error) = writer.drain().await {
                break error;
            }
            runtime::sleep(std::time::Duration::from_millis(1)).await;
        };
        assert!(
            matches!(
                error.kind(),
                ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
            ),
            "{error:?}"
        );
        writer.close();
        assert!(writer.wait_closed().await.is_err());
        Ok::<_, io::Error>(())
    })
    .unwrap();
}

#[test]
fn server_close_and_wait_closed() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let started = Arc::new(runtime::sync::Event::new());
        let release = Arc::new(runtime::sync::Event::new());
        let finished = Arc::new(AtomicUsize::new(0));
        let (s, r, f) = (started.clone(), release.clone(), finished.clone());
        let server = start_server(
            move |_reader, _writer| {
                let (s, r, f) = (s.clone(), r.clone(), f.clone());
                async move {
                    s.set();
                    r.wait().await;
                    f.fetch_add(1, SeqCst);
                }
            },
            "127.0.0.1",
            0,
        )
        .await?;
        let port = server.local_addr()?.port();
        assert!(server.is_serving());
        let _client = open_connection("127.0.0.1", port).await?;
        started.wait().await;

        let server = Arc::new(server);
        let serving = {
            let server = server.clone();
            runtime::spawn(async move { server.serve_forever().await })
        };
        server.close();
        serving.await.unwrap();
        assert!(!server.is_serving());
        assert!(server.sockets().is_empty());
        // The listener is closed: new connections are refused.
        let refused = open_connection("127.0.0.1", port).await.unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);

        // wait_closed waits for the running handler.
        let waiter = {
            let server = server.clone();
            runtime::spawn(async move { server.wait_closed().await })
        };
        runtime::sleep(std::time::Duration::from_millis(20)).await;
        assert_eq!(finished.load(SeqCst), 0);
        release.set();
        waiter.await.unwrap();
        assert_eq!(finished.load(SeqCst), 1);
        Ok::<_, io::Error>(())
    })
    .unwrap();
}

#[test]
fn a_connection_dropped_mid_read_gives_what_arrived_then_eof() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let (listener, port) = raw_listener().await;
        let (mut reader, _writer) = open_connection("127.0.0.1", port).await?;
        let (mut peer, _) = listener.accept().await?;
        peer.write_all(b"half a li").await?;
        drop(peer);
        assert_eq!(reader.readline().await?, b"half a li");
        assert_eq!(reader.read(100).await?, b"");
        assert!(reader.at_eof());
        Ok::<_, StreamError>(())
    })
    .unwrap();
}

#[test]
fn refused_and_malformed() {
    let rt = rt(1);
    block_on_within(&rt, async {
        let refused = open_connection("127.0.0.1", closed_port())
            .await
            .unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
        let malformed = open_connection("1.2.3.4.5", 80).await.unwrap_err();
        assert_eq!(malformed.kind(), ErrorKind::InvalidInput);
        let taken = start_server(echo_lines, "127.0.0.1", 0).await.unwrap();
        let port = taken.local_addr().unwrap().port();
        let in_use = start_server(echo_lines, "127.0.0.1", port)
            .await
            .unwrap_err();
        assert_eq!(in_use.kind(), ErrorKind::AddrInUse);
    });
}

#[test]
fn many_concurrent_clients() {
    const CLIENTS: usize = 200;
    const LINES: usize = 20;
    let rt = rt(2);
    block_on_within(&rt, async {
        let server = start_server(echo_lines, "127.0.0.1", 0).await?;
        let port = server.local_addr()?.port();
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                runtime::spawn(async move {
                    let (mut reader, mut writer) = open_connection("127.0.0.1", port).await?;
                    for i in 0..LINES {
                        let line = format!("client {c} line {i}\n");
                        writer.write(line.as_bytes());
                        writer.drain().await?;
                        assert_eq!(reader.readline().await?, line.as_bytes());
                    }
                    writer.close();
                    writer.wait_closed().await?;
                    Ok::<_, StreamError>(())
                })
            })
            .collect();
        for client in clients {
            client.await.unwrap()?;
        }
        server.close();
        server.wait_closed().await;
        Ok::<_, StreamError>(())
    })
    .unwrap();
}

#[test]
fn a_cancelled_read_loses_nothing() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let (listener, port) = raw_listener().await;
        let (mut reader, _writer) = open_connection("127.0.0.1", port).await?;
        let (mut peer, _) = listener.accept().await?;
        // Half a line, then a readline that gives up before the rest comes.
        peer.write_all(b"hel").await?;
        let gave_up =
            runtime::timeout(std::time::Duration::from_millis(20), reader.readline()).await;
        assert!(gave_up.is_err(), "the line is not complete yet");
        // A separator split across two sends is still found.
        peer.write_all(b"lo\r\n\r").await?;
        let gave_up = runtime::timeout(
            std::time::Duration::from_millis(20),
            reader.readuntil(b"\r\n\r\n"),
        )
        .await;
        assert!(gave_up.is_err(), "the separator is not complete yet");
        peer.write_all(b"\nnext").await?;
        assert_eq!(reader.readuntil(b"\r\n\r\n").await?, b"hello\r\n\r\n");
        drop(peer);
        assert_eq!(reader.read_to_end().await?, b"next");
        Ok::<_, StreamError>(())
    })
    .unwrap();
}

#[test]
fn writes_after_close_are_dropped_and_the_peer_sees_eof() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let (listener, port) = raw_listener().await;
        let (mut reader, mut writer) = open_connection("127.0.0.1", port).await?;
        let (mut peer, _) = listener.accept().await?;
        writer.write(b"before");
        assert!(!writer.is_closing());
        writer.close();
        assert!(writer.is_closing());
        writer.write(b"after");
        writer.wait_closed().await?;
        let mut got = Vec::new();
        peer.read_to_end(&mut got).await?;
        assert_eq!(got, b"before");
        // Closing shut both directions down: the reader is at EOF too.
        assert_eq!(reader.read(10).await?, b"");
        Ok::<_, io::Error>(())
    })
    .unwrap();
}

#[test]
fn shutdown_drops_every_handler_once() {
    const CLIENTS: usize = 10;
    let counter = runtime_tests::DropCounter::new();
    let rt = rt(2);
    let clients = block_on_within(&rt, {
        let counter = counter.clone();
        async move {
            let started = Arc::new(AtomicUsize::new(0));
            let all_started = Arc::new(runtime::sync::Event::new());
            let (s, e) = (started.clone(), all_started.clone());
            let server = start_server(
                move |mut reader: StreamReader, writer: StreamWriter| {
                    let token = counter.token();
                    let (s, e) = (s.clone(), e.clone());
                    async move {
                        // Kept alive: dropping the writer closes the connection.
                        let _writer = writer;
                        let _token = token;
                        if s.fetch_add(1, SeqCst) + 1 == CLIENTS {
                            e.set();
                        }
                        // Waits for a client that never writes.
                        let _ = reader.read_to_end().await;
                    }
                },
                "127.0.0.1",
                0,
            )
            .await
            .unwrap();
            let port = server.local_addr().unwrap().port();
            let mut clients = Vec::new();
            for _ in 0..CLIENTS {
                clients.push(open_connection("127.0.0.1", port).await.unwrap());
            }
            all_started.wait().await;
            // The server is dropped here (closed); its handlers keep running.
            clients
        }
    });
    assert_eq!(counter.drops(), 0, "the handlers are still running");
    drop(rt);
    assert_eq!(
        counter.drops(),
        CLIENTS,
        "each handler dropped exactly once"
    );
    drop(clients);
}

/// After `close` + `wait_closed` the reader is at EOF and `read` returns
/// empty — even when the peer's data arrives after the close (Linux then
/// resets the shut-down socket, which used to surface as
/// `ConnectionReset`), and for a read that was already waiting when
/// `close` ran.
#[test]
fn a_closed_connections_reader_reports_eof_not_a_reset() {
    let rt = rt(2);
    block_on_within(&rt, async {
        for round in 0..20 {
            let (listener, port) = raw_listener().await;
            let (mut reader, mut writer) = open_connection("127.0.0.1", port).await?;
            let (mut peer, _) = listener.accept().await?;
            // A read already waiting when the close happens (every other
            // round; the others read only after the close).
            let (pending, idle) = if round % 2 == 0 {
                let task = runtime::spawn(async move {
                    let got = reader.read(10).await;
                    (got, reader)
                });
                (Some(task), None)
            } else {
                (None, Some(reader))
            };
            runtime::sleep(std::time::Duration::from_millis(2)).await;
            writer.close();
            writer.wait_closed().await?;
            // The peer talks after the close: the kernel answers with a reset.
            let _ = peer.write_all(b"too late").await;
            runtime::sleep(std::time::Duration::from_millis(2)).await;
            let mut reader = match (pending, idle) {
                (Some(task), _) => {
                    let (got, reader) = task.await.unwrap();
                    assert_eq!(got?, b"", "the waiting read ends at EOF");
                    reader
                }
                (None, Some(reader)) => reader,
                (None, None) => unreachable!(),
            };
            assert!(reader.at_eof());
            assert_eq!(reader.read(10).await?, b"");
            assert_eq!(reader.read_to_end().await?, b"");
            assert!(reader.at_eof());
        }
        Ok::<_, io::Error>(())
    })
    .unwrap();
}
