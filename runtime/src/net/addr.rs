//! Socket addresses, and the host names that resolve to them.
//!
//! [`ToSocketAddrs`] is what `bind`, `connect` and `send_to` accept: a
//! [`SocketAddr`], an `(ip, port)` pair, a `"host:port"` string, a
//! `(host, port)` pair, or a list of addresses to try in turn.
//!
//! # Resolution
//! 1. A value that already is an address — `SocketAddr`, `(IpAddr, u16)`,
//!    `"127.0.0.1:80"`, `"[::1]:80"`, `("10.0.0.1", 80)` — is used as is:
//!    no thread hop, no allocation.
//! 2. A string that is not `host:port` with a port in 0–65535 and a
//!    well-formed host name fails at once with
//!    [`InvalidInput`](io::ErrorKind::InvalidInput), and the message quotes
//!    the input. A "host name" that ends in a numeric label (`256.1.1.1`,
//!    `1.2.3.4.5`) is a malformed IPv4 address, not a name to look up.
//! 3. Anything else is a host name: `getaddrinfo` runs on the runtime's
//!    blocking pool ([`to_thread`](crate::to_thread)), so the worker keeps
//!    running other tasks meanwhile. A failed lookup keeps the system's
//!    error kind and names the host.
//!
//! Operations that take several addresses (`bind`, `connect`) try them in
//! order and return the first success or the last error, like std.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Longest host name DNS allows (RFC 1035, in text form).
const MAX_HOST_NAME_LEN: usize = 253;
/// Longest label between dots (RFC 1035).
const MAX_LABEL_LEN: usize = 63;

/// Values that name one or more socket addresses, possibly through a host
/// name that must be resolved first (see the module docs of
/// [`runtime::net`](crate::net)).
///
/// Implemented for [`SocketAddr`] (and its V4/V6 forms), `(IpAddr, u16)`
/// (and `Ipv4Addr`/`Ipv6Addr`), `str`/`String` as `"host:port"`,
/// `(&str, u16)`/`(String, u16)`, `[SocketAddr]`, `Vec<SocketAddr>`, and
/// references to all of these. The trait is sealed: its method is an
/// implementation detail.
///
/// ```
/// # runtime::run(async {
/// use runtime::net::TcpListener;
///
/// let a = TcpListener::bind("127.0.0.1:0").await?;
/// let b = TcpListener::bind(("127.0.0.1", 0)).await?;
/// let c = TcpListener::bind(a.local_addr()?.ip().to_string() + ":0").await?;
/// # drop((b, c));
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub trait ToSocketAddrs: sealed::ToSocketAddrsPriv {}

pub(crate) mod sealed {
    use super::Resolve;

    /// The hidden half of [`ToSocketAddrs`](super::ToSocketAddrs).
    pub trait ToSocketAddrsPriv {
        /// Addresses at hand, or what must be looked up.
        fn to_addrs(&self) -> Resolve;
    }
}

/// What a [`ToSocketAddrs`] value amounts to before any lookup.
#[derive(Debug)]
pub enum Resolve {
    /// One address, ready.
    One(SocketAddr),
    /// Several addresses, ready.
    Many(Vec<SocketAddr>),
    /// A host name to resolve on the blocking pool.
    Lookup {
        /// The host name, as given.
        host: String,
        /// The port to pair with each resolved address.
        port: u16,
    },
    /// The input is malformed.
    Invalid(io::Error),
}

/// Addresses a [`ToSocketAddrs`] value resolved to, in order.
#[derive(Debug)]
pub(crate) enum Addrs {
    One(Option<SocketAddr>),
    Many(std::vec::IntoIter<SocketAddr>),
}

impl Iterator for Addrs {
    type Item = SocketAddr;

    fn next(&mut self) -> Option<SocketAddr> {
        match self {
            Addrs::One(addr) => addr.take(),
            Addrs::Many(addrs) => addrs.next(),
        }
    }
}

