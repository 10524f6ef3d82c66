//! `StreamReader` against a model: the reader, fed a byte string cut into
//! arbitrary chunks (one per socket read), must answer every call as the
//! model of the whole string says, whatever the cuts.
//!
//! What the model predicts, from the unread rest of the string and the
//! limit, independently of chunking:
//! - `readexactly(n)`: the next `n` bytes, or `IncompleteRead` with all of
//!   the rest.
//! - `readuntil(sep)`: up to and including the first `sep` if it starts
//!   within the limit; `LimitOverrun` (nothing consumed) if it starts past
//!   it, or if there is none and the rest is too long to rule one out
//!   (`rest + 1 > limit + sep.len()`); else `IncompleteRead` with the rest.
//! - `readline()`: the same with `b"\n"`, except that a missing separator
//!   gives the rest as a line, and after an overrun the bytes discarded
//!   depend on the chunking (asyncio's rule), so the model stops there.
//! - `read(n)`: 1..=n bytes that are a prefix of the rest (how many is the
//!   chunking's choice), or empty at the end.
//! - Finally `read_to_end` returns exactly the rest.
//!
//! Used by the proptest below and by the fuzz target (`fuzz/`, through
//! [`crate::fuzz`]).

use super::error::StreamError;
use super::reader::StreamReader;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// One call on the reader.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    Read(usize),
    ReadExactly(usize),
    ReadLine,
    ReadUntil(Vec<u8>),
}

/// Cuts `data` into chunks of the given sizes (cycled; each at least 1,
/// since an empty read means end of stream).
fn chunk(data: &[u8], sizes: &[usize]) -> Vec<Vec<u8>> {
    let mut chunks = Vec::new();
    let mut at = 0;
    for size in sizes.iter().cycle() {
        if at == data.len() {
            break;
        }
        let end = data.len().min(at + (*size).max(1));
        chunks.push(data[at..end].to_vec());
        at = end;
    }
    chunks
}

/// Polls a future of a scripted reader, which never waits.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a scripted StreamReader never waits"),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Runs `ops` on a reader of `data` cut by `sizes`, with `limit`, and
/// panics at the first answer the model disagrees with.
pub(crate) fn check(data: &[u8], sizes: &[usize], limit: usize, ops: &[Op]) {
    let mut reader = StreamReader::from_chunks(chunk(data, sizes), limit);
    let mut pos = 0;
    for op in ops {
        let rest = &data[pos..];
        match op {
            Op::Read(n) => {
                let got = ready(reader.read(*n)).expect("scripted reads do not fail");
                if *n == 0 || rest.is_empty() {
                    assert!(got.is_empty(), "{op:?} at end or with n = 0 gave {got:?}");
                } else {
                    assert!(
                        !got.is_empty() && got.len() <= *n && rest.starts_with(&got),
                        "{op:?}: got {got:?}, rest {rest:?}"
                    );
                }
                pos += got.len();
            }
            Op::ReadExactly(n) => match ready(reader.readexactly(*n)) {
                Ok(got) => {
                    assert!(rest.len() >= *n, "{op:?} succeeded past the end");
                    assert_eq!(got, &rest[..*n], "{op:?}");
                    pos += n;
                }
                Err(StreamError::IncompleteRead(error)) => {
                    assert!(rest.len() < *n, "{op:?} incomplete with {rest:?} left");
                    assert_eq!(error.partial, rest, "{op:?}: partial");
                    assert_eq!(error.expected, Some(*n));
                    pos = data.len();
                }
                Err(error) => panic!("{op:?}: {error:?}"),
            },
            Op::ReadUntil(sep) => {
                let expect = predict(rest, sep, limit);
                match (ready(reader.readuntil(sep)), expect) {
                    (Ok(got), Predicted::Found(len)) => {
                        assert_eq!(got, &rest[..len], "{op:?}");
                        pos += len;
                    }
                    (Err(StreamError::LimitOverrun(error)), Predicted::Overrun) => {
                        assert_eq!(error.limit, limit);
                    }
                    (Err(StreamError::IncompleteRead(error)), Predicted::Incomplete) => {
                        assert_eq!(error.partial, rest, "{op:?}: partial");
                        assert_eq!(error.expected, None);
                        pos = data.len();
                    }
                    (got, expect) => {
                        panic!("{op:?} (limit {limit}) on {rest:?}: {got:?}, model {expect:?}")
                    }
                }
            }
            Op::ReadLine => {
                let expect = predict(rest, b"\n", limit);
                match (ready(reader.readline()), expect) {
                    (Ok(got), Predicted::Found(len)) => {
                        assert_eq!(got, &rest[..len], "{op:?}");
                        pos += len;
                    }
                    (Ok(got), Predicted::Incomplete) => {
                        assert_eq!(got, rest, "{op:?}: the last line");
                        pos = data.len();
                    }
                    // What was discarded depends on the chunking: the
                    // model cannot follow further.
                    (Err(StreamError::LimitOverrun(_)), Predicted::Overrun) => return,
                    (got, expect) => {
                        panic!("{op:?} (limit {limit}) on {rest:?}: {got:?}, model {expect:?}")
                    }
                }
            }
        }
    }
    let rest = ready(reader.read_to_end()).expect("scripted reads do not fail");
    assert_eq!(rest, &data[pos..], "read_to_end after the ops");
    assert!(reader.at_eof());
}

