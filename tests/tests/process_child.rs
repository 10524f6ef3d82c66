//! asyncio's `Process` methods on `Child`: `terminate`, `send_signal`,
//! `communicate`; and `Command::output` with a configured stdin.

use runtime::process::Command;
use runtime::signal::SignalKind;
use runtime_tests::{rt, HANG};
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;

#[test]
fn terminate_sends_sigterm() {
    rt(1).block_on(async {
        let mut child = Command::new("sleep").arg("600").spawn().unwrap();
        child.terminate().unwrap();
        let status = runtime::wait_for(HANG, runtime::spawn(async move { child.wait().await }))
            .await
            .expect("the child outlived SIGTERM")
            .unwrap()
            .unwrap();
        assert_eq!(status.signal(), Some(SignalKind::terminate().as_raw()));
    });
}

#[test]
fn send_signal_reaches_the_childs_handler() {
    rt(1).block_on(async {
        let mut child = Command::new("sh")
            .args([
                "-c",
                // Ready only once the trap is set; then wait to be signalled.
                "trap 'echo got usr1; exit 7' USR1; echo ready; while :; do sleep 0.01; done",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 64];
        while !seen.ends_with(b"ready\n") {
            let n = stdout.read(&mut buf).await.unwrap();
            assert!(n > 0, "the child ended before it was ready");
            seen.extend_from_slice(&buf[..n]);
        }
        let usr1 = SignalKind::user_defined1().as_raw();
        child.send_signal(usr1).unwrap();
        let mut rest = Vec::new();
        stdout.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"got usr1\n");
        assert_eq!(child.wait().await.unwrap().code(), Some(7));
        // After the exit: a no-op, not an error.
        child.send_signal(usr1).unwrap();
        child.terminate().unwrap();
    });
}

#[test]
fn an_invalid_signal_number_is_a_clear_error() {
    rt(1).block_on(async {
        let mut child = Command::new("sleep").arg("600").spawn().unwrap();
        let error = child.send_signal(999).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains("999"), "{error}");
        child.kill().await.unwrap();
    });
}

#[test]
fn communicate_feeds_stdin_while_draining_stdout_and_stderr() {
    rt(2).block_on(async {
        // Far more than a pipe holds: feeding and draining must overlap.
        let input: Vec<u8> = (0..(1 << 20)).map(|i| (i % 251) as u8).collect();
        let mut child = Command::new("sh")
            .args(["-c", "cat; echo done >&2"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = child.communicate(&input).await.unwrap();
        assert!(output.status.success());
        assert!(output.stdout == input, "stdout differs from the input");
        assert_eq!(output.stderr, b"done\n");
        assert!(child.try_wait().unwrap().is_some());
    });
}

#[test]
fn communicate_tolerates_a_child_that_stops_reading() {
    rt(1).block_on(async {
        let input = vec![b'x'; 1 << 20];
        let mut child = Command::new("head")
            .args(["-c", "5"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let output = child.communicate(&input).await.unwrap();
        assert_eq!(output.stdout, b"xxxxx");
        assert!(output.stderr.is_empty(), "stderr was not piped: empty");
    });
}

#[test]
fn communicate_with_input_needs_a_piped_stdin() {
    rt(1).block_on(async {
        let mut child = Command::new("true").spawn().unwrap();
        let error = child.communicate(b"data").await.unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains("Stdio::piped"), "{error}");
        // Without input it is a plain wait.
        assert!(child.communicate(b"").await.unwrap().status.success());
    });
}

#[test]
fn communicate_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    rt(1).block_on(async {
        let mut child = Command::new("true").spawn().unwrap();
        let future = child.communicate(b"");
        assert_send(&future);
        future.await.unwrap();
    });
}

#[test]
fn output_uses_a_configured_stdin_and_is_empty_otherwise() {
    let dir = runtime_tests::temp_dir("output_stdin");
    let path = dir.join("input.txt");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(b"from the file\n")
        .unwrap();
    rt(1).block_on(async {
        let file = std::fs::File::open(&path).unwrap();
        let out = Command::new("cat").stdin(file).output().await.unwrap();
        assert_eq!(out.stdout, b"from the file\n");
        // Not configured: empty (and `cat` does not wait for a terminal).
        let out = Command::new("cat").output().await.unwrap();
        assert!(out.stdout.is_empty());
    });
}
