//! A small website on 127.0.0.1 for the HTTP client twins (the tutorials
//! fetch example.com; there is no internet here, so the example serves
//! stand-ins itself): hyper's HTTP/1 server on `runtime` through
//! `runtime::hyper`, one task per connection, and the pooled hyper-util
//! client the twins fetch with.

#![allow(dead_code)] // each example uses part of it

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use runtime::hyper::{Connector, Executor, Io, Timer};
use runtime::net::TcpListener;
use std::convert::Infallible;
use std::net::SocketAddr;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The pages: path and HTML.
pub const PAGES: &[(&str, &str)] = &[
    (
        "/example.com",
        "<html><head><title>Example Domain</title></head><body>\
         <h1>Example Domain</h1><p>For use in examples.</p>\
         <a href=\"/example.org\">org</a> <a href=\"/example.net\">net</a></body></html>",
    ),
    (
        "/example.org",
        "<html><head><title>Example Org</title></head><body>\
         <p>Another example.</p><a href=\"/example.com\">home</a></body></html>",
    ),
    (
        "/example.net",
        "<html><head><title>Example Net</title></head><body>\
         <p>A third.</p><a href=\"/example.com\">home</a>\
         <a href=\"https://www.iana.org/domains/example\">More information</a></body></html>",
    ),
];

async fn page(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path();
    let response = match PAGES.iter().find(|(p, _)| *p == path) {
        Some((_, html)) => Response::new(Full::new(Bytes::from_static(html.as_bytes()))),
        None => {
            let mut not_found = Response::new(Full::new(Bytes::from_static(b"not found")));
            *not_found.status_mut() = StatusCode::NOT_FOUND;
            not_found
        }
    };
    Ok(response)
}

/// Starts the site on a free port of 127.0.0.1; it serves until the
/// runtime shuts down.
pub async fn serve() -> Result<SocketAddr, Error> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    drop(runtime::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            drop(runtime::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(Timer::new())
                    .serve_connection(Io::new(stream), service_fn(page))
                    .await;
            }));
        }
    }));
    Ok(addr)
}

/// aiohttp's `ClientSession`: a pooled client.
pub fn session() -> Client<Connector, Empty<Bytes>> {
    Client::builder(Executor::new())
        .timer(Timer::new())
        .pool_timer(Timer::new())
        .build(Connector::new())
}

/// `session.get(url)` and `await response.text()`: the status and body.
pub async fn fetch(
    session: &Client<Connector, Empty<Bytes>>,
    url: &str,
) -> Result<(StatusCode, String), Error> {
    let response = session.get(url.parse()?).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8(body.to_vec())?))
}

/// The text of a page's `<title>` (the twins without an HTML parser).
pub fn title(html: &str) -> &str {
    html.split("<title>")
        .nth(1)
        .and_then(|rest| rest.split("</title>").next())
        .unwrap_or("?")
}
