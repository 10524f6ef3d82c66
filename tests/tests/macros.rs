//! Compile tests of `#[runtime::main]` and `#[runtime::test]`: the cases in
//! `ui/pass` must build, the cases in `ui/fail` must fail with the error in
//! the `.stderr` file beside them.
//!
//! Regenerate the `.stderr` files after changing a message with
//! `TRYBUILD=overwrite cargo test -p runtime-tests --test macros`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
