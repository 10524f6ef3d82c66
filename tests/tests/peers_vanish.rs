//! A database or WebSocket peer that vanishes mid-conversation: the caller
//! gets an error (never a hang or a panic), and no fd or task is left
//! behind. (The HTTP case is in `hyper.rs`.) Each test counts the
//! process's fds, so each takes `serial()`.
#![cfg(feature = "tokio-io")]

#[path = "../../runtime/tests/support/postgres.rs"]
mod postgres;

use async_tungstenite::tungstenite::Message;
use futures_util::StreamExt;
use runtime::net::{TcpListener, TcpStream, UnixStream};
use runtime_tests::{block_on_within, open_fds, rt, serial, DropCounter};

#[test]
fn a_database_backend_that_dies_mid_session_is_an_error_and_leaks_nothing() {
    let _serial = serial();
    let Some(server) = postgres::Postgres::get() else {
        return;
    };
    let config: tokio_postgres::Config = server.dsn.parse().unwrap();
    let tokio_postgres::config::Host::Unix(dir) = &config.get_hosts()[0] else {
        panic!("the test cluster listens on a Unix socket")
    };
    let socket_path = dir.join(".s.PGSQL.5432");
    let rt = rt(2);
    block_on_within(&rt, async {
        let fds = open_fds();
        let drops = DropCounter::new();
        {
            let socket = UnixStream::connect(&socket_path).await.unwrap();
            let (client, connection) = config
                .connect_raw(socket, tokio_postgres::NoTls)
                .await
                .unwrap();
            let token = drops.token();
            let connection = runtime::spawn(async move {
                let _token = token;
                connection.await
            });
            let pid: i32 = client
                .query_one("SELECT pg_backend_pid()", &[])
                .await
                .unwrap()
                .get(0);
            // Another session kills this one's backend: the server side of
            // the socket goes away mid-session.
            let socket = UnixStream::connect(&socket_path).await.unwrap();
            let (admin, admin_connection) = config
                .connect_raw(socket, tokio_postgres::NoTls)
                .await
                .unwrap();
            drop(runtime::spawn(admin_connection));
            let killed: bool = admin
                .query_one("SELECT pg_terminate_backend($1)", &[&pid])
                .await
                .unwrap()
                .get(0);
            assert!(killed);
            drop(admin);
            let error = client.query_one("SELECT 1", &[]).await.unwrap_err();
            assert!(
                error.is_closed()
                    || error.as_db_error().is_some()
                    || error.to_string().contains("connection"),
                "{error}"
            );
            // The connection future ends (with the error or cleanly).
            let _ = connection.await.unwrap();
        }
        assert_eq!(drops.drops(), 1, "the connection task finished");
        runtime_tests::fds_back_to(fds).await;
    });
}

#[test]
fn a_websocket_peer_that_vanishes_is_an_error_or_end_and_leaks_nothing() {
    let _serial = serial();
    let rt = rt(2);
    block_on_within(&rt, async {
        let fds = open_fds();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = runtime::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut ws = async_tungstenite::accept_async(stream).await.unwrap();
            // Read one message, then vanish: no close frame, socket dropped.
            let _ = ws.next().await;
        });
        {
            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut ws, _) = async_tungstenite::client_async(format!("ws://{addr}/"), stream)
                .await
                .unwrap();
            ws.send(Message::text("are you there?")).await.unwrap();
            server.await.unwrap();
            // The peer is gone without a close handshake: the stream ends
            // with an error (or ends), it does not hang.
            match ws.next().await {
                None | Some(Err(_)) => {}
                Some(Ok(message)) => panic!("a message from a vanished peer: {message:?}"),
            }
        }
        runtime_tests::fds_back_to(fds).await;
    });
}
