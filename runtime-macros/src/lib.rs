//! Procedural macros for the [`runtime`] crate: `#[runtime::main]` and
//! `#[runtime::test]`.
//!
//! Do not depend on this crate directly: the `runtime` crate re-exports both
//! attributes as `runtime::main` and `runtime::test`, and the code they
//! generate names `::runtime`.
//!
//! Both attributes turn an `async fn` into a plain `fn` that builds a
//! runtime, runs the function's body on it to completion and then shuts the
//! runtime down, the way Python's `asyncio.run` does. The expansion itself is
//! documented in `entry.rs`.
//!
//! [`runtime`]: https://docs.rs/runtime

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use proc_macro::TokenStream;

mod entry;

/// Runs an `async fn main` on a fresh runtime.
///
/// ```ignore
/// #[runtime::main]
/// async fn main() {
///     println!("hello from the runtime");
/// }
/// ```
///
/// becomes a synchronous `fn main` that builds a [`Runtime`], blocks on the
/// body until it finishes, and then shuts the runtime down (like
/// `asyncio.run`). The return type is kept, so `main` may return a `Result`
/// and use `?`:
///
/// ```ignore
/// #[runtime::main(workers = 4, debug = true)]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let config = std::fs::read_to_string("config.toml")?;
///     println!("{config}");
///     Ok(())
/// }
/// ```
///
/// # Options
///
/// Options are written `name = literal`, separated by commas, each at most
/// once:
///
/// | option                          | builder call                                   |
/// |---------------------------------|------------------------------------------------|
/// | `workers = 4`                   | `.workers(4)`; must be at least 1              |
/// | `debug = true`                  | `.debug(true)`                                 |
/// | `max_blocking_threads = 512`    | `.max_blocking_threads(512)`; at least 1       |
/// | `thread_name = "worker"`        | `.thread_name("worker")`                       |
/// | `slow_poll_threshold_ms = 100`  | `.slow_poll_threshold(Duration::from_millis(100))` |
/// | `stall_threshold_ms = 100`      | `.stall_threshold(Some(Duration::from_millis(100)))`; at least 1 (the stall watchdog) |
/// | `crate = "path"`                | use `path` instead of `::runtime`              |
///
/// Options that are left out keep the builder's defaults. `crate` is for
/// crates that renamed the dependency, e.g. `rt = { package = "runtime" }`
/// goes with `#[rt::main(crate = "rt")]`.
///
/// # Errors
///
/// It is a compile error to put the attribute on a function that is not
/// `async`, takes arguments or is generic, or to give an unknown, repeated
/// or ill-typed option.
///
/// [`Runtime`]: https://docs.rs/runtime/latest/runtime/struct.Runtime.html
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::main(args.into(), item.into()).into()
}

/// Runs an `async fn` test on a fresh runtime.
///
/// ```ignore
/// #[runtime::test]
/// async fn adds() {
///     let sum = async { 2 + 2 }.await;
///     assert_eq!(sum, 4);
/// }
/// ```
///
/// becomes a `#[test] fn adds()` that builds a runtime, blocks on the body
/// and shuts the runtime down when the test ends. Each test gets its own
/// runtime. Other attributes such as `#[should_panic]` or `#[ignore]` are
/// kept, and the test may return a `Result`.
///
/// It takes the same options as [`macro@main`], for example
/// `#[runtime::test(workers = 1)]` to run the test on a single worker
/// thread. Without `workers`, the runtime's default worker count is used.
///
/// Do not add `#[test]` as well: this attribute already marks the function
/// as a test, and a second one is a compile error.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::test(args.into(), item.into()).into()
}
