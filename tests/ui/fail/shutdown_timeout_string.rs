// `shutdown_timeout_ms` takes milliseconds as an integer literal.
#[runtime::main(shutdown_timeout_ms = "5s")]
async fn main() {}
