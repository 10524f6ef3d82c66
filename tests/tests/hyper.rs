//! hyper 1.x on `runtime` through `runtime::hyper` (feature `hyper`): a
//! server and a pooled client with no glue, HTTP/1 and HTTP/2, hyper's
//! timers, and the errors a user meets.
#![cfg(feature = "hyper")]

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use runtime::hyper::{Connector, Executor, Io, Timer};
use runtime::net::{TcpListener, TcpStream};
use runtime_tests::{block_on_within, closed_port, open_fds, rt};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

async fn hello(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = format!("hello {}", request.uri().path());
    Ok(Response::new(Full::new(Bytes::from(body))))
}

/// Serves `hello` on a fresh port; counts accepted connections.
async fn serve(http2: bool) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    drop(runtime::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            count.fetch_add(1, SeqCst);
            drop(runtime::spawn(async move {
                let io = Io::new(stream);
                let service = service_fn(hello);
                let _ = if http2 {
                    hyper::server::conn::http2::Builder::new(Executor::new())
                        .timer(Timer::new())
                        .serve_connection(io, service)
                        .await
                } else {
                    hyper::server::conn::http1::Builder::new()
                        .timer(Timer::new())
                        .serve_connection(io, service)
                        .await
                };
            }));
        }
    }));
    (addr, accepted)
}

fn client(http2: bool) -> Client<Connector, Empty<Bytes>> {
    Client::builder(Executor::new())
        .timer(Timer::new())
        .pool_timer(Timer::new())
        .http2_only(http2)
        .build(Connector::new())
}

async fn get(client: &Client<Connector, Empty<Bytes>>, url: String) -> (u16, Bytes) {
    let response = client.get(url.parse().unwrap()).await.unwrap();
    let status = response.status().as_u16();
    (
        status,
        response.into_body().collect().await.unwrap().to_bytes(),
    )
}

/// `n` GETs at once, each from its own task, each answer checked.
async fn get_all_at_once(client: &Client<Connector, Empty<Bytes>>, addr: SocketAddr, n: usize) {
    let fetches: Vec<_> = (0..n)
        .map(|i| {
            let client = client.clone();
            runtime::spawn(async move { get(&client, format!("http://{addr}/{i}")).await })
        })
        .collect();
    for (i, fetch) in fetches.into_iter().enumerate() {
        let (status, body) = fetch.await.unwrap();
        assert_eq!((status, body), (200, Bytes::from(format!("hello /{i}"))));
    }
}

#[test]
fn an_http1_server_and_a_pooled_client_with_no_glue() {
    let _serial = runtime_tests::serial();
    let rt = rt(2);
    block_on_within(&rt, async {
        let (addr, accepted) = serve(false).await;
        let client = client(false);
        // One after another: the pool reuses its connection. (When the
        // connection goes back to the pool is up to hyper's connection
        // task, so a request right after the last body may still race it
        // and open another; with a pause between them, reuse is the rule.
        // Without pooling, each request would be a new connection.)
        for path in ["/a", "/b", "/c", "/d", "/e", "/f"] {
            let (status, body) = get(&client, format!("http://{addr}{path}")).await;
            assert_eq!(status, 200);
            assert_eq!(body, format!("hello {path}"));
            runtime::sleep(Duration::from_millis(10)).await;
        }
        let connections = accepted.load(SeqCst);
        assert!(
            connections < 6,
            "{connections} connections for 6 requests: no pooling"
        );
        // Ten at once, gathered.
        get_all_at_once(&client, addr, 10).await;
    });
}

#[test]
fn http2_multiplexes_requests_over_one_connection() {
    let _serial = runtime_tests::serial();
    let rt = rt(2);
    block_on_within(&rt, async {
        let (addr, accepted) = serve(true).await;
        let client = client(true);
        // The first request opens the connection (twenty racing to open
        // the first one may open two: hyper-util's pool dedups only once
        // one is connecting); the rest share it.
        let (status, _) = get(&client, format!("http://{addr}/first")).await;
        assert_eq!(status, 200);
        get_all_at_once(&client, addr, 20).await;
        assert_eq!(accepted.load(SeqCst), 1, "HTTP/2 needs one connection");
    });
}

#[test]
fn header_read_timeout_closes_a_connection_that_never_finishes_its_headers() {
    let _serial = runtime_tests::serial();
    let rt = rt(1);
    block_on_within(&rt, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = runtime::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            hyper::server::conn::http1::Builder::new()
                .timer(Timer::new())
                .header_read_timeout(Duration::from_millis(50))
                .serve_connection(Io::new(stream), service_fn(hello))
                .await
        });
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        // The server gives up on the headers: its connection future ends
        // with hyper's timeout error, and the socket closes.
        let result = server.await.unwrap();
        let error = result.expect_err("the headers never finished");
        assert!(error.is_timeout(), "{error:?}");
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).await.unwrap();
    });
}

#[test]
fn the_connector_says_what_is_wrong() {
    let _serial = runtime_tests::serial();
    let rt = rt(1);
    block_on_within(&rt, async {
        let client = client(false);
        let tls = client
            .get("https://127.0.0.1/".parse().unwrap())
            .await
            .unwrap_err();
        let message = format!("{:?}", std::error::Error::source(&tls));
        assert!(message.contains("TLS is not built in"), "{message}");

        let refused = client
            .get(
                format!("http://127.0.0.1:{}/", closed_port())
                    .parse()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert!(refused.is_connect(), "{refused:?}");
    });
}

#[test]
fn a_server_that_vanishes_mid_request_is_an_error_and_leaks_nothing() {
    let _serial = runtime_tests::serial();
    let rt = rt(2);
    block_on_within(&rt, async {
        let fds = open_fds();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = runtime::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            // Read the request's first bytes, then vanish without a reply.
            let mut buf = [0; 16];
            let _ = stream.read(&mut buf).await.unwrap();
            drop(stream);
            drop(listener);
        });
        {
            let client = client(false);
            let error = client
                .get(format!("http://{addr}/").parse().unwrap())
                .await
                .unwrap_err();
            assert!(
                !error.is_connect(),
                "it connected, then lost the peer: {error:?}"
            );
        }
        server.await.unwrap();
        // The pool's background task lets go of the dead connection.
        runtime_tests::fds_back_to(fds).await;
    });
}
