//! TCP end to end: many concurrent echo connections, half-close, split
//! halves, the futures-io traits, every bad input, and faults (a refused
//! connect, a reset peer, a peer that closes mid-message).

use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};
use runtime_tests::{block_on_within, closed_port, pattern, rt};
use std::collections::HashSet;
use std::io::ErrorKind;
use std::net::{Shutdown, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

/// Every socket type can move between tasks and be shared by them.
const _: () = {
    fn send_sync<T: Send + Sync + Unpin + 'static>() {}
    fn all() {
        use runtime::net::{tcp, unix, UdpSocket, UnixDatagram, UnixListener, UnixStream};
        send_sync::<TcpListener>();
        send_sync::<TcpStream>();
        send_sync::<tcp::OwnedReadHalf>();
        send_sync::<tcp::OwnedWriteHalf>();
        send_sync::<UdpSocket>();
        send_sync::<UnixListener>();
        send_sync::<UnixStream>();
        send_sync::<unix::OwnedReadHalf>();
        send_sync::<unix::OwnedWriteHalf>();
        send_sync::<UnixDatagram>();
    }
    let _ = all;
};

/// Serves echo on `listener` until the runtime goes away; returns how many
/// connections reached EOF so far through `closed`.
fn spawn_echo_server(listener: TcpListener, closed: Arc<AtomicUsize>) {
    drop(runtime::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.expect("accept");
            let closed = closed.clone();
            drop(runtime::spawn(async move {
                let mut buf = vec![0; 8192];
                loop {
                    match stream.read(&mut buf).await {
                        Ok(0) => break,
                        Ok(n) => stream.write_all(&buf[..n]).await.expect("echo write"),
                        Err(e) => panic!("echo read: {e}"),
                    }
                }
                closed.fetch_add(1, SeqCst);
            }));
        }
    }));
}

/// Length of message `msg` on connection `conn`: 1 byte to 16 KiB, more
/// than a socket takes in one read now and then.
fn message_len(conn: usize, msg: usize) -> usize {
    1 + (conn * 7919 + msg * 104_729) % (16 * 1024)
}

#[test]
fn a_thousand_concurrent_echo_connections_on_four_workers() {
    const CONNECTIONS: usize = 1_000;
    const MESSAGES: usize = 5;
    let rt = rt(4);
    let threads_seen = Arc::new(Mutex::new(HashSet::<ThreadId>::new()));
    let migrated = Arc::new(AtomicUsize::new(0));
    block_on_within(&rt, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let closed = Arc::new(AtomicUsize::new(0));
        spawn_echo_server(listener, closed.clone());

        let clients: Vec<_> = (0..CONNECTIONS)
            .map(|conn| {
                let (threads_seen, migrated) = (threads_seen.clone(), migrated.clone());
                runtime::spawn(async move {
                    let mut stream = TcpStream::connect(addr).await.unwrap();
                    let mut threads = HashSet::new();
                    for msg in 0..MESSAGES {
                        let sent = pattern(conn, msg, message_len(conn, msg));
                        stream.write_all(&sent).await.unwrap();
                        let mut received = vec![0; sent.len()];
                        stream.read_exact(&mut received).await.unwrap();
                        assert!(
                            received == sent,
                            "connection {conn} message {msg} corrupted"
                        );
                        threads.insert(std::thread::current().id());
                    }
                    stream.shutdown(Shutdown::Write).unwrap();
                    let mut rest = Vec::new();
                    stream.read_to_end(&mut rest).await.unwrap();
                    assert!(rest.is_empty());
                    if threads.len() > 1 {
                        migrated.fetch_add(1, SeqCst);
                    }
                    threads_seen.lock().unwrap().extend(threads);
                })
            })
            .collect();
        for client in clients {
            client.await.unwrap();
        }
        // Every server-side handler saw its EOF.
        while closed.load(SeqCst) < CONNECTIONS {
            runtime::sleep(Duration::from_millis(1)).await;
        }
    });
    // Tasks woken by their sockets while running on workers other than the
    // one whose poller the socket is registered with: the case that the
    // reactor must get right. With 1,000 connections on 4 workers it
    // always happens; if it did not, this test would prove less.
    assert!(
        threads_seen.lock().unwrap().len() > 1 && migrated.load(SeqCst) > 0,
        "no client task ran on more than one worker"
    );
}

