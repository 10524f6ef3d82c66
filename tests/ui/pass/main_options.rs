#[runtime::main(workers = 2, debug = true)]
async fn main() {
    let answer = async { 6 * 7 }.await;
    assert_eq!(answer, 42);
}
