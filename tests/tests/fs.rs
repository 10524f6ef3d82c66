//! `runtime::fs`: round trips on temporary files, directories, errors.

use runtime::fs::{self, File, OpenOptions};
use runtime_tests::rt;
use std::io::{ErrorKind, SeekFrom};
use std::path::PathBuf;

/// A fresh, empty temporary directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("runtime-fs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn whole_file_round_trips() {
    let dir = scratch("whole");
    rt(2).block_on(async {
        let path = dir.join("data.bin");
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        fs::write(&path, &bytes).await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), bytes);
        fs::write(&path, "text ✓").await.unwrap();
        assert_eq!(fs::read_to_string(&path).await.unwrap(), "text ✓");
        assert_eq!(
            fs::metadata(&path).await.unwrap().len(),
            "text ✓".len() as u64
        );
        assert!(fs::try_exists(&path).await.unwrap());
        let copy = dir.join("copy.txt");
        fs::copy(&path, &copy).await.unwrap();
        let moved = dir.join("moved.txt");
        fs::rename(&copy, &moved).await.unwrap();
        assert_eq!(fs::read_to_string(&moved).await.unwrap(), "text ✓");
        fs::remove_file(&moved).await.unwrap();
        assert!(!fs::try_exists(&moved).await.unwrap());
    });
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn file_reads_writes_and_seeks_in_order() {
    let dir = scratch("file");
    rt(2).block_on(async {
        let path = dir.join("f.txt");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .await
            .unwrap();
        file.write_all(b"0123456789").await.unwrap();
        assert_eq!(file.seek(SeekFrom::Start(3)).await.unwrap(), 3);
        let mut four = [0u8; 4];
        file.read_exact(&mut four).await.unwrap();
        assert_eq!(&four, b"3456");
        let mut rest = Vec::new();
        assert_eq!(file.read_to_end(&mut rest).await.unwrap(), 3);
        assert_eq!(rest, b"789");
        let mut buf = [0u8; 8];
        assert_eq!(file.read(&mut buf).await.unwrap(), 0, "EOF");
        file.set_len(4).await.unwrap();
        file.sync_all().await.unwrap();
        assert_eq!(file.metadata().await.unwrap().len(), 4);
        let mut again = File::open(&path).await.unwrap();
        let mut text = String::new();
        again.read_to_string(&mut text).await.unwrap();
        assert_eq!(text, "0123");
        let mut short = [0u8; 10];
        let err = again.read_exact(&mut short).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
        let std = again.into_std().await;
        assert_eq!(std.metadata().unwrap().len(), 4);
    });
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn directories_are_listed_and_removed() {
    let dir = scratch("dirs");
    rt(1).block_on(async {
        let nested = dir.join("a/b/c");
        fs::create_dir_all(&nested).await.unwrap();
        for name in ["x.txt", "y.txt"] {
            fs::write(dir.join(name), name).await.unwrap();
        }
        let mut names: Vec<_> = fs::read_dir(&dir)
            .await
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    e.file_type().is_dir(),
                )
            })
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                ("a".into(), true),
                ("x.txt".into(), false),
                ("y.txt".into(), false)
            ]
        );
        fs::remove_dir(&nested).await.unwrap();
        fs::remove_dir_all(dir.join("a")).await.unwrap();
        fs::create_dir(dir.join("single")).await.unwrap();
    });
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn errors_come_back_as_io_errors() {
    let dir = scratch("errors");
    rt(1).block_on(async {
        let missing = dir.join("missing.txt");
        assert_eq!(
            fs::read(&missing).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            File::open(&missing).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            fs::remove_file(&missing).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            fs::read_dir(&missing).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        fs::write(dir.join("exists"), "").await.unwrap();
        let err = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dir.join("exists"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        assert_eq!(
            fs::read_to_string(dir.join("exists")).await.unwrap(),
            "",
            "a failed open changes nothing"
        );
    });
    std::fs::remove_dir_all(dir).unwrap();
}
