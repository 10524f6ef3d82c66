#[runtime::main(workers = 2, debug = true, stall_threshold_ms = 250)]
async fn main() {
    let answer = async { 6 * 7 }.await;
    assert_eq!(answer, 42);
}
