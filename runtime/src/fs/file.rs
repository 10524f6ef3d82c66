//! [`File`]: an open file whose operations run on the blocking pool.
//!
//! The `std::fs::File` is shared (`Arc`) with the blocking thread running
//! the current operation; `&mut self` on every operation keeps one at a
//! time per `File`, so reads, writes and seeks happen in program order.
//! Buffers cross to the blocking thread by value and come back.

use super::asyncify;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;

/// An open file (aiofiles' file object).
///
/// ```
/// use runtime::fs::File;
/// # runtime::run(async {
/// let path = std::env::temp_dir().join("runtime-fs-doc-file.txt");
/// let mut file = File::create(&path).await.unwrap();
/// file.write_all(b"hello, file").await.unwrap();
/// file.sync_all().await.unwrap();
///
/// let mut file = File::open(&path).await.unwrap();
/// let mut text = String::new();
/// file.read_to_string(&mut text).await.unwrap();
/// assert_eq!(text, "hello, file");
/// # runtime::fs::remove_file(&path).await.unwrap();
/// # });
/// ```
#[derive(Debug)]
pub struct File {
    std: Arc<std::fs::File>,
}

impl File {
    /// Opens a file read-only (`std::fs::File::open`).
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        let std = asyncify(move || std::fs::File::open(path)).await?;
        Ok(File::from_std(std))
    }

    /// Creates (or truncates) a file for writing (`std::fs::File::create`).
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        let std = asyncify(move || std::fs::File::create(path)).await?;
        Ok(File::from_std(std))
    }

    /// Wraps an open `std::fs::File`.
    pub fn from_std(std: std::fs::File) -> File {
        File { std: Arc::new(std) }
    }

    /// Runs `op` with the file on the blocking pool.
    async fn with_file<T, F>(&mut self, op: F) -> io::Result<T>
    where
        F: FnOnce(&std::fs::File) -> io::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let std = self.std.clone();
        asyncify(move || op(&std)).await
    }

    /// Reads up to `buf.len()` bytes; `Ok(0)` at end of file.
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let len = buf.len();
        let (n, data) = self
            .with_file(move |mut file| {
                let mut data = vec![0; len];
                let n = file.read(&mut data)?;
                Ok((n, data))
            })
            .await?;
        buf[..n].copy_from_slice(&data[..n]);
        Ok(n)
    }

    /// Reads exactly `buf.len()` bytes, or fails with `UnexpectedEof`.
    pub async fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
        let len = buf.len();
        let data = self
            .with_file(move |mut file| {
                let mut data = vec![0; len];
                file.read_exact(&mut data)?;
                Ok(data)
            })
            .await?;
        buf.copy_from_slice(&data);
        Ok(())
    }

    /// Reads to the end, appending to `buf`; returns the bytes read.
    pub async fn read_to_end(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        let data = self
            .with_file(|mut file| {
                let mut data = Vec::new();
                file.read_to_end(&mut data)?;
                Ok(data)
            })
            .await?;
        buf.extend_from_slice(&data);
        Ok(data.len())
    }

    /// Reads to the end as UTF-8, appending to `buf`; returns the bytes read.
    pub async fn read_to_string(&mut self, buf: &mut String) -> io::Result<usize> {
        let text = self
            .with_file(|mut file| {
                let mut text = String::new();
                file.read_to_string(&mut text)?;
                Ok(text)
            })
            .await?;
        buf.push_str(&text);
        Ok(text.len())
    }

    /// Writes some of `buf`; returns how much.
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let data = buf.to_vec();
        self.with_file(move |mut file| file.write(&data)).await
    }

    /// Writes all of `buf`.
    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let data = buf.to_vec();
        self.with_file(move |mut file| file.write_all(&data)).await
    }

    /// Moves the file position (`std::io::Seek`); returns the new position.
    pub async fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.with_file(move |mut file| file.seek(pos)).await
    }

    /// Flushes data and metadata to the disk (`fsync`).
    pub async fn sync_all(&mut self) -> io::Result<()> {
        self.with_file(|file| file.sync_all()).await
    }

    /// Flushes data to the disk (`fdatasync`).
    pub async fn sync_data(&mut self) -> io::Result<()> {
        self.with_file(|file| file.sync_data()).await
    }

    /// Truncates or extends the file.
    pub async fn set_len(&mut self, size: u64) -> io::Result<()> {
        self.with_file(move |file| file.set_len(size)).await
    }

    /// The file's metadata.
    pub async fn metadata(&mut self) -> io::Result<std::fs::Metadata> {
        self.with_file(|file| file.metadata()).await
    }

    /// Turns it back into a `std::fs::File`, waiting for any operation a
    /// cancelled future left running to finish first.
    pub async fn into_std(self) -> std::fs::File {
        let mut std = self.std;
        loop {
            match Arc::try_unwrap(std) {
                Ok(file) => return file,
                Err(shared) => {
                    std = shared;
                    crate::sleep(std::time::Duration::from_millis(1)).await;
                }
            }
        }
    }
}

/// Options for opening a file (`std::fs::OpenOptions`), with an async
/// [`open`](OpenOptions::open).
#[derive(Debug, Clone)]
pub struct OpenOptions(std::fs::OpenOptions);

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

impl OpenOptions {
    /// All options off.
    pub fn new() -> OpenOptions {
        OpenOptions(std::fs::OpenOptions::new())
    }

    /// Open for reading.
    pub fn read(&mut self, on: bool) -> &mut OpenOptions {
        self.0.read(on);
        self
    }

    /// Open for writing.
    pub fn write(&mut self, on: bool) -> &mut OpenOptions {
        self.0.write(on);
        self
    }

    /// Append to the end.
    pub fn append(&mut self, on: bool) -> &mut OpenOptions {
        self.0.append(on);
        self
    }

    /// Truncate on open.
    pub fn truncate(&mut self, on: bool) -> &mut OpenOptions {
        self.0.truncate(on);
        self
    }

    /// Create if missing.
    pub fn create(&mut self, on: bool) -> &mut OpenOptions {
        self.0.create(on);
        self
    }

    /// Create, failing if it exists.
    pub fn create_new(&mut self, on: bool) -> &mut OpenOptions {
        self.0.create_new(on);
        self
    }

    /// Opens `path` with these options.
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let options = self.0.clone();
        let path = path.as_ref().to_owned();
        let std = asyncify(move || options.open(path)).await?;
        Ok(File::from_std(std))
    }
}