/// Resolves `addr` (module docs, "Resolution").
pub(crate) async fn resolve(addr: &(impl ToSocketAddrs + ?Sized)) -> io::Result<Addrs> {
    match addr.to_addrs() {
        Resolve::One(addr) => Ok(Addrs::One(Some(addr))),
        Resolve::Many(addrs) => Ok(Addrs::Many(addrs.into_iter())),
        Resolve::Invalid(error) => Err(error),
        Resolve::Lookup { host, port } => lookup(host, port).await,
    }
}

/// `getaddrinfo` on the blocking pool.
async fn lookup(host: String, port: u16) -> io::Result<Addrs> {
    if crate::context::try_handle().is_none() {
        // No pool to run on: the same error creating the socket would give.
        return Err(crate::reactor::no_runtime_error());
    }
    let result = crate::to_thread(move || {
        let found = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port));
        match found {
            Ok(addrs) => {
                let addrs: Vec<SocketAddr> = addrs.collect();
                if addrs.is_empty() {
                    Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("host name `{host}` resolved to no addresses"),
                    ))
                } else {
                    Ok(addrs)
                }
            }
            Err(error) => Err(io::Error::new(
                error.kind(),
                format!("failed to resolve host name `{host}`: {error}"),
            )),
        }
    })
    .await;
    match result {
        Ok(addrs) => Ok(Addrs::Many(addrs?.into_iter())),
        Err(error) => Err(io::Error::other(format!(
            "host name resolution did not complete: {error}"
        ))),
    }
}

/// What trying each address in turn ends with when none worked: the last
/// error, or, if there was no address to try, an `InvalidInput` error.
pub(crate) fn last_error(error: Option<io::Error>) -> io::Error {
    error.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any addresses",
        )
    })
}

fn invalid(input: impl fmt::Display, why: impl fmt::Display) -> Resolve {
    Resolve::Invalid(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("invalid socket address `{input}`: {why}"),
    ))
}

/// A `"host:port"` string.
fn parse_host_port(input: &str) -> Resolve {
    if let Ok(addr) = input.parse::<SocketAddr>() {
        return Resolve::One(addr);
    }
    let Some((host, port)) = input.rsplit_once(':') else {
        return invalid(input, "expected `host:port`");
    };
    let Ok(port) = port.parse::<u16>() else {
        return invalid(
            input,
            format_args!("`{port}` is not a port number (0-65535)"),
        );
    };
    host_and_port(input, host, port)
}

/// A host (IP literal or name) and a port; `input` is quoted in errors.
fn host_and_port(input: &str, host: &str, port: u16) -> Resolve {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Resolve::One(SocketAddr::new(ip, port));
    }
    let unbracketed = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    if let Some(ip) = unbracketed.and_then(|h| h.parse::<Ipv6Addr>().ok()) {
        return Resolve::One(SocketAddr::new(IpAddr::V6(ip), port));
    }
    if !is_host_name(host) {
        return invalid(
            input,
            format_args!("`{host}` is neither an IP address nor a host name"),
        );
    }
    Resolve::Lookup {
        host: host.to_owned(),
        port,
    }
}

/// Whether `host` is a syntactically valid DNS name (letters, digits, `-`
/// and `_` in dot-separated labels, one trailing dot allowed), not ending
/// in a numeric label (which would be a malformed IPv4 address).
fn is_host_name(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() || host.len() > MAX_HOST_NAME_LEN {
        return false;
    }
    let labels_ok = host.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= MAX_LABEL_LEN
            && !label.starts_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    let last_is_numeric = host
        .rsplit('.')
        .next()
        .is_some_and(|label| label.bytes().all(|b| b.is_ascii_digit()));
    labels_ok && !last_is_numeric
}

// ---- Implementations ------------------------------------------------------

macro_rules! ready_impls {
    ($($ty:ty => |$v:ident| $addr:expr;)*) => {$(
        impl ToSocketAddrs for $ty {}
        impl sealed::ToSocketAddrsPriv for $ty {
            fn to_addrs(&self) -> Resolve {
                let $v = self;
                Resolve::One($addr)
            }
        }
    )*};
}

