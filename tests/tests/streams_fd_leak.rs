//! No file descriptor and no poller registration outlives a stream
//! connection: the reader, the writer and its background flusher release
//! the socket once all are done, on both the client and the server side.
//!
//! This binary holds a single test, so no other test's sockets can open or
//! close while it counts `/proc/self/fd`.

use runtime::streams::{open_connection, start_server, StreamReader, StreamWriter};
use runtime_tests::{block_on_within, epoll_registrations, open_fds, rt};

const CONNECTIONS: usize = 2_000;
/// Connections open at once: 2 fds each, well under any sane fd limit.
const BATCH: usize = 250;
/// Large enough that the writer's flusher task takes part.
const BIG: usize = 4 * 1024 * 1024;

/// Reads everything, answers with as many bytes, then closes.
async fn echo_all(mut reader: StreamReader, mut writer: StreamWriter) {
    let data = reader.read_to_end().await.expect("server read");
    writer.write(&data);
    let _ = writer.drain().await;
    writer.close();
    let _ = writer.wait_closed().await;
}

#[test]
fn stream_connections_leave_the_fd_count_where_they_started() {
    let rt = rt(2);
    block_on_within(&rt, async {
        // Warm-up: whatever the first connection lazily sets up is not a leak.
        let warm = start_server(echo_all, "127.0.0.1", 0).await.unwrap();
        drop(open_connection("127.0.0.1", warm.local_addr().unwrap().port()).await);
        warm.close();
        warm.wait_closed().await;

        let fds_before = open_fds();
        let registrations_before = epoll_registrations();

        let server = start_server(echo_all, "127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().unwrap().port();
        for batch in 0..CONNECTIONS / BATCH {
            let clients: Vec<_> = (0..BATCH)
                .map(|i| {
                    let len = if i == 0 && batch == 0 { BIG } else { 16 };
                    runtime::spawn(async move {
                        let (mut reader, mut writer) =
                            open_connection("127.0.0.1", port).await.unwrap();
                        writer.write(&vec![b'x'; len]);
                        writer.write_eof();
                        let back = reader.read_to_end().await.unwrap();
                        assert_eq!(back.len(), len);
                        // Dropping the writer closes it.
                    })
                })
                .collect();
            for client in clients {
                client.await.unwrap();
            }
        }
        server.close();
        server.wait_closed().await;
        drop(server);
        // Client-side flushers and the cancelled accept task end on the
        // workers; give them a moment before counting.
        for _ in 0..100 {
            if open_fds() <= fds_before && epoll_registrations() <= registrations_before {
                break;
            }
            runtime::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(open_fds(), fds_before, "file descriptors leaked");
        assert_eq!(
            epoll_registrations(),
            registrations_before,
            "poller registrations leaked"
        );
    });
}
