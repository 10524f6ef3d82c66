//! No file descriptor and no poller registration outlives its socket.
//!
//! This binary holds a single test, so no other test's sockets can open or
//! close while it counts `/proc/self/fd` (and the registrations listed in
//! each epoll fd's `/proc/self/fdinfo` entry).

use runtime::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixStream};
use runtime_tests::{block_on_within, epoll_registrations, open_fds, rt};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

const CONNECTIONS: usize = 10_000;
/// Connections open at once: 2 fds each, well under any sane fd limit.
const BATCH: usize = 500;

#[test]
fn ten_thousand_connections_leave_the_fd_count_where_it_started() {
    let rt = rt(2);
    block_on_within(&rt, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Warm-up: whatever the first socket lazily sets up is not a leak.
        drop(TcpStream::connect(addr).await.unwrap());
        drop(listener.accept().await.unwrap());

        let fds_before = open_fds();
        let registrations_before = epoll_registrations();

        // The server closes first (so the TIME_WAIT states sit on its side,
        // not on the client's ephemeral ports): accept, send one byte, drop.
        let accepted = Arc::new(AtomicUsize::new(0));
        let server = runtime::spawn({
            let accepted = accepted.clone();
            async move {
                for _ in 0..CONNECTIONS {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    accepted.fetch_add(1, SeqCst);
                    drop(runtime::spawn(async move {
                        stream.write_all(b"!").await.unwrap();
                    }));
                }
                listener
            }
        });
        for batch in 0..CONNECTIONS / BATCH {
            let clients: Vec<_> = (0..BATCH)
                .map(|_| {
                    runtime::spawn(async move {
                        let mut stream = TcpStream::connect(addr).await.unwrap();
                        let mut got = Vec::new();
                        stream.read_to_end(&mut got).await.unwrap();
                        assert_eq!(got, b"!");
                    })
                })
                .collect();
            for client in clients {
                client.await.unwrap();
            }
            assert_eq!(accepted.load(SeqCst), (batch + 1) * BATCH);
        }
        let listener = server.await.unwrap();

        // The other socket types, created and dropped in bulk too.
        for _ in 0..BATCH {
            let pair = UnixStream::pair().unwrap();
            let dgram = UnixDatagram::pair().unwrap();
            let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            drop((pair, dgram, udp));
        }
        // Sockets of tasks cancelled while waiting are released too.
        let waiting: Vec<_> = (0..BATCH)
            .map(|_| {
                runtime::spawn(async {
                    let (mut a, _b) = UnixStream::pair().unwrap();
                    let mut buf = [0; 1];
                    let _ = a.read(&mut buf).await; // never completes
                })
            })
            .collect();
        runtime::sleep(std::time::Duration::from_millis(10)).await;
        for task in &waiting {
            task.cancel();
        }
        for task in waiting {
            assert!(task.await.is_err());
        }

        // Accepted streams whose tasks are still finishing their write are
        // gone once the server-side tasks ran; give them a moment.
        let mut fds_after = open_fds();
        for _ in 0..1_000 {
            if fds_after == fds_before {
                break;
            }
            runtime::sleep(std::time::Duration::from_millis(5)).await;
            fds_after = open_fds();
        }
        assert_eq!(fds_after, fds_before, "file descriptors leaked");
        assert_eq!(
            epoll_registrations(),
            registrations_before,
            "poller registrations leaked"
        );
        drop(listener);
    });
}
