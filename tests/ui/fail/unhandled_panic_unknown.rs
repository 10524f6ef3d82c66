// An `unhandled_panic` value that is not one of the policies.
#[runtime::main(unhandled_panic = "abort")]
async fn main() {}
