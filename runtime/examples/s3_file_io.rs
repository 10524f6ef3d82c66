//! Twin of the aiofiles example, seed 003 (Thomas Spielauer's asyncio
//! overview, line ~635): `write_file` writes `example.txt`, `read_file`
//! reads it back and prints it, neither blocking the event loop.
//!
//! Differences: [`runtime::fs`] (which runs file calls on the blocking pool)
//! stands in for aiofiles, and `async with aiofiles.open(...)` is a
//! `File` that closes when dropped. The file goes to a fresh directory
//! under the system's temp directory, not the working directory, and is
//! removed at the end.
//!
//! Prints `Hello, asyncio file I/O!`.

use runtime::fs::{self, File};
use std::path::Path;

async fn read_file(filename: &Path) -> std::io::Result<()> {
    let mut f = File::open(filename).await?;
    let mut contents = String::new();
    f.read_to_string(&mut contents).await?;
    println!("{contents}");
    Ok(())
}

async fn write_file(filename: &Path, content: &str) -> std::io::Result<()> {
    let mut f = File::create(filename).await?;
    f.write_all(content.as_bytes()).await?;
    Ok(())
}

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let dir = std::env::temp_dir().join(format!("s3_file_io-{}", std::process::id()));
    fs::create_dir_all(&dir).await?;
    let filename = dir.join("example.txt");
    write_file(&filename, "Hello, asyncio file I/O!").await?;
    read_file(&filename).await?;
    fs::remove_dir_all(&dir).await?;
    Ok(())
}
