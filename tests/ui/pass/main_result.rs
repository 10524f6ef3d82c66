use std::error::Error;

fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
    text.parse()
}

#[runtime::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let n = async { parse("42") }.await?;
    assert_eq!(n, 42);
    Ok(())
}
