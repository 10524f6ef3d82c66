//! `runtime::io::Async<T>`: any pollable fd on the event loop. The tests
//! count fds and registrations, so each takes `serial()` first.

use futures_lite::future::poll_once;
use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use runtime::io::Async;
use runtime_tests::{block_on_within, epoll_registrations, open_fds, rt, temp_dir};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;

#[test]
fn a_socket_pair_round_trips_through_async_read_and_write() {
    let _serial = runtime_tests::serial();
    let rt = rt(2);
    block_on_within(&rt, async {
        let (a, b) = UnixStream::pair().unwrap();
        let (mut a, mut b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
        let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let writer = {
            let payload = payload.clone();
            runtime::spawn(async move {
                a.write_all(&payload).await.unwrap();
                a.close().await.unwrap();
                a
            })
        };
        let mut got = Vec::new();
        // 200 kB is more than a socket buffer: both sides wait in turn.
        let mut buf = [0; 4096];
        while got.len() < payload.len() {
            let n = b.read(&mut buf).await.unwrap();
            assert!(n > 0);
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, payload);
        drop(writer.await.unwrap());
        assert_eq!(
            b.read(&mut buf).await.unwrap(),
            0,
            "EOF once the peer is gone"
        );
    });
}

#[test]
fn a_pipe_works_through_read_with_and_write_with() {
    let _serial = runtime_tests::serial();
    let rt = rt(1);
    block_on_within(&rt, async {
        let (reader, writer) = std::io::pipe().unwrap();
        let (reader, writer) = (Async::new(reader).unwrap(), Async::new(writer).unwrap());
        let sent = writer
            .write_with(|mut w| w.write(b"through a pipe"))
            .await
            .unwrap();
        assert_eq!(sent, 14);
        let mut buf = [0; 64];
        let n = reader.read_with(|mut r| r.read(&mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"through a pipe");
    });
}

#[test]
fn readable_waits_for_data_and_leaves_it_for_the_read() {
    let _serial = runtime_tests::serial();
    let rt = rt(1);
    block_on_within(&rt, async {
        let (a, mut b) = UnixStream::pair().unwrap();
        let a = Async::new(a).unwrap();
        // A new source counts as ready; a read that says WouldBlock clears it.
        let mut buf = [0; 16];
        let drained = poll_once(a.read_with(|mut s| s.read(&mut buf))).await;
        assert!(drained.is_none(), "nothing to read yet");
        assert!(
            poll_once(a.readable()).await.is_none(),
            "not readable before data"
        );
        b.write_all(b"now").unwrap();
        a.readable().await.unwrap();
        // Readiness is not consumed by waiting: the data is still there.
        let n = a.read_with(|mut s| s.read(&mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"now");
        a.writable().await.unwrap();
    });
}

#[test]
fn a_regular_file_is_refused_with_an_error_that_says_what_to_use() {
    let _serial = runtime_tests::serial();
    let rt = rt(1);
    let path = temp_dir("io_async_regular_file").join("plain.txt");
    std::fs::write(&path, b"data").unwrap();
    let fds = open_fds();
    let error = rt
        .block_on(async { Async::new(std::fs::File::open(&path).unwrap()) })
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    let message = error.to_string();
    assert!(message.contains("cannot be watched by epoll"), "{message}");
    assert!(message.contains("runtime::fs"), "{message}");
    assert_eq!(open_fds(), fds, "the refused file is closed");
}

#[test]
fn outside_a_runtime_new_is_an_error_not_a_panic() {
    let _serial = runtime_tests::serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let error = Async::new(a).unwrap_err();
    assert!(error.to_string().contains("runtime"), "{error}");
}

#[test]
fn into_inner_deregisters_and_drop_closes() {
    let _serial = runtime_tests::serial();
    let rt = rt(1);
    block_on_within(&rt, async {
        let (fds, registrations) = (open_fds(), epoll_registrations());
        let (a, mut b) = UnixStream::pair().unwrap();
        let a = Async::new(a).unwrap();
        assert_eq!(epoll_registrations(), registrations + 1);
        let mut a = a.into_inner();
        assert_eq!(
            epoll_registrations(),
            registrations,
            "into_inner deregisters"
        );
        // Still the same open socket (now non-blocking).
        b.write_all(b"x").unwrap();
        let mut byte = [0];
        a.read_exact(&mut byte).unwrap();
        assert_eq!(&byte, b"x");
        let again = Async::new(a).unwrap();
        drop(again);
        drop(b);
        assert_eq!(open_fds(), fds, "dropping the Async closes its fd");
        assert_eq!(epoll_registrations(), registrations);
    });
}

#[test]
fn many_tasks_can_wait_for_readiness_of_one_fd() {
    let _serial = runtime_tests::serial();
    let rt = rt(2);
    block_on_within(&rt, async {
        let (a, mut b) = UnixStream::pair().unwrap();
        let a = std::sync::Arc::new(Async::new(a).unwrap());
        let mut buf = [0; 8];
        assert!(poll_once(a.read_with(|mut s| s.read(&mut buf)))
            .await
            .is_none());
        let waiters: Vec<_> = (0..8)
            .map(|_| {
                let a = a.clone();
                runtime::spawn(async move { a.readable().await.unwrap() })
            })
            .collect();
        runtime::sleep(std::time::Duration::from_millis(5)).await;
        b.write_all(b"wake all").unwrap();
        for waiter in waiters {
            waiter.await.unwrap();
        }
    });
}
