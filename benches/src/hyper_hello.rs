//! The hyper rows of `http_wrk`: one hyper 1.x HTTP/1 service
//! (`GET /?name=<n>` answers `Hello, <n>!`, as `http_hello`), served on
//! `runtime` through `runtime::hyper` and on tokio through hyper-util's
//! `TokioIo`, each with keep-alive and one task per connection, so only
//! the runtime and its I/O glue differ.

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use std::convert::Infallible;

async fn hello(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let name = request
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("name=")))
        .unwrap_or("world");
    Ok(Response::new(Full::new(Bytes::from(format!(
        "Hello, {name}!"
    )))))
}

/// Serves on a `runtime` runtime of `workers` workers; the returned value
/// keeps it alive.
pub fn serve_on_runtime(listener: std::net::TcpListener, workers: usize) -> Box<dyn std::any::Any> {
    let rt = runtime::Runtime::builder()
        .workers(workers)
        .build()
        .expect("runtime");
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    let _enter = rt.enter();
    let listener = runtime::net::TcpListener::from_std(listener).expect("register the listener");
    drop(rt.spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.expect("accept");
            drop(runtime::spawn(async move {
                stream.set_nodelay(true).expect("nodelay");
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(runtime::hyper::Io::new(stream), service_fn(hello))
                    .await;
            }));
        }
    }));
    Box::new(rt)
}

/// Serves on a tokio multi-thread runtime of `workers` workers.
pub fn serve_on_tokio(listener: std::net::TcpListener, workers: usize) -> Box<dyn std::any::Any> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("tokio runtime");
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    let _enter = rt.enter();
    let listener = tokio::net::TcpListener::from_std(listener).expect("register the listener");
    rt.spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.expect("accept");
            tokio::spawn(async move {
                stream.set_nodelay(true).expect("nodelay");
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service_fn(hello))
                    .await;
            });
        }
    });
    Box::new(rt)
}
