//! Files without blocking the event loops (Python's `aiofiles`).
//!
//! The OS offers no readiness for regular files, so every operation runs on
//! the runtime's blocking pool (the same pool as [`to_thread`](crate::to_thread))
//! and the calling task awaits it. Each function here is its `std::fs`
//! namesake, moved off the worker.
//!
//! Cancellation: dropping one of these futures does not stop the operation
//! already running on the blocking pool; it completes and its result is
//! discarded (for [`File`], the file position may have moved).

mod file;

pub use file::{File, OpenOptions};

use std::io;
use std::path::{Path, PathBuf};

/// Runs a blocking filesystem call on the blocking pool.
pub(crate) async fn asyncify<T, F>(f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match crate::to_thread(f).await {
        Ok(result) => result,
        Err(error) if error.is_cancelled() => Err(io::Error::other(
            "the filesystem operation was cancelled because the runtime shut down",
        )),
        Err(error) => match error.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(error) => Err(io::Error::other(error.to_string())),
        },
    }
}

/// Reads a whole file into bytes (`std::fs::read`).
///
/// ```
/// # runtime::run(async {
/// let path = std::env::temp_dir().join("runtime-fs-doc-read.txt");
/// runtime::fs::write(&path, b"hello").await.unwrap();
/// assert_eq!(runtime::fs::read(&path).await.unwrap(), b"hello");
/// runtime::fs::remove_file(&path).await.unwrap();
/// # });
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read(path)).await
}

/// Reads a whole file into a string (`std::fs::read_to_string`).
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_to_string(path)).await
}

/// Writes a whole file, creating or truncating it (`std::fs::write`).
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify(move || std::fs::write(path, contents)).await
}

/// Creates a directory and all missing parents (`std::fs::create_dir_all`).
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir_all(path)).await
}

/// Creates one directory (`std::fs::create_dir`).
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir(path)).await
}

/// Removes a file (`std::fs::remove_file`).
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_file(path)).await
}

/// Removes an empty directory (`std::fs::remove_dir`).
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir(path)).await
}

/// Removes a directory and everything in it (`std::fs::remove_dir_all`).
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir_all(path)).await
}

/// Renames a file or directory (`std::fs::rename`).
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::rename(from, to)).await
}

/// Copies a file's contents and permissions (`std::fs::copy`).
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::copy(from, to)).await
}

/// A path's metadata, following symlinks (`std::fs::metadata`).
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<std::fs::Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::metadata(path)).await
}

/// Whether a path exists (`std::fs::exists`): errors other than "not
/// found" are reported, not folded into `false`.
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::exists(path)).await
}

/// The entries of a directory (`std::fs::read_dir`), read in full on the
/// blocking pool; in the order the OS returns them.
///
/// ```
/// # runtime::run(async {
/// let dir = std::env::temp_dir().join("runtime-fs-doc-read-dir");
/// runtime::fs::create_dir_all(&dir).await.unwrap();
/// runtime::fs::write(dir.join("a.txt"), "a").await.unwrap();
/// let entries = runtime::fs::read_dir(&dir).await.unwrap();
/// assert!(entries.iter().any(|e| e.file_name() == "a.txt"));
/// runtime::fs::remove_dir_all(&dir).await.unwrap();
/// # });
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<Vec<DirEntry>> {
    let path = path.as_ref().to_owned();
    asyncify(move || {
        std::fs::read_dir(path)?
            .map(|entry| {
                let entry = entry?;
                Ok(DirEntry {
                    path: entry.path(),
                    file_type: entry.file_type()?,
                })
            })
            .collect()
    })
    .await
}

/// One entry of [`read_dir`].
#[derive(Debug, Clone)]
pub struct DirEntry {
    path: PathBuf,
    file_type: std::fs::FileType,
}

impl DirEntry {
    /// The entry's full path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The entry's name within its directory.
    pub fn file_name(&self) -> &std::ffi::OsStr {
        self.path.file_name().unwrap_or_default()
    }

    /// Whether it is a file, a directory or a symlink (not following links).
    pub fn file_type(&self) -> std::fs::FileType {
        self.file_type
    }

    /// The entry's metadata, following symlinks.
    pub async fn metadata(&self) -> io::Result<std::fs::Metadata> {
        metadata(&self.path).await
    }
}
