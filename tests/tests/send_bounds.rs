//! Compile-fail tests of the `Send` bounds that keep `!Send` data on its
//! thread: `spawn` rejects a `!Send` future, and a `Task` whose output is
//! `!Send` is itself `!Send`. Each case in `ui/send` must fail with the
//! error in the `.stderr` file beside it.
//!
//! Regenerate the `.stderr` files after a toolchain change with
//! `TRYBUILD=overwrite cargo test -p runtime-tests --test send_bounds`.

#[test]
fn send_bounds() {
    trybuild::TestCases::new().compile_fail("ui/send/*.rs");
}
