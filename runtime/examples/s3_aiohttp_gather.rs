//! Seed 003 (~586), an aiohttp client fetching three URLs gathered.
//!
//! The three sites are stand-ins the example serves on 127.0.0.1 (no
//! internet here); the fetches run concurrently on one pooled hyper
//! client (`runtime::hyper`) through `gather!`, and each result is printed
//! in the order of the URLs, as `asyncio.gather` returns them.
//!
//! Needs the `hyper` feature.

#[path = "support/local_site.rs"]
mod local_site;

#[runtime::main]
async fn main() -> Result<(), local_site::Error> {
    let site = local_site::serve().await?;
    let session = local_site::session();
    let urls =
        ["example.com", "example.org", "example.net"].map(|host| format!("http://{site}/{host}"));
    let (a, b, c) = runtime::gather!(
        local_site::fetch(&session, &urls[0]),
        local_site::fetch(&session, &urls[1]),
        local_site::fetch(&session, &urls[2]),
    )
    .await;
    for (name, result) in ["example.com", "example.org", "example.net"]
        .iter()
        .zip([a, b, c])
    {
        let (status, text) = result?;
        let title = local_site::title(&text);
        println!("{name}: {status}, {} bytes, title {title:?}", text.len());
    }
    Ok(())
}
