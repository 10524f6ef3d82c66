//! Seed 001 (~276–293), the web scraper: aiohttp + BeautifulSoup, one
//! task per URL, gathered.
//!
//! The twin fetches with hyper's client on `runtime` and parses with the
//! `scraper` crate (an HTML5 parser, standing in for BeautifulSoup), from
//! stand-in pages the example serves on 127.0.0.1 (no internet here). Each
//! task extracts the page's title and links; the results print in URL
//! order.
//!
//! Needs the `hyper` feature.

#[path = "support/local_site.rs"]
mod local_site;

use scraper::{Html, Selector};

/// `scrape_website(url)`: fetch, parse, extract the title and the links.
async fn scrape_website(url: String) -> Result<(String, String, Vec<String>), local_site::Error> {
    let session = local_site::session();
    let (status, html) = local_site::fetch(&session, &url).await?;
    if status != 200 {
        return Err(format!("{url}: {status}").into());
    }
    let soup = Html::parse_document(&html);
    let title = Selector::parse("title").expect("a valid selector");
    let anchors = Selector::parse("a[href]").expect("a valid selector");
    let title = soup
        .select(&title)
        .next()
        .map(|t| t.text().collect::<String>())
        .unwrap_or_default();
    let links = soup
        .select(&anchors)
        .filter_map(|a| a.value().attr("href"))
        .map(str::to_string)
        .collect();
    Ok((url, title, links))
}

#[runtime::main]
async fn main() -> Result<(), local_site::Error> {
    let site = local_site::serve().await?;
    let urls: Vec<String> = ["/example.com", "/example.org", "/example.net"]
        .iter()
        .map(|path| format!("http://{site}{path}"))
        .collect();
    // `scrape_websites(urls)`: a task per URL, then gather.
    let tasks: Vec<_> = urls
        .into_iter()
        .map(|url| runtime::spawn(scrape_website(url)))
        .collect();
    for result in runtime::gather(tasks).await {
        let (url, title, links) = result??;
        let page = url.rsplit('/').next().unwrap_or_default();
        println!("{page}: {title:?}, links {links:?}");
    }
    Ok(())
}
