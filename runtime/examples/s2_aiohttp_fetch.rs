//! Seed 002 (~48), `fetch_url` with aiohttp: one HTTP GET, awaited.
//!
//! The twin fetches with hyper's client on `runtime` (`runtime::hyper`'s
//! connector and executor; no glue) from a stand-in for example.com that
//! the example serves itself on 127.0.0.1 (no internet here), and prints
//! the status and the page's size.
//!
//! Needs the `hyper` feature: `cargo run -p runtime --features hyper
//! --example s2_aiohttp_fetch`.

#[path = "support/local_site.rs"]
mod local_site;

#[runtime::main]
async fn main() -> Result<(), local_site::Error> {
    let site = local_site::serve().await?;
    let session = local_site::session();
    let (status, text) = local_site::fetch(&session, &format!("http://{site}/example.com")).await?;
    println!("fetch_url: {status}, {} bytes", text.len());
    println!("title: {}", local_site::title(&text));
    Ok(())
}