#[test]
fn half_close_lets_the_server_read_to_eof_then_reply() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = runtime::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            stream.read_to_end(&mut request).await.unwrap();
            let reply = format!("got {} bytes", request.len());
            stream.write_all(reply.as_bytes()).await.unwrap();
            request
        });
        let mut client = TcpStream::connect(addr).await.unwrap();
        let request = pattern(1, 1, 100_000);
        client.write_all(&request).await.unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        let mut reply = Vec::new();
        client.read_to_end(&mut reply).await.unwrap();
        assert_eq!(reply, b"got 100000 bytes");
        assert!(server.await.unwrap() == request);
    });
}

#[test]
fn split_halves_work_from_two_tasks_at_once() {
    const CHUNKS: usize = 500;
    const CHUNK: usize = 8 * 1024;
    let rt = rt(2);
    block_on_within(&rt, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // The server echoes through its own halves, one task per direction,
        // so neither side's buffers ever need to hold everything.
        let server = runtime::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (mut read, mut write) = stream.split();
            let (tx, rx) = futures_channel::mpsc::unbounded::<Vec<u8>>();
            let reader = runtime::spawn(async move {
                let mut buf = vec![0; 16 * 1024];
                loop {
                    let n = read.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    tx.unbounded_send(buf[..n].to_vec()).unwrap();
                }
            });
            let mut rx = rx;
            while let Some(chunk) = futures_lite::StreamExt::next(&mut rx).await {
                write.write_all(&chunk).await.unwrap();
            }
            reader.await.unwrap();
            // Dropping `write` shuts the direction down: the client sees EOF.
        });

        let (mut read, mut write) = TcpStream::connect(addr).await.unwrap().split();
        assert_eq!(read.peer_addr().unwrap(), addr);
        assert_eq!(write.peer_addr().unwrap(), addr);
        let writer = runtime::spawn(async move {
            for i in 0..CHUNKS {
                write.write_all(&pattern(7, i, CHUNK)).await.unwrap();
            }
        });
        let reader = runtime::spawn(async move {
            let mut received = Vec::new();
            read.read_to_end(&mut received).await.unwrap();
            received
        });
        writer.await.unwrap();
        let received = reader.await.unwrap();
        let expected: Vec<u8> = (0..CHUNKS).flat_map(|i| pattern(7, i, CHUNK)).collect();
        assert_eq!(received.len(), expected.len());
        assert!(received == expected, "the echoed bytes differ");
        server.await.unwrap();
    });
}

#[test]
fn halves_reunite_only_with_their_own_stream() {
    let rt = rt(1);
    block_on_within(&rt, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let a = TcpStream::connect(addr).await.unwrap();
        let b = TcpStream::connect(addr).await.unwrap();
        let (a_read, a_write) = a.split();
        let (b_read, b_write) = b.split();
        let error = a_read.reunite(b_write).unwrap_err();
        let (a_read, b_write) = (error.0, error.1);
        let mut a = a_read.reunite(a_write).unwrap();
        let b = b_write.reunite(b_read).unwrap();
        // Reuniting did not shut the write direction down.
        let (mut server_a, _) = listener.accept().await.unwrap();
        a.write_all(b"still open").await.unwrap();
        let mut buf = [0; 10];
        server_a.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"still open");
        drop(b);
    });
}

#[test]
fn futures_io_traits_work_with_ecosystem_utilities() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = runtime::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (read, mut write) = stream.split();
            // `futures_lite::io::copy` drives AsyncRead and AsyncWrite.
            futures_lite::io::copy(read, &mut write).await.unwrap()
        });
        let mut client = TcpStream::connect(addr).await.unwrap();
        AsyncWriteExt::write_all(&mut client, b"through the traits")
            .await
            .unwrap();
        AsyncWriteExt::flush(&mut client).await.unwrap();
        AsyncWriteExt::close(&mut client).await.unwrap(); // half-close
        let mut echoed = String::new();
        AsyncReadExt::read_to_string(&mut client, &mut echoed)
            .await
            .unwrap();
        assert_eq!(echoed, "through the traits");
        assert_eq!(server.await.unwrap(), 18);
    });
}

