//! The `http_hello` workload's HTTP logic, shared by the three adapters so
//! that only the runtimes' I/O and scheduling differ.
//!
//! - [`HttpServerConn`]: one server connection, sans I/O. The adapter reads
//!   into [`HttpServerConn::read_buf`], calls [`HttpServerConn::filled`],
//!   and writes out [`HttpServerConn::output`] whenever it is non-empty.
//!   It parses keep-alive HTTP/1.1 requests (request line and headers up to
//!   the empty line, no bodies) and answers each `GET /?name=<name>` with
//!   `Hello, <name>!`, as `runtime/examples/http_hello.rs` does.
//! - [`http_request`] / [`HttpClientConn`]: the load generator's side. Each
//!   connection sends request `i`, reads the complete response, and checks
//!   its body against [`http_expected_body`] before sending the next.

/// Bytes the server reads per call.
pub const HTTP_READ_BUF: usize = 4096;

/// Request `i` of connection `conn`: a GET whose name differs between
/// connections and requests, so a misdelivered response is caught.
pub fn http_request(conn: usize, i: usize) -> Vec<u8> {
    format!("GET /?name=c{conn}r{i} HTTP/1.1\r\nHost: bench\r\nUser-Agent: runtime-benches\r\n\r\n")
        .into_bytes()
}

/// The body the server answers [`http_request`]`(conn, i)` with.
pub fn http_expected_body(conn: usize, i: usize) -> String {
    format!("Hello, c{conn}r{i}!")
}

/// The server side of one connection (see the module docs).
#[derive(Debug, Default)]
pub struct HttpServerConn {
    input: Vec<u8>,
    filled: usize,
    output: Vec<u8>,
}

impl HttpServerConn {
    /// A connection with nothing read yet.
    pub fn new() -> HttpServerConn {
        HttpServerConn {
            input: vec![0; HTTP_READ_BUF],
            filled: 0,
            output: Vec::new(),
        }
    }

    /// Where the next read goes (never empty).
    pub fn read_buf(&mut self) -> &mut [u8] {
        if self.input.len() - self.filled < HTTP_READ_BUF / 2 {
            self.input.resize(self.input.len() + HTTP_READ_BUF, 0);
        }
        &mut self.input[self.filled..]
    }

    /// Accounts for `n` bytes read into [`read_buf`](Self::read_buf) and
    /// answers every complete request among them.
    ///
    /// # Panics
    /// On a malformed request (the load generator sends none).
    pub fn filled(&mut self, n: usize) {
        self.filled += n;
        let mut start = 0;
        while let Some(end) = find_head_end(&self.input[start..self.filled]) {
            let head = &self.input[start..start + end];
            respond(head, &mut self.output);
            start += end;
        }
        self.input.copy_within(start..self.filled, 0);
        self.filled -= start;
    }

    /// The responses to write (all of them) before the next read.
    pub fn output(&self) -> &[u8] {
        &self.output
    }

    /// Marks the output as written.
    pub fn clear_output(&mut self) {
        self.output.clear();
    }
}

/// The length of the request head at the start of `buf` (through the empty
/// line), if it is complete.
fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| at + 4)
}

/// Appends the response to the request whose head is `head`.
fn respond(head: &[u8], out: &mut Vec<u8>) {
    let head = std::str::from_utf8(head).expect("the request head is UTF-8");
    let request_line = head.split("\r\n").next().expect("a request line");
    let mut parts = request_line.split(' ');
    let (Some("GET"), Some(target), Some("HTTP/1.1")) = (parts.next(), parts.next(), parts.next())
    else {
        panic!("unexpected request line {request_line:?}");
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    assert_eq!(path, "/", "unexpected path");
    let name = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("name="))
        .unwrap_or("world");
    let body_len = "Hello, ".len() + name.len() + 1;
    out.extend_from_slice(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Length: {body_len}\r\nConnection: keep-alive\r\n\r\nHello, {name}!"
        )
        .as_bytes(),
    );
}

/// The load generator's side of one connection: collects one response.
#[derive(Debug, Default)]
pub struct HttpClientConn {
    input: Vec<u8>,
    filled: usize,
}

impl HttpClientConn {
    /// A connection with nothing read yet.
    pub fn new() -> HttpClientConn {
        HttpClientConn {
            input: vec![0; HTTP_READ_BUF],
            filled: 0,
        }
    }

    /// Where the next read goes (never empty).
    pub fn read_buf(&mut self) -> &mut [u8] {
        if self.input.len() - self.filled < HTTP_READ_BUF / 2 {
            self.input.resize(self.input.len() + HTTP_READ_BUF, 0);
        }
        &mut self.input[self.filled..]
    }

    /// Accounts for `n` bytes read; if a whole response has arrived,
    /// removes it and returns its body.
    ///
    /// # Panics
    /// If the response is not a `200` with a `Content-Length`.
    pub fn filled(&mut self, n: usize) -> Option<String> {
        self.filled += n;
        let buf = &self.input[..self.filled];
        let head_end = find_head_end(buf)?;
        let head = std::str::from_utf8(&buf[..head_end]).expect("the response head is UTF-8");
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head:?}");
        let len: usize = head
            .split("\r\n")
            .find_map(|line| line.strip_prefix("Content-Length: "))
            .expect("a Content-Length")
            .parse()
            .expect("a numeric Content-Length");
        if buf.len() < head_end + len {
            return None;
        }
        let body = String::from_utf8(buf[head_end..head_end + len].to_vec()).expect("UTF-8 body");
        let used = head_end + len;
        self.input.copy_within(used..self.filled, 0);
        self.filled -= used;
        Some(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_round_trip_through_both_sides() {
        let mut server = HttpServerConn::new();
        let mut wire = http_request(3, 4);
        wire.extend(http_request(3, 5));
        // Split mid-request: the first call answers one, the second the other.
        let (a, b) = wire.split_at(wire.len() - 5);
        for part in [a, b] {
            server.read_buf()[..part.len()].copy_from_slice(part);
            server.filled(part.len());
        }
        let mut client = HttpClientConn::new();
        let out = server.output().to_vec();
        client.read_buf()[..out.len()].copy_from_slice(&out);
        assert_eq!(client.filled(out.len()), Some(http_expected_body(3, 4)));
        assert_eq!(client.filled(0), Some(http_expected_body(3, 5)));
        assert_eq!(client.filled(0), None);
    }
}
