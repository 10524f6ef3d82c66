//! UDP end to end: round trips, connected sockets, socket options, one
//! socket shared by many waiting tasks, and bad input.

use runtime::net::UdpSocket;
use runtime_tests::{block_on_within, closed_port, on_watchdog_thread, pattern, rt};
use std::collections::HashSet;
use std::io::ErrorKind;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

#[test]
fn send_to_and_recv_from_round_trips() {
    const DATAGRAMS: usize = 200;
    let rt = rt(2);
    block_on_within(&rt, async {
        let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let server_addr = server.local_addr().unwrap();
        let echo = runtime::spawn(async move {
            let mut buf = vec![0; 2048];
            for _ in 0..DATAGRAMS {
                let (n, from) = server.recv_from(&mut buf).await.unwrap();
                server.send_to(&buf[..n], from).await.unwrap();
            }
        });
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let mut buf = vec![0; 2048];
        // One datagram in flight at a time: loopback does not drop them
        // unless a receive queue overflows.
        for i in 0..DATAGRAMS {
            let sent = pattern(9, i, 1 + i * 7 % 1400);
            assert_eq!(
                client.send_to(&sent, server_addr).await.unwrap(),
                sent.len()
            );
            let (n, from) = client.recv_from(&mut buf).await.unwrap();
            assert_eq!(from, server_addr);
            assert!(buf[..n] == sent[..], "datagram {i} differs");
        }
        echo.await.unwrap();
    });
}

#[test]
fn connected_sockets_send_and_recv() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let stranger = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        assert_eq!(
            a.peer_addr().unwrap_err().kind(),
            ErrorKind::NotConnected,
            "not connected yet"
        );
        a.connect(b.local_addr().unwrap()).await.unwrap();
        b.connect(a.local_addr().unwrap()).await.unwrap();
        assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());

        // A connected socket only hears from its peer.
        stranger
            .send_to(b"ignored", b.local_addr().unwrap())
            .await
            .unwrap();
        a.send(b"hello").await.unwrap();
        let mut buf = [0; 16];
        let n = b.peek(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"hello");
        let n = b.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"hello");
        b.send(b"world").await.unwrap();
        let (n, from) = a.peek_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"world"[..], b.local_addr().unwrap()));
        let n = a.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"world");
    });
}

#[test]
fn a_refused_datagram_is_reported_once_and_the_socket_stays_usable() {
    // Before the fix, the error event marked the socket closed for good and
    // the next `recv` retried `WouldBlock` forever inside one poll, hanging
    // its worker; the watchdog thread turns such a hang into a failure.
    on_watchdog_thread(|| {
        let rt = rt(1);
        block_on_within(&rt, async {
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            socket.connect(("127.0.0.1", closed_port())).await.unwrap();
            socket.send(b"anyone?").await.unwrap();
            // Give the worker time to collect the error event before the
            // `recv` below consumes the error (else the event, re-polled
            // by the kernel, no longer says "error").
            runtime::sleep(Duration::from_millis(20)).await;
            let mut buf = [0; 16];
            let error = socket.recv(&mut buf).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::ConnectionRefused, "{error}");
            // Nothing more arrives: the receive waits (and times out)
            // instead of spinning.
            let waited = runtime::timeout(Duration::from_millis(50), socket.recv(&mut buf)).await;
            assert!(waited.is_err(), "{waited:?}");
            // Pointed at a live peer, it works again.
            let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            socket.connect(peer.local_addr().unwrap()).await.unwrap();
            socket.send(b"back").await.unwrap();
            let (n, _) = peer.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"back");
        });
    });
}

