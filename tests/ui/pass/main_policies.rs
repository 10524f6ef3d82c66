// The panic policy and the shutdown deadline, on `main` and on a test.
#[runtime::main(unhandled_panic = "shutdown_runtime", shutdown_timeout_ms = 5000)]
async fn main() {
    helper();
    let answer = async { 6 * 7 }.await;
    assert_eq!(answer, 42);
}

#[runtime::test(unhandled_panic = "log", shutdown_timeout_ms = 0)]
async fn quiet_test() {}

fn helper() {}
