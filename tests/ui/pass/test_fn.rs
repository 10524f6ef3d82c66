// Outside test builds `#[test]` functions are dropped, so this file also
// builds as a plain program; the expansion must still parse and resolve.

#[runtime::test]
async fn adds() {
    assert_eq!(async { 2 + 2 }.await, 4);
}

#[runtime::test(workers = 1)]
async fn returns_result() -> Result<(), String> {
    Ok(())
}

fn main() {}
