//! Seed 001 (~324), ten aiohttp fetches of one URL, gathered.
//!
//! Ten concurrent GETs of the stand-in example.com page (served by the
//! example on 127.0.0.1; no internet here) through one pooled hyper
//! client on `runtime`, as ten tasks gathered. The tutorial prints the
//! list of ten page texts; the twin prints how many came back, that they
//! are all the same page, and its size.
//!
//! Needs the `hyper` feature.

#[path = "support/local_site.rs"]
mod local_site;

#[runtime::main]
async fn main() -> Result<(), local_site::Error> {
    let site = local_site::serve().await?;
    let session = local_site::session();
    let url = format!("http://{site}/example.com");
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (session, url) = (session.clone(), url.clone());
            runtime::spawn(async move { local_site::fetch(&session, &url).await })
        })
        .collect();
    let mut responses = Vec::new();
    for result in runtime::gather(tasks).await {
        let (status, text) = result??;
        assert_eq!(status, 200);
        responses.push(text);
    }
    let same = responses.windows(2).all(|w| w[0] == w[1]);
    println!(
        "{} responses, all the same page: {same}, {} bytes each",
        responses.len(),
        responses[0].len()
    );
    Ok(())
}