#[test]
fn many_tasks_can_wait_in_accept_on_one_listener() {
    const ACCEPTORS: usize = 16;
    let rt = rt(2);
    block_on_within(&rt, async {
        let listener = Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
        let addr = listener.local_addr().unwrap();
        let acceptors: Vec<_> = (0..ACCEPTORS)
            .map(|_| {
                let listener = listener.clone();
                runtime::spawn(async move { listener.accept().await.unwrap().1 })
            })
            .collect();
        // Let every acceptor reach its wait before anyone connects.
        runtime::sleep(Duration::from_millis(20)).await;
        let mut clients = Vec::new();
        for _ in 0..ACCEPTORS {
            clients.push(TcpStream::connect(addr).await.unwrap());
        }
        let mut peers = HashSet::new();
        for acceptor in acceptors {
            peers.insert(acceptor.await.unwrap());
        }
        let expected: HashSet<SocketAddr> =
            clients.iter().map(|c| c.local_addr().unwrap()).collect();
        assert_eq!(peers, expected);
    });
}

#[test]
fn incoming_yields_connections() {
    let rt = rt(1);
    block_on_within(&rt, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let clients: Vec<_> = (0..3)
            .map(|_| runtime::spawn(TcpStream::connect(addr)))
            .collect();
        let mut incoming = listener.incoming();
        for _ in 0..3 {
            let stream = futures_lite::StreamExt::next(&mut incoming)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(stream.local_addr().unwrap(), addr);
        }
        for client in clients {
            client.await.unwrap().unwrap();
        }
    });
}

#[test]
fn connecting_to_a_closed_port_is_refused() {
    let rt = rt(1);
    block_on_within(&rt, async {
        let port = closed_port();
        let error = TcpStream::connect(("127.0.0.1", port)).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ConnectionRefused, "{error}");
        let error = TcpStream::connect_timeout(("127.0.0.1", port), Duration::from_secs(60))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ConnectionRefused, "{error}");
    });
}

#[test]
fn connect_timeout_reports_timed_out() {
    let rt = rt(1);
    block_on_within(&rt, async {
        // A listener that never accepts, with a backlog of 0: once one
        // connection waits in its accept queue, the kernel drops further
        // SYNs and those connects stay pending (the next retransmit is a
        // second away) — long enough for a short timeout to expire.
        let socket =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        socket
            .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
            .unwrap();
        socket.listen(0).unwrap();
        let addr = socket.local_addr().unwrap().as_socket().unwrap();
        let mut connected = Vec::new();
        let mut timed_out = None;
        for _ in 0..16 {
            match TcpStream::connect_timeout(addr, Duration::from_millis(100)).await {
                Ok(stream) => connected.push(stream),
                Err(error) => {
                    timed_out = Some(error);
                    break;
                }
            }
        }
        let error = timed_out.expect("a full accept queue never made a connect wait");
        assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
        assert!(!connected.is_empty());
        drop(socket);
    });
}

#[test]
fn binding_a_taken_port_is_addr_in_use() {
    let rt = rt(1);
    block_on_within(&rt, async {
        let first = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let error = TcpListener::bind(first.local_addr().unwrap())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::AddrInUse, "{error}");
    });
}

#[test]
fn malformed_addresses_are_invalid_input_naming_the_input() {
    let rt = rt(1);
    block_on_within(&rt, async {
        for input in [
            "not an address",
            "127.0.0.1",
            "127.0.0.1:99999",
            "localhost:port",
            "[::1:80",
            "300.1.2.3:80",
            "bad host!:80",
        ] {
            let error = TcpStream::connect(input).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{input}: {error}");
            assert!(error.to_string().contains(input), "{error}");
            let error = TcpListener::bind(input).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{input}: {error}");
            assert!(error.to_string().contains(input), "{error}");
        }
        let error = TcpStream::connect(("bad host!", 80)).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert!(error.to_string().contains("bad host!"), "{error}");
        let empty: &[SocketAddr] = &[];
        let error = TcpStream::connect(empty).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
    });
}

#[test]
fn host_names_resolve() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let listener = TcpListener::bind("localhost:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accept = runtime::spawn(async move { listener.accept().await.unwrap().1 });
        let stream = TcpStream::connect(format!("localhost:{port}"))
            .await
            .unwrap();
        assert_eq!(accept.await.unwrap(), stream.local_addr().unwrap());
    });
}