#[test]
fn many_tasks_can_wait_on_one_shared_socket() {
    const RECEIVERS: usize = 16;
    let rt = rt(2);
    block_on_within(&rt, async {
        let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let addr = socket.local_addr().unwrap();
        let receivers: Vec<_> = (0..RECEIVERS)
            .map(|_| {
                let socket = socket.clone();
                runtime::spawn(async move {
                    let mut buf = [0; 8];
                    let (n, _) = socket.recv_from(&mut buf).await.unwrap();
                    buf[..n].to_vec()
                })
            })
            .collect();
        // Let every receiver reach its wait first.
        runtime::sleep(Duration::from_millis(20)).await;
        let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        for i in 0..RECEIVERS {
            sender
                .send_to(format!("{i}").as_bytes(), addr)
                .await
                .unwrap();
        }
        let mut got = HashSet::new();
        for receiver in receivers {
            got.insert(String::from_utf8(receiver.await.unwrap()).unwrap());
        }
        assert_eq!(got.len(), RECEIVERS, "every datagram reached one receiver");
    });
}

#[test]
fn broadcast_needs_the_flag() {
    let rt = rt(1);
    block_on_within(&rt, async {
        // 127.255.255.255 is the loopback network's broadcast address:
        // nothing leaves the machine.
        let receiver = UdpSocket::bind("127.255.255.255:0").await.unwrap();
        let port = receiver.local_addr().unwrap().port();
        let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        assert!(!sender.broadcast().unwrap());
        let error = sender
            .send_to(b"all", ("127.255.255.255", port))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::PermissionDenied, "{error}");
        sender.set_broadcast(true).unwrap();
        assert!(sender.broadcast().unwrap());
        sender
            .send_to(b"all", ("127.255.255.255", port))
            .await
            .unwrap();
        let mut buf = [0; 8];
        let (n, from) = receiver.recv_from(&mut buf).await.unwrap();
        assert_eq!(
            (&buf[..n], from),
            (&b"all"[..], sender.local_addr().unwrap())
        );
    });
}

#[test]
fn multicast_and_ttl_options_round_trip() {
    let rt = rt(1);
    block_on_within(&rt, async {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let group = Ipv4Addr::new(239, 255, 42, 99);
        // Joined on the loopback interface only; nothing is sent.
        socket
            .join_multicast_v4(group, Ipv4Addr::LOCALHOST)
            .unwrap();
        socket.set_multicast_loop_v4(false).unwrap();
        assert!(!socket.multicast_loop_v4().unwrap());
        socket.set_multicast_loop_v4(true).unwrap();
        assert!(socket.multicast_loop_v4().unwrap());
        socket.set_multicast_ttl_v4(3).unwrap();
        assert_eq!(socket.multicast_ttl_v4().unwrap(), 3);
        socket
            .leave_multicast_v4(group, Ipv4Addr::LOCALHOST)
            .unwrap();
        socket.set_ttl(9).unwrap();
        assert_eq!(socket.ttl().unwrap(), 9);
        assert!(socket.take_error().unwrap().is_none());
    });
}

#[test]
fn bad_input_is_reported() {
    let rt = rt(1);
    block_on_within(&rt, async {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let error = UdpSocket::bind(socket.local_addr().unwrap())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::AddrInUse, "{error}");
        for input in ["1.2.3.4.5:0", "127.0.0.1", "udp://127.0.0.1:9"] {
            let error = UdpSocket::bind(input).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{input}: {error}");
            assert!(error.to_string().contains(input), "{error}");
            let error = socket.send_to(b"x", input).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{input}: {error}");
            let error = socket.connect(input).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{input}: {error}");
        }
        // No peer to send to (`EDESTADDRREQ`).
        assert!(socket.send(b"x").await.is_err());
    });
}

#[test]
fn std_sockets_convert_both_ways() {
    let rt = rt(1);
    block_on_within(&rt, async {
        let a = UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0").unwrap()).unwrap();
        let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        a.send_to(b"x", b.local_addr().unwrap()).await.unwrap();
        let mut buf = [0; 1];
        b.recv_from(&mut buf).unwrap();
        let a = a.into_std().unwrap();
        b.send_to(b"y", a.local_addr().unwrap()).unwrap();
        a.recv_from(&mut buf).unwrap(); // blocking again
        assert_eq!(&buf, b"y");
    });
}
