//! Twin of "What Are Asynchronous Generators" (seed 000, the PW Skills
//! tutorial, line ~122): `async_counter(limit)` yields 0, 1, ... after an
//! `await asyncio.sleep(1)` each, and `main` consumes it with `async for`.
//!
//! Rust has no async generators yet; their counterpart is a
//! [`Stream`](futures_core::Stream), written here by hand: `poll_next` is
//! `__anext__`, and `Poll::Ready(None)` is `StopAsyncIteration`. The
//! tutorial's 1 s between values is scaled to 100 ms (five values).
//!
//! Prints `0` to `4`, one line each, 100 ms apart.

use futures_core::Stream;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// One second of the tutorial's time.
const SECOND: Duration = Duration::from_millis(100);

/// The state of `async_counter(limit)` between two values.
struct AsyncCounter {
    count: u32,
    limit: u32,
    /// The `await asyncio.sleep(1)` in progress, if any.
    delay: Option<runtime::Sleep>,
}

/// `async def async_counter(limit)`: counts from 0 up to `limit`, one value
/// per second.
fn async_counter(limit: u32) -> AsyncCounter {
    AsyncCounter {
        count: 0,
        limit,
        delay: None,
    }
}

impl Stream for AsyncCounter {
    type Item = u32;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        // `AsyncCounter` is `Unpin` (so is `Sleep`): plain `&mut` access.
        let this = &mut *self;
        // while count < limit:
        if this.count >= this.limit {
            return Poll::Ready(None);
        }
        //     await asyncio.sleep(1)
        let delay = this.delay.get_or_insert_with(|| runtime::sleep(SECOND));
        ready!(Pin::new(delay).poll(cx));
        this.delay = None;
        //     yield count
        //     count += 1
        let value = this.count;
        this.count += 1;
        Poll::Ready(Some(value))
    }
}

/// The next item of a stream: what `async for` calls on each turn.
async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

#[runtime::main]
async fn main() {
    // async for value in async_counter(5):
    let mut counter = async_counter(5);
    while let Some(value) = next(&mut counter).await {
        println!("{value}");
    }
}
