//! A small HTTP/1.1 "hello" server on [`runtime::streams`]: the twin of the
//! aiohttp server in seed 003 (Thomas Spielauer's asyncio overview, line
//! ~606), which answers `GET /` with `Hello, world!`, or `Hello, <name>!`
//! for `/?name=<name>`.
//!
//! Connections are kept alive (HTTP/1.1's default; `Connection: close` or
//! HTTP/1.0 without `keep-alive` ends them after the response). The
//! request parser is hand-rolled and minimal: a request line, headers up to
//! the empty line, and a `Content-Length` body (read and ignored); no
//! chunked request bodies. Anything else gets `400 Bad Request`; other
//! paths `404`, other methods `405`.
//!
//! The port is the first argument, else the `PORT` environment variable,
//! else 8080 (the tutorial's); 0 picks a free one. Prints
//! `Server running on http://localhost:<port>` and serves until killed.
//!
//! ```text
//! cargo run -p runtime --example http_hello -- 8080
//! curl 'http://localhost:8080/?name=Ada'     # Hello, Ada!
//! ```

use runtime::streams::{self, StreamError, StreamReader, StreamWriter};

/// The tutorial's port.
const DEFAULT_PORT: u16 = 8080;

/// Longest request line or header line accepted (the reader's limit).
const MAX_LINE: usize = 8 * 1024;

/// Most headers accepted in one request.
const MAX_HEADERS: usize = 100;

/// Largest request body accepted (read and ignored).
const MAX_BODY: usize = 1024 * 1024;

/// What the parser took from one request.
struct Request {
    method: String,
    target: String,
    keep_alive: bool,
}

/// Why a connection stops reading requests.
enum Stop {
    /// The client closed the connection between requests.
    Eof,
    /// The request was malformed; answer 400 and close.
    Bad,
    /// The connection failed.
    Io,
}

impl From<StreamError> for Stop {
    fn from(error: StreamError) -> Stop {
        match error {
            StreamError::Io(_) => Stop::Io,
            StreamError::IncompleteRead(_) | StreamError::LimitOverrun(_) => Stop::Bad,
        }
    }
}

/// Reads one request: the request line, the headers, and the body if it
/// has a `Content-Length`.
async fn read_request(reader: &mut StreamReader) -> Result<Request, Stop> {
    // Step 1: the request line, skipping empty lines before it (RFC 9112
    // 2.2 allows them).
    let line = loop {
        let line = reader.readline().await?;
        if line.is_empty() {
            return Err(Stop::Eof);
        }
        if line != b"\r\n" && line != b"\n" {
            break line;
        }
    };
    let line = std::str::from_utf8(&line)
        .map_err(|_| Stop::Bad)?
        .trim_end();
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Stop::Bad);
    };
    let mut keep_alive = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return Err(Stop::Bad),
    };

    // Step 2: headers until the empty line; only two matter here.
    let mut content_length = 0;
    for _ in 0..=MAX_HEADERS {
        let line = reader.readline().await?;
        if line == b"\r\n" || line == b"\n" {
            // Step 3: the body, read so the next request starts in place.
            if content_length > 0 {
                reader.readexactly(content_length).await?;
            }
            return Ok(Request {
                method: method.to_string(),
                target: target.to_string(),
                keep_alive,
            });
        }
        if !line.ends_with(b"\n") {
            return Err(Stop::Bad); // the connection ended mid-headers
        }
        let line = std::str::from_utf8(&line).map_err(|_| Stop::Bad)?;
        let (name, value) = line.split_once(':').ok_or(Stop::Bad)?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            content_length = value.parse().map_err(|_| Stop::Bad)?;
            if content_length > MAX_BODY {
                return Err(Stop::Bad);
            }
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    keep_alive = false;
                } else if token.eq_ignore_ascii_case("keep-alive") {
                    keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Stop::Bad); // chunked bodies are not supported
        }
    }
    Err(Stop::Bad)
}

/// The value of `key` in a query string, percent-decoded.
fn query_param(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == key).then(|| percent_decode(v))
    })
}

/// Decodes `%XX` escapes and `+` (a space in a query string).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The status line and body for a request (aiohttp's router and `handle`).
fn respond(request: &Request) -> (&'static str, String) {
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((&request.target, ""));
    if path != "/" {
        return ("404 Not Found", "Not Found\n".to_string());
    }
    if request.method != "GET" && request.method != "HEAD" {
        return ("405 Method Not Allowed", "Method Not Allowed\n".to_string());
    }
    let name = query_param(query, "name").unwrap_or_else(|| "world".to_string());
    ("200 OK", format!("Hello, {name}!"))
}

fn write_response(writer: &mut StreamWriter, status: &str, body: &str, head: bool, close: bool) {
    let connection = if close { "close" } else { "keep-alive" };
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: {connection}\r\n\r\n",
        body.len()
    );
    writer.write(header.as_bytes());
    if !head {
        writer.write(body.as_bytes());
    }
}

async fn handle(mut reader: StreamReader, mut writer: StreamWriter) {
    loop {
        match read_request(&mut reader).await {
            Ok(request) => {
                let (status, body) = respond(&request);
                let head = request.method == "HEAD";
                write_response(&mut writer, status, &body, head, !request.keep_alive);
                if writer.drain().await.is_err() || !request.keep_alive {
                    break;
                }
            }
            Err(Stop::Bad) => {
                write_response(&mut writer, "400 Bad Request", "Bad Request\n", false, true);
                let _ = writer.drain().await;
                break;
            }
            Err(Stop::Eof | Stop::Io) => break,
        }
    }
    writer.close();
    let _ = writer.wait_closed().await;
}

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let port = match std::env::args()
        .nth(1)
        .or_else(|| std::env::var("PORT").ok())
    {
        Some(port) => port.parse().expect("the port must be a number"),
        None => DEFAULT_PORT,
    };
    let server = streams::start_server_with_limit(handle, "127.0.0.1", port, MAX_LINE).await?;
    println!(
        "Server running on http://localhost:{}",
        server.local_addr()?.port()
    );
    // Keep the server running (the tutorial's `await asyncio.Event().wait()`).
    server.serve_forever().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn decodes_escapes() {
        assert_eq!(percent_decode("Ada%20L+x%2"), "Ada L x%2");
    }
}
