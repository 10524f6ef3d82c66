//! Subprocesses (pipes, wait, kill, no zombies) and Unix signals.

use runtime::process::Command;
use runtime::signal::{self, SignalKind};
use runtime_tests::rt;
use std::process::Stdio;
use std::time::Duration;

#[test]
fn output_captures_stdout_stderr_and_status() {
    rt(2).block_on(async {
        let out = Command::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 3"])
            .output()
            .await
            .unwrap();
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
        assert_eq!(out.status.code(), Some(3));
        let status = Command::new("true").status().await.unwrap();
        assert!(status.success());
    });
}

#[test]
fn waiting_on_a_pipe_does_not_block_the_worker() {
    // One worker: if the pipe read blocked it, the ticker could not run
    // before the child writes.
    rt(1).block_on(async {
        let mut child = Command::new("sh")
            .args(["-c", "sleep 0.3; echo late"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let tx2 = tx.clone();
        let reader = runtime::spawn(async move {
            let mut text = String::new();
            stdout.read_to_string(&mut text).await.unwrap();
            tx2.send("read done").unwrap();
            text
        });
        let ticker = runtime::spawn(async move {
            for _ in 0..5 {
                runtime::sleep(Duration::from_millis(2)).await;
            }
            tx.send("ticker done").unwrap();
        });
        ticker.await.unwrap();
        assert_eq!(reader.await.unwrap(), "late\n");
        assert_eq!(
            rx.try_iter().collect::<Vec<_>>(),
            ["ticker done", "read done"]
        );
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn piped_stdin_and_stdout_round_trip() {
    rt(1).block_on(async {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 256) as u8).collect();
        let writer = {
            let payload = payload.clone();
            runtime::spawn(async move {
                stdin.write_all(&payload).await.unwrap();
                stdin.close(); // EOF for cat
            })
        };
        let mut echoed = Vec::new();
        stdout.read_to_end(&mut echoed).await.unwrap();
        writer.await.unwrap();
        assert_eq!(echoed, payload);
        assert!(child.wait().await.unwrap().success());
        assert_eq!(child.id(), None, "reaped");
    });
}

#[test]
fn kill_stops_a_long_running_child() {
    rt(2).block_on(async {
        let mut child = Command::new("sleep").arg("3600").spawn().unwrap();
        assert!(child.id().is_some());
        assert!(child.try_wait().unwrap().is_none());
        child.kill().await.unwrap();
        let status = child.wait().await.unwrap();
        assert!(!status.success());
    });
}

#[test]
fn a_missing_program_is_a_clear_not_found_error() {
    rt(1).block_on(async {
        let err = Command::new("definitely-not-a-program-xyz")
            .spawn()
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
        assert!(
            err.to_string().contains("definitely-not-a-program-xyz"),
            "{err}"
        );
    });
}

/// Zombie children of this process (state `Z` in /proc/<pid>/stat).
fn zombies_of(parent: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            // pid (comm) state ppid ...
            let after = &stat[stat.rfind(')').map_or(0, |i| i + 2)..];
            let mut fields = after.split_whitespace();
            let state = fields.next();
            let ppid = fields.next().and_then(|p| p.parse::<u32>().ok());
            state == Some("Z") && ppid == Some(parent)
        })
        .collect()
}

#[test]
fn dropped_children_are_reaped_not_left_as_zombies() {
    let rt = rt(2);
    let pids: Vec<u32> = rt.block_on(async {
        let mut pids = Vec::new();
        for _ in 0..5 {
            let child = Command::new("true").spawn().unwrap();
            pids.push(child.id().unwrap());
            drop(child); // never waited for
        }
        let killed = Command::new("sleep")
            .arg("3600")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        pids.push(killed.id().unwrap());
        drop(killed);
        pids
    });
    let me = std::process::id();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let zombies = zombies_of(me);
        if pids.iter().all(|p| !zombies.contains(p)) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "zombies left: {zombies:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // And the killed one is really gone.
    let last = *pids.last().unwrap();
    let gone = (0..1000).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        !std::path::Path::new(&format!("/proc/{last}")).exists()
    });
    assert!(gone, "kill_on_drop did not stop the child");
    drop(rt);
}

#[test]
fn a_signal_reaches_every_listener() {
    rt(2).block_on(async {
        let mut a = signal::signal(SignalKind::user_defined1()).unwrap();
        let mut b = signal::signal(SignalKind::user_defined1()).unwrap();
        let waiter = runtime::spawn(async move {
            b.recv().await;
            "b got it"
        });
        runtime::sleep(Duration::from_millis(5)).await;
        signal::raise(SignalKind::user_defined1()).unwrap();
        a.recv().await;
        assert_eq!(waiter.await.unwrap(), "b got it");
        // A second delivery is seen too.
        signal::raise(SignalKind::user_defined1()).unwrap();
        a.recv().await;
    });
}

#[test]
fn ctrl_c_resolves_on_sigint() {
    rt(1).block_on(async {
        // Installs the handler now, so SIGINT cannot kill the test process.
        let _installed = signal::signal(SignalKind::interrupt()).unwrap();
        let ctrl_c = runtime::spawn(signal::ctrl_c());
        // The listener appears when the task first runs: keep sending until
        // it has seen one, so the test does not depend on scheduling.
        let mut ctrl_c = std::pin::pin!(runtime::timeout(Duration::from_secs(20), ctrl_c));
        loop {
            signal::raise(SignalKind::interrupt()).unwrap();
            let tick = runtime::sleep(Duration::from_millis(20));
            match runtime::timeout(Duration::from_millis(20), ctrl_c.as_mut()).await {
                Ok(result) => {
                    result.expect("ctrl_c never fired").unwrap().unwrap();
                    break;
                }
                Err(_) => tick.await,
            }
        }
    });
}

#[test]
fn uncatchable_and_invalid_signals_are_rejected() {
    for (raw, what) in [
        (9, "SIGKILL"),
        (19, "SIGSTOP"),
        (11, "SIGSEGV"),
        (0, "zero"),
        (1000, "too big"),
    ] {
        let err = signal::signal(SignalKind::from_raw(raw)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{what}");
    }
}
