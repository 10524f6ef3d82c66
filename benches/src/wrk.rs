//! The `http_wrk` rows: the `http_hello` server in a process of its own
//! (the `http_server` binary, one per runtime), loaded by `wrk` from
//! another process, so nothing about the load generator shares a runtime
//! with the server or hides where connections land.
//!
//! For each connection count in [`WRK_CONNECTIONS`], the three servers are
//! started once and stay up; each round runs `wrk` against each of them in
//! turn (the first rotates), [`WRK_SECONDS`] apiece after one warm-up run.
//! A row gives requests per second (from wrk) and the server's CPU time per
//! request (user + system time of the whole server process over the run,
//! from `/proc/<pid>/stat`, divided by the requests wrk completed).
//!
//! Then the hyper rows: one hyper 1.x service on `runtime` (through
//! `runtime::hyper`) and on tokio (through hyper-util's `TokioIo`), the
//! `hyper-runtime` and `hyper-tokio` servers of the same binary
//! (`hyper_hello.rs`); their smol column is empty.
//!
//! `wrk` is not installed by this crate: without it on `PATH` the rows are
//! skipped with a message.

use crate::harness::{Metric, Row, Stats, COLUMNS};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

/// Keep-alive connections wrk holds open, one row each.
pub const WRK_CONNECTIONS: [usize; 2] = [50, 256];

/// Length of one measured wrk run.
pub const WRK_SECONDS: u64 = 3;

/// wrk's own threads: one per CPU of this 2-vCPU machine kind.
const WRK_THREADS: usize = 2;

/// One server process.
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    url: String,
}

impl Server {
    fn start(exe: &Path, runtime: &str, workers: usize) -> Result<Server, String> {
        let mut child = Command::new(exe)
            .args([runtime, &workers.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("{runtime} server: {e}"))?;
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("{runtime} server said {line:?}"))?;
        Ok(Server {
            child,
            stdin,
            url: format!("http://{addr}/?name=wrk"),
        })
    }

    /// User + system CPU time of the whole process so far.
    fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .expect("/proc/<pid>/stat of a live child");
        // The fields after the parenthesised command name: state is the
        // 1st, utime the 12th, stime the 13th.
        let after = &stat[stat.rfind(')').expect("a stat line") + 2..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        Duration::from_secs_f64(ticks as f64 / USER_HZ)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.flush();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The unit of `/proc/<pid>/stat`'s times: `USER_HZ`, which Linux fixes
/// at 100 for user space whatever the kernel's tick rate.
const USER_HZ: f64 = 100.0;

/// What one wrk run reported.
struct WrkRun {
    requests: u64,
    per_sec: f64,
}

fn run_wrk(url: &str, conns: usize, seconds: u64) -> Result<WrkRun, String> {
    let out = Command::new("wrk")
        .args([
            "-t",
            &WRK_THREADS.min(conns).to_string(),
            "-c",
            &conns.to_string(),
            "-d",
            &format!("{seconds}s"),
            url,
        ])
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("wrk failed: {text}"));
    }
    if let Some(line) = text
        .lines()
        .find(|l| l.contains("Non-2xx") || l.contains("Socket errors"))
    {
        return Err(format!("wrk saw errors against {url}: {line}"));
    }
    let requests = text
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .ok_or_else(|| format!("no request count in wrk's output: {text}"))?;
    let per_sec = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk's output: {text}"))?;
    Ok(WrkRun { requests, per_sec })
}

/// True if `wrk` can be run.
pub fn wrk_available() -> bool {
    Command::new("wrk")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Measures the `http_wrk` rows: req/s and server CPU µs per request for
/// each connection count, `samples` rounds each: the three `http_hello`
/// servers, then hyper on `runtime` against hyper on tokio (their rows
/// have no smol column).
pub fn measure_wrk(server_exe: &Path, workers: usize, samples: usize) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for conns in WRK_CONNECTIONS {
        rows.extend(measure_servers(
            server_exe,
            &COLUMNS,
            "http_wrk",
            "(wrk, server in its own process)",
            workers,
            conns,
            samples,
        )?);
    }
    for conns in WRK_CONNECTIONS {
        rows.extend(measure_servers(
            server_exe,
            &["hyper-runtime", "hyper-tokio"],
            "http_wrk hyper",
            "(hyper 1.x: runtime::hyper vs TokioIo)",
            workers,
            conns,
            samples,
        )?);
    }
    Ok(rows)
}

/// One pair of rows (req/s, CPU per request) for `servers` (at most the
/// three columns; missing columns are NaN, shown as "–").
fn measure_servers(
    server_exe: &Path,
    servers: &[&str],
    name: &str,
    note: &str,
    workers: usize,
    conns: usize,
    samples: usize,
) -> Result<Vec<Row>, String> {
    eprint!("[wrk] {name}, {conns} connections ... ");
    let running = servers
        .iter()
        .map(|server| Server::start(server_exe, server, workers))
        .collect::<Result<Vec<_>, _>>()?;
    for server in &running {
        run_wrk(&server.url, conns, 1)?; // warm-up
    }
    let mut rates: [Vec<f64>; 3] = Default::default();
    let mut cpu: [Vec<f64>; 3] = Default::default();
    for round in 0..samples {
        for k in 0..running.len() {
            let i = (round + k) % running.len();
            let before = running[i].cpu_time();
            let run = run_wrk(&running[i].url, conns, WRK_SECONDS)?;
            let used = running[i].cpu_time() - before;
            rates[i].push(run.per_sec);
            cpu[i].push(used.as_secs_f64() / run.requests.max(1) as f64);
        }
    }
    drop(running);
    let stats = |v: &Vec<f64>| {
        if v.is_empty() {
            Stats {
                median: f64::NAN,
                min: f64::NAN,
            }
        } else {
            Stats::of(v)
        }
    };
    let rate_stats = [stats(&rates[0]), stats(&rates[1]), stats(&rates[2])];
    eprintln!(
        "{}",
        servers
            .iter()
            .zip(&rate_stats)
            .map(|(c, s)| format!("{c} {:.0} req/s", s.median))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(vec![
        Row {
            label: format!("{name} {conns} conns req/s {note}"),
            metric: Metric::Rate,
            stats: rate_stats,
            floor: None,
        },
        Row {
            label: format!("{name} {conns} conns server CPU per request"),
            metric: Metric::Time,
            stats: [stats(&cpu[0]), stats(&cpu[1]), stats(&cpu[2])],
            floor: None,
        },
    ])
}
