//! Twin of "Asynchronous Context Managers", seed 001 (the "Python Async
//! Programming" tutorial, line ~417): a class with `__aenter__` (acquire a
//! resource asynchronously) and `__aexit__` (release it asynchronously),
//! used as `async with AsyncContextManager() as resource:`.
//!
//! The tutorial's code is a skeleton (bodies are only comments, so it does
//! not parse); here acquiring, using and releasing each print a line.
//!
//! Rust has no `async with` and no async `Drop`. The counterpart is a guard:
//! - `Resource::open().await` is `__aenter__`;
//! - `resource.close().await` is `__aexit__` on the normal path;
//! - `Drop` is the synchronous fallback when the guard goes away without
//!   `close()` (an early return or `?`, a panic, a cancelled task), so the
//!   resource is released on every path, as `async with` promises.
//!
//! Prints:
//! ```text
//! acquiring db
//! using db
//! releasing db asynchronously
//! db released
//! acquiring cache
//! using cache fails: cache is unavailable
//! cache released by Drop (no close() on this path)
//! caught: cache is unavailable
//! ```

use std::time::Duration;

/// A resource that takes a moment to acquire and to release.
struct Resource {
    name: &'static str,
    closed: bool,
}

impl Resource {
    /// `async with AsyncContextManager() as resource:` (`__aenter__`).
    async fn open(name: &'static str) -> Resource {
        println!("acquiring {name}");
        runtime::sleep(Duration::from_millis(10)).await; // Acquire resources asynchronously
        Resource {
            name,
            closed: false,
        }
    }

    /// "Use the resource asynchronously".
    async fn query(&self) -> Result<(), String> {
        runtime::sleep(Duration::from_millis(10)).await;
        if self.name == "cache" {
            let error = format!("{} is unavailable", self.name);
            println!("using {} fails: {error}", self.name);
            return Err(error);
        }
        println!("using {}", self.name);
        Ok(())
    }

    /// The end of the `async with` block (`__aexit__`): releases the
    /// resource, awaiting whatever that takes.
    async fn close(mut self) {
        println!("releasing {} asynchronously", self.name);
        runtime::sleep(Duration::from_millis(10)).await; // Cleanup resources asynchronously
        self.closed = true;
        println!("{} released", self.name);
    }
}

impl Drop for Resource {
    fn drop(&mut self) {
        if !self.closed {
            // The path `close()` did not cover: release without awaiting.
            println!("{} released by Drop (no close() on this path)", self.name);
        }
    }
}

/// A block that leaves early with `?`: `Drop` releases the resource.
async fn use_cache() -> Result<(), String> {
    let cache = Resource::open("cache").await;
    cache.query().await?;
    cache.close().await;
    Ok(())
}

#[runtime::main]
async fn main() {
    // async with AsyncContextManager() as resource:
    //     (use the resource)
    let db = Resource::open("db").await;
    db.query().await.expect("db query failed");
    db.close().await;

    // The same, leaving the block with an exception.
    if let Err(error) = use_cache().await {
        println!("caught: {error}");
    }
}
