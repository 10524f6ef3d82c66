#[runtime::main(workers = 2, foo = 1)]
async fn main() {}