#[test]
fn a_peer_reset_mid_write_is_an_error_not_a_panic() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        // Linger 0: closing resets the connection instead of a FIN.
        server.set_linger(Some(Duration::ZERO)).unwrap();
        assert_eq!(server.linger().unwrap(), Some(Duration::ZERO));
        client.write_all(b"first").await.unwrap();
        drop(server);
        let chunk = vec![0u8; 64 * 1024];
        let mut error = None;
        for _ in 0..10_000 {
            if let Err(e) = client.write_all(&chunk).await {
                error = Some(e);
                break;
            }
        }
        let error = error.expect("writes to a reset connection kept succeeding");
        assert!(
            matches!(
                error.kind(),
                ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
            ),
            "{error}"
        );
        // Reads after the reset fail or see the end; they do not hang.
        let mut buf = [0; 16];
        match client.read(&mut buf).await {
            Ok(0) => {}
            Ok(n) => panic!("read {n} bytes from a reset connection"),
            Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}"),
        }
    });
}

#[test]
fn a_connection_dropped_mid_message_returns_what_arrived_then_eof() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = runtime::spawn(async move {
            for _ in 0..2 {
                let (mut stream, _) = listener.accept().await.unwrap();
                // Promise 1,000 bytes, send 100, hang up.
                stream.write_all(&pattern(3, 0, 100)).await.unwrap();
            }
        });
        let mut client = TcpStream::connect(addr).await.unwrap();
        let mut received = Vec::new();
        client.read_to_end(&mut received).await.unwrap();
        assert!(received == pattern(3, 0, 100));
        let mut buf = [0; 10];
        assert_eq!(client.read(&mut buf).await.unwrap(), 0, "EOF again");

        let mut client = TcpStream::connect(addr).await.unwrap();
        let mut message = vec![0; 1_000];
        let error = client.read_exact(&mut message).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::UnexpectedEof);
        assert!(message[..100] == pattern(3, 0, 100)[..]);
        server.await.unwrap();
    });
}

#[test]
fn socket_options_round_trip() {
    let rt = rt(1);
    block_on_within(&rt, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.set_ttl(42).unwrap();
        assert_eq!(listener.ttl().unwrap(), 42);
        let stream = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        stream.set_nodelay(true).unwrap();
        assert!(stream.nodelay().unwrap());
        stream.set_nodelay(false).unwrap();
        assert!(!stream.nodelay().unwrap());
        stream.set_ttl(17).unwrap();
        assert_eq!(stream.ttl().unwrap(), 17);
        assert!(stream.take_error().unwrap().is_none());
        assert_eq!(stream.peer_addr().unwrap(), listener.local_addr().unwrap());
    });
}

#[test]
fn std_sockets_convert_both_ways() {
    let rt = rt(1);
    block_on_within(&rt, async {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let listener = TcpListener::from_std(std_listener).unwrap();
        let addr = listener.local_addr().unwrap();
        let client = std::net::TcpStream::connect(addr).unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let mut client = TcpStream::from_std(client).unwrap();
        client.write_all(b"x").await.unwrap();
        // Back to std: blocking again, and still connected.
        let mut server = server.into_std().unwrap();
        let mut byte = [0; 1];
        std::io::Read::read_exact(&mut server, &mut byte).unwrap();
        assert_eq!(&byte, b"x");
        let std_listener = listener.into_std().unwrap();
        assert_eq!(std_listener.local_addr().unwrap(), addr);
    });
}

#[test]
fn sockets_outside_a_runtime_fail_with_a_clear_error() {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let error = TcpListener::from_std(std_listener).unwrap_err();
    assert!(error.to_string().contains("inside a runtime"), "{error}");
    // Polled by a foreign executor: the same error, not a panic.
    let error = futures_lite::future::block_on(TcpListener::bind("127.0.0.1:0")).unwrap_err();
    assert!(error.to_string().contains("inside a runtime"), "{error}");
    let error = futures_lite::future::block_on(TcpStream::connect("localhost:1")).unwrap_err();
    assert!(error.to_string().contains("inside a runtime"), "{error}");
}

#[test]
fn io_after_the_runtime_shut_down_fails_instead_of_hanging() {
    let rt = rt(1);
    let (mut client, listener) = block_on_within(&rt, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        (client, listener)
    });
    drop(rt);
    let mut buf = [0; 8];
    let error = futures_lite::future::block_on(client.read(&mut buf)).unwrap_err();
    assert!(error.to_string().contains("shut down"), "{error}");
    let error = futures_lite::future::block_on(listener.accept()).unwrap_err();
    assert!(error.to_string().contains("shut down"), "{error}");
}