/// Decodes fuzzer input into a case for [`check`] and runs it: byte 0 the
/// limit, then a count and that many chunk sizes, then a count and that
/// many two-byte ops, then the data.
pub(crate) fn check_bytes(input: &[u8]) {
    let mut bytes = input.iter().copied();
    let mut next = || bytes.next().unwrap_or(0);
    let limit = usize::from(next() % 24);
    let sizes: Vec<usize> = (0..1 + next() % 4)
        .map(|_| 1 + usize::from(next() % 16))
        .collect();
    let ops: Vec<Op> = (0..next() % 12)
        .map(|_| {
            let (kind, arg) = (next(), next());
            let alphabet = |b: u8| b"ab\n"[usize::from(b % 3)];
            match kind % 4 {
                0 => Op::Read(usize::from(arg % 16)),
                1 => Op::ReadExactly(usize::from(arg % 16)),
                2 => Op::ReadLine,
                _ if arg & 0x80 == 0 => Op::ReadUntil(vec![alphabet(arg)]),
                _ => Op::ReadUntil(vec![alphabet(arg), alphabet(arg >> 2)]),
            }
        })
        .collect();
    let header = 3 + sizes.len() + 2 * ops.len();
    let data = input.get(header..).unwrap_or_default();
    check(data, &sizes, limit, &ops);
}

#[derive(Debug)]
enum Predicted {
    /// Succeeds with this many bytes.
    Found(usize),
    Overrun,
    Incomplete,
}

fn predict(rest: &[u8], sep: &[u8], limit: usize) -> Predicted {
    match find(rest, sep) {
        Some(at) if at <= limit => Predicted::Found(at + sep.len()),
        Some(_) => Predicted::Overrun,
        None if rest.len() + 1 > limit + sep.len() => Predicted::Overrun,
        None => Predicted::Incomplete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..12usize).prop_map(Op::Read),
            (0..12usize).prop_map(Op::ReadExactly),
            Just(Op::ReadLine),
            prop::collection::vec(prop::sample::select(b"ab\n".to_vec()), 1..3)
                .prop_map(Op::ReadUntil),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn stream_reader_matches_the_model_under_any_chunking(
            // A small alphabet, so separators are frequent and lines short.
            data in prop::collection::vec(prop::sample::select(b"ab\nc".to_vec()), 0..64),
            sizes in prop::collection::vec(1..9usize, 1..6),
            limit in 0..16usize,
            ops in prop::collection::vec(op(), 0..10),
        ) {
            check(&data, &sizes, limit, &ops);
        }
    }

    /// The fuzz target's decoder (`fuzz/`), on inputs of every length.
    #[test]
    fn the_fuzz_decoder_accepts_any_input() {
        for len in 0..64u8 {
            let input: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37) ^ len).collect();
            check_bytes(&input);
        }
    }

    #[test]
    fn a_separator_split_across_reads_is_found() {
        let ops = [Op::ReadUntil(b"ab".to_vec()), Op::ReadLine];
        check(b"xxaby\n", &[3, 1, 2], 8, &ops);
    }
}