ready_impls! {
    SocketAddr => |a| *a;
    SocketAddrV4 => |a| SocketAddr::V4(*a);
    SocketAddrV6 => |a| SocketAddr::V6(*a);
    (IpAddr, u16) => |a| SocketAddr::new(a.0, a.1);
    (Ipv4Addr, u16) => |a| SocketAddr::new(IpAddr::V4(a.0), a.1);
    (Ipv6Addr, u16) => |a| SocketAddr::new(IpAddr::V6(a.0), a.1);
}

impl ToSocketAddrs for str {}
impl sealed::ToSocketAddrsPriv for str {
    fn to_addrs(&self) -> Resolve {
        parse_host_port(self)
    }
}

impl ToSocketAddrs for String {}
impl sealed::ToSocketAddrsPriv for String {
    fn to_addrs(&self) -> Resolve {
        parse_host_port(self)
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl sealed::ToSocketAddrsPriv for (&str, u16) {
    fn to_addrs(&self) -> Resolve {
        host_and_port(self.0, self.0, self.1)
    }
}

impl ToSocketAddrs for (String, u16) {}
impl sealed::ToSocketAddrsPriv for (String, u16) {
    fn to_addrs(&self) -> Resolve {
        host_and_port(&self.0, &self.0, self.1)
    }
}

impl ToSocketAddrs for [SocketAddr] {}
impl sealed::ToSocketAddrsPriv for [SocketAddr] {
    fn to_addrs(&self) -> Resolve {
        Resolve::Many(self.to_vec())
    }
}

impl ToSocketAddrs for Vec<SocketAddr> {}
impl sealed::ToSocketAddrsPriv for Vec<SocketAddr> {
    fn to_addrs(&self) -> Resolve {
        Resolve::Many(self.clone())
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrs + ?Sized> sealed::ToSocketAddrsPriv for &T {
    fn to_addrs(&self) -> Resolve {
        (**self).to_addrs()
    }
}

#[cfg(test)]
mod tests {
    use super::sealed::ToSocketAddrsPriv;
    use super::*;

    fn one(r: Resolve) -> SocketAddr {
        match r {
            Resolve::One(addr) => addr,
            other => panic!("expected one address, got {other:?}"),
        }
    }

    fn invalid_message(r: Resolve) -> String {
        match r {
            Resolve::Invalid(e) => {
                assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
                e.to_string()
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn literals_need_no_lookup() {
        assert_eq!(one("127.0.0.1:80".to_addrs()).port(), 80);
        assert!(one("[::1]:9".to_addrs()).is_ipv6());
        assert_eq!(one(("10.0.0.1", 7).to_addrs()).to_string(), "10.0.0.1:7");
        assert_eq!(one(("[::1]", 7).to_addrs()).to_string(), "[::1]:7");
        assert_eq!(
            one(("::1".to_string(), 7).to_addrs()).to_string(),
            "[::1]:7"
        );
    }

    #[test]
    fn host_names_are_looked_up() {
        for input in ["localhost:80", "example.com.:1", "a_b-c.d:0"] {
            assert!(
                matches!(input.to_addrs(), Resolve::Lookup { .. }),
                "{input}"
            );
        }
    }

    #[test]
    fn malformed_inputs_are_invalid_and_quoted() {
        for input in [
            "not an address",
            "localhost",
            "localhost:99999",
            "localhost:-1",
            ":80",
            "[::1:80",
            "256.1.1.1:80",
            "1.2.3.4.5:80",
            "bad host!:80",
            "-leading.dash:1",
        ] {
            let message = invalid_message(input.to_addrs());
            assert!(message.contains(input), "{message}");
        }
        let message = invalid_message(("no such host", 1).to_addrs());
        assert!(message.contains("no such host"), "{message}");
    }
}
