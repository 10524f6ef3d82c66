//! The measuring harness behind `cargo bench -p runtime-benches`.
//!
//! For every selected workload it builds the three runtimes once (same
//! worker count), runs the workload once on each as a warm-up, then runs
//! `--samples` rounds. Within a round every runtime runs the workload once;
//! the runtime that goes first rotates from round to round so that none is
//! systematically favoured by what ran just before it. The medians and
//! minimums over the samples end up in two markdown tables. Each round
//! also runs the workload's floor (`floor.rs`: the same work with no
//! runtime), where it has one: the tables' "floor" column and "runtime /
//! floor" ratio.
//!
//! Arguments (after `--`):
//!
//! * `--samples N` — sample rounds per workload (default 15);
//! * `--workers N` — worker threads for every runtime (default: CPUs);
//! * `--only a,b` — run only these workloads (see [`Workload::name`]);
//!   `http_wrk` selects the wrk-driven rows (`wrk.rs`) and
//!   `memory_per_task` the memory row (`memory.rs`), which a full run
//!   (`--bench`) includes and a smoke pass never runs.
//!
//! `cargo bench` also passes `--bench`. Without it (as under
//! `cargo test --benches`) the binary runs a quick smoke pass instead: one
//! sample at 1/100 of the sizes, no warm-up.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::{
    calibrate_unit, fanout_sequential, Bench, Floor, RuntimeBench, Sample, Sizes, SmolBench,
    TokioBench, Workload,
};

/// Column headers, in the order of `Row::medians`.
pub const COLUMNS: [&str; 3] = ["runtime", "tokio", "smol"];

/// Parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Sample rounds per workload.
    pub samples: usize,
    /// Worker threads for every runtime.
    pub workers: usize,
    /// Workloads to run, in table order.
    pub workloads: Vec<Workload>,
    /// Whether `--bench` was passed (full run); otherwise a smoke pass.
    pub bench: bool,
    /// Whether to run the `http_wrk` rows (`--only http_wrk`, or no
    /// `--only`; full runs only).
    pub wrk: bool,
    /// Whether to run the `memory_per_task` row (`--only memory_per_task`,
    /// or no `--only`; full runs only).
    pub memory: bool,
}

const USAGE: &str = "usage: cargo bench -p runtime-benches -- \
                     [--samples N] [--workers N] [--only name1,name2]";

/// The `--only` name of the wrk-driven rows (`wrk.rs`).
pub const WRK_ROWS: &str = "http_wrk";

/// The `--only` name of the memory row (`memory.rs`).
pub const MEMORY_ROW: &str = "memory_per_task";

impl Config {
    /// Parses the arguments (without the program name).
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
        let mut cfg = Config {
            samples: 15,
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            workloads: Workload::ALL.to_vec(),
            bench: false,
            wrk: true,
            memory: true,
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
            };
            match flag.as_str() {
                "--bench" => cfg.bench = true,
                "--samples" => cfg.samples = positive(&flag, &value()?)?,
                "--workers" => cfg.workers = positive(&flag, &value()?)?,
                "--only" => {
                    let list = value()?;
                    let mut chosen = Vec::new();
                    cfg.wrk = false;
                    cfg.memory = false;
                    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        if name == WRK_ROWS {
                            cfg.wrk = true;
                            continue;
                        }
                        if name == MEMORY_ROW {
                            cfg.memory = true;
                            continue;
                        }
                        let w = Workload::from_name(name).ok_or_else(|| {
                            let names: Vec<_> = Workload::ALL.iter().map(|w| w.name()).collect();
                            format!(
                                "unknown workload `{name}`; known: {}, {WRK_ROWS}, {MEMORY_ROW}",
                                names.join(", ")
                            )
                        })?;
                        chosen.push(w);
                    }
                    if chosen.is_empty() && !cfg.wrk && !cfg.memory {
                        return Err(format!("--only needs at least one workload\n{USAGE}"));
                    }
                    cfg.workloads = Workload::ALL
                        .into_iter()
                        .filter(|w| chosen.contains(w))
                        .collect();
                }
                "-h" | "--help" => return Err(USAGE.to_string()),
                other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
            }
        }
        Ok(cfg)
    }
}

fn positive(flag: &str, v: &str) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{flag} expects a positive integer, got `{v}`")),
    }
}

/// Median and minimum of a set of samples.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    /// Median (mean of the two middle values for an even count).
    pub median: f64,
    /// Minimum.
    pub min: f64,
}

impl Stats {
    /// Stats of `values` (which must not be empty).
    pub fn of(values: &[f64]) -> Stats {
        assert!(!values.is_empty(), "no samples");
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Stats { median, min: v[0] }
    }
}

/// What a row measures, which decides formatting and the ratio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Wall-clock time, seconds; lower is better.
    Time,
    /// Timer lateness, seconds; lower is better.
    Lateness,
    /// Speed-up over one thread; higher is better (no ratio: the time row
    /// above it carries the same comparison).
    Speedup,
    /// Messages per second; higher is better, so its ratio is the best
    /// peer's rate over `runtime`'s (below 1.00: `runtime` is ahead, as in
    /// every other row). In the minimums table: the best rate, from the
    /// fastest run.
    Rate,
    /// Bytes; lower is better.
    Bytes,
}

/// One table row: stats per runtime, in [`COLUMNS`] order.
#[derive(Clone, Debug)]
pub struct Row {
    /// First cell.
    pub label: String,
    /// How to format the cells.
    pub metric: Metric,
    /// Stats per runtime.
    pub stats: [Stats; 3],
    /// The same work with no runtime (`floor.rs`), where there is a floor.
    pub floor: Option<Stats>,
}

impl Row {
    fn cell(&self, value: f64) -> String {
        if value.is_nan() {
            return "–".to_string(); // this runtime has no such row
        }
        match self.metric {
            Metric::Time | Metric::Lateness => fmt_secs(value),
            Metric::Speedup => format!("{value:.2}×"),
            Metric::Rate => fmt_rate(value),
            Metric::Bytes => format!("{value:.0} B"),
        }
    }

    fn ratio(&self, pick: fn(&Stats) -> f64) -> String {
        let ours = pick(&self.stats[0]);
        let peers = self.stats[1..].iter().map(pick);
        let ratio = match self.metric {
            Metric::Speedup => return "–".to_string(),
            // Higher is better: best peer over ours, so that below 1.00
            // still reads "runtime is ahead".
            Metric::Rate => peers.fold(0.0, f64::max) / ours,
            Metric::Time | Metric::Lateness | Metric::Bytes => {
                ours / peers.fold(f64::INFINITY, f64::min)
            }
        };
        ratio_cell(ratio)
    }

    /// `runtime` over the floor (above 1.00: the distance to the floor).
    fn floor_ratio(&self, pick: fn(&Stats) -> f64) -> String {
        let (Some(floor), ours) = (self.floor.as_ref(), pick(&self.stats[0])) else {
            return "–".to_string();
        };
        let ratio = match self.metric {
            Metric::Speedup => return "–".to_string(),
            Metric::Rate => pick(floor) / ours,
            Metric::Time | Metric::Lateness | Metric::Bytes => ours / pick(floor),
        };
        ratio_cell(ratio)
    }
}

fn ratio_cell(ratio: f64) -> String {
    if ratio.is_finite() && ratio > 0.0 {
        format!("{ratio:.2}")
    } else {
        "–".to_string()
    }
}

/// Formats seconds with three significant digits: `12.3 ms`, `456 µs`.
pub fn fmt_secs(secs: f64) -> String {
    let ns = secs * 1e9;
    let (v, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    let prec = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.prec$} {unit}")
}

/// Formats a rate with three significant digits: `157k/s`, `1.23M/s`.
pub fn fmt_rate(per_sec: f64) -> String {
    let (v, unit) = if per_sec >= 1e6 {
        (per_sec / 1e6, "M")
    } else if per_sec >= 1e3 {
        (per_sec / 1e3, "k")
    } else {
        (per_sec, "")
    };
    let prec = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.prec$}{unit}/s")
}

/// Renders rows as a markdown table, using the median or the minimum.
pub fn table(rows: &[Row], pick: fn(&Stats) -> f64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| workload | {} | floor | runtime / fastest peer | runtime / floor |",
        COLUMNS.join(" | ")
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for row in rows {
        let cells: Vec<String> = row.stats.iter().map(|s| row.cell(pick(s))).collect();
        let floor = row
            .floor
            .as_ref()
            .map_or_else(|| "–".to_string(), |f| row.cell(pick(f)));
        let _ = writeln!(
            out,
            "| {} | {} | {floor} | {} | {} |",
            row.label,
            cells.join(" | "),
            row.ratio(pick),
            row.floor_ratio(pick),
        );
    }
    out
}

/// Runs one workload on the three runtimes and returns its rows.
pub fn measure(workload: Workload, cfg: &Config, sizes: &Sizes, warm_up: bool) -> Vec<Row> {
    let benches: [Box<dyn Bench>; 3] = [
        Box::new(RuntimeBench::new(cfg.workers)),
        Box::new(TokioBench::new(cfg.workers)),
        Box::new(SmolBench::new(cfg.workers)),
    ];
    debug_assert!(benches.iter().map(|b| b.name()).eq(COLUMNS));
    let floor = Floor::has(workload).then(|| Floor::new(cfg.workers));
    let fanout = workload == Workload::FanoutCompute;
    if warm_up {
        for b in &benches {
            workload.run(b.as_ref(), sizes);
        }
        if let Some(floor) = &floor {
            floor.run(workload, sizes);
        }
        if fanout {
            fanout_sequential(sizes.fanout_tasks, sizes.unit_iters);
        }
    }
    let mut samples: [Vec<Sample>; 3] = Default::default();
    let mut floor_samples: Vec<Sample> = Vec::new();
    let mut sequential = Vec::new();
    for round in 0..cfg.samples {
        for k in 0..benches.len() {
            let i = (round + k) % benches.len();
            settle();
            samples[i].push(workload.run(benches[i].as_ref(), sizes));
        }
        if let Some(floor) = &floor {
            settle();
            floor_samples.extend(floor.run(workload, sizes));
        }
        if fanout {
            settle();
            sequential.push(fanout_sequential(sizes.fanout_tasks, sizes.unit_iters).as_secs_f64());
        }
    }
    drop(benches);
    drop(floor);
    let floor_of = |f: &dyn Fn(&Sample) -> Option<f64>| -> Option<Stats> {
        let values: Option<Vec<f64>> = floor_samples.iter().map(f).collect();
        values.filter(|v| !v.is_empty()).map(|v| Stats::of(&v))
    };
    let floor_time = floor_of(&|s| s.time.map(|t| t.as_secs_f64()));

    let stats_of = |f: &dyn Fn(&Sample) -> Option<f64>| -> Option<[Stats; 3]> {
        let mut out = [Stats::default(); 3];
        for (o, s) in out.iter_mut().zip(&samples) {
            let values: Option<Vec<f64>> = s.iter().map(f).collect();
            *o = Stats::of(&values?);
        }
        Some(out)
    };
    let times = stats_of(&|s| s.time.map(|t| t.as_secs_f64()));
    let mut rows = Vec::new();
    if let Some(times) = times {
        rows.push(Row {
            label: workload.label(sizes),
            metric: Metric::Time,
            stats: times,
            floor: floor_time,
        });
    }
    for (k, (label, _)) in samples[0][0].latencies.iter().enumerate() {
        let stats = stats_of(&|s| s.latencies.get(k).map(|(_, d)| d.as_secs_f64()))
            .expect("every runtime reports the same latencies");
        let label = if times.is_some() {
            format!("{} {label}", workload.name())
        } else {
            format!("{} {label}", workload.label(sizes))
        };
        let floor = floor_of(&|s| s.latencies.get(k).map(|(_, d)| d.as_secs_f64()));
        rows.push(Row {
            label,
            metric: Metric::Lateness,
            stats,
            floor,
        });
    }
    let throughput = match workload {
        Workload::TcpEcho => Some(((sizes.tcp_conns * sizes.tcp_msgs) as f64, "msgs/s")),
        Workload::HttpHello => Some(((sizes.http_conns * sizes.http_reqs) as f64, "req/s")),
        _ => None,
    };
    if let Some((messages, unit)) = throughput {
        let rate = |t: &Stats| Stats {
            median: messages / t.median,
            min: messages / t.min,
        };
        rows.push(Row {
            label: format!("{} {unit}", workload.name()),
            metric: Metric::Rate,
            stats: times.expect("a throughput row has times").map(|t| rate(&t)),
            floor: floor_time.as_ref().map(rate),
        });
    }
    if fanout {
        let seq = Stats::of(&sequential);
        let speedup = |t: &Stats| Stats {
            median: seq.median / t.median,
            min: seq.min / t.min,
        };
        rows.push(Row {
            label: format!(
                "{} speed-up vs 1 thread ({})",
                workload.name(),
                fmt_secs(seq.median)
            ),
            metric: Metric::Speedup,
            stats: times.expect("fan-out has times").map(|t| speedup(&t)),
            floor: None,
        });
    }
    rows
}

/// Pause between runs so that the previous runtime's workers finish
/// freeing the last run's tasks and go idle before the next runtime starts:
/// on a small machine their spinning would otherwise be charged to whoever
/// runs next.
fn settle() {
    std::thread::sleep(Duration::from_millis(SETTLE_MS));
}

const SETTLE_MS: u64 = 20;

/// `YYYY-MM-DD HH:MM UTC` for now.
pub fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// Kernel release, architecture and CPU model, as far as known.
pub fn machine_info() -> String {
    let read = |p: &str| std::fs::read_to_string(p).ok();
    let kernel = read("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown kernel".to_string());
    let cpu = read("/proc/cpuinfo")
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!(
        "{} {kernel} {} — {cpu} ({cpus} CPUs)",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// Runs the selected workloads and returns the whole report.
/// `server_exe` is the `http_server` binary, for the wrk rows;
/// `memory_exe` the `memory` binary, for the memory row.
pub fn run(cfg: &Config, server_exe: Option<&Path>, memory_exe: Option<&Path>) -> String {
    let needs_unit = cfg.workloads.contains(&Workload::FanoutCompute);
    let unit_iters = if needs_unit {
        calibrate_unit(Sizes::UNIT)
    } else {
        1
    };
    let (sizes, warm_up, cfg) = if cfg.bench {
        (Sizes::full(unit_iters), true, cfg.clone())
    } else {
        let smoke = Config {
            samples: 1,
            ..cfg.clone()
        };
        (Sizes::full(unit_iters).scaled_down(100), false, smoke)
    };
    let cfg = &cfg;
    let mut rows = Vec::new();
    for (n, &w) in cfg.workloads.iter().enumerate() {
        eprint!(
            "[{}/{}] {} ... ",
            n + 1,
            cfg.workloads.len(),
            w.label(&sizes)
        );
        let new = measure(w, cfg, &sizes, warm_up);
        let summary: Vec<String> = COLUMNS
            .iter()
            .zip(&new[0].stats)
            .map(|(c, s)| format!("{c} {}", fmt_secs(s.median)))
            .collect();
        eprintln!("{}", summary.join(", "));
        rows.extend(new);
    }
    let mut notes = Vec::new();
    if cfg.memory && warm_up {
        match memory_exe {
            None => notes.push("memory_per_task skipped: no memory binary given".to_string()),
            Some(exe) => match crate::measure_memory(exe, cfg.workers, cfg.samples.min(3)) {
                Ok(row) => rows.push(row),
                Err(error) => notes.push(format!("memory_per_task failed: {error}")),
            },
        }
    }
    if cfg.wrk && warm_up {
        match server_exe {
            _ if !crate::wrk::wrk_available() => notes.push(
                "http_wrk rows skipped: `wrk` is not installed (Debian package `wrk`)".to_string(),
            ),
            None => notes.push("http_wrk rows skipped: no http_server binary given".to_string()),
            Some(exe) => match crate::measure_wrk(exe, cfg.workers, cfg.samples.min(5)) {
                Ok(wrk_rows) => rows.extend(wrk_rows),
                Err(error) => notes.push(format!("http_wrk rows failed: {error}")),
            },
        }
    }
    for note in &notes {
        eprintln!("{note}");
    }

    let mut out = String::new();
    let _ = writeln!(
        out,
        "runtime-benches — {} — workers: {} — samples: {}{} — {}",
        utc_now(),
        cfg.workers,
        cfg.samples,
        if warm_up {
            " (+1 warm-up)"
        } else {
            " (smoke pass, sizes / 100)"
        },
        machine_info()
    );
    if needs_unit {
        let _ = writeln!(
            out,
            "fanout unit: {} hash iterations ≈ {} (calibrated)",
            sizes.unit_iters,
            fmt_secs(sizes.unit.as_secs_f64())
        );
    }
    for note in &notes {
        let _ = writeln!(out, "{note}");
    }
    let _ = writeln!(out, "\nMedians:\n");
    out.push_str(&table(&rows, |s| s.median));
    let _ = writeln!(out, "\nMinimums:\n");
    out.push_str(&table(&rows, |s| s.min));
    out
}

/// Entry point of the `compare` bench target; `server_exe` is the
/// `http_server` binary for the wrk rows.
pub fn main(server_exe: Option<&Path>, memory_exe: Option<&Path>) -> ExitCode {
    match Config::parse(std::env::args().skip(1)) {
        Ok(cfg) => {
            print!("{}", run(&cfg, server_exe, memory_exe));
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_arguments() {
        let cfg = Config::parse(args(
            "--samples 3 --workers=4 --only timers,ping_pong --bench",
        ))
        .unwrap();
        assert_eq!(cfg.samples, 3);
        assert_eq!(cfg.workers, 4);
        assert!(cfg.bench);
        // Table order, not command-line order.
        assert_eq!(cfg.workloads, vec![Workload::PingPong, Workload::Timers]);

        let cfg = Config::parse(args("")).unwrap();
        assert_eq!(cfg.samples, 15);
        assert_eq!(cfg.workloads.len(), Workload::ALL.len());
        assert!(!cfg.bench);

        assert!(Config::parse(args("--samples 0")).is_err());
        assert!(Config::parse(args("--samples")).is_err());
        assert!(Config::parse(args("--only nope")).is_err());
        assert!(Config::parse(args("--frobnicate")).is_err());
    }

    #[test]
    fn stats_median_and_min() {
        assert_eq!(
            Stats::of(&[3.0, 1.0, 2.0]),
            Stats {
                median: 2.0,
                min: 1.0
            }
        );
        assert_eq!(Stats::of(&[4.0, 1.0, 2.0, 3.0]).median, 2.5);
    }

    #[test]
    fn formats_durations() {
        assert_eq!(fmt_secs(0.0123), "12.3 ms");
        assert_eq!(fmt_secs(0.000_456), "456 µs");
        assert_eq!(fmt_secs(1.5), "1.50 s");
        assert_eq!(fmt_secs(42e-9), "42.0 ns");
        assert_eq!(fmt_rate(157_000.0), "157k/s");
        assert_eq!(fmt_rate(1_234_000.0), "1.23M/s");
        assert_eq!(fmt_rate(12.0), "12.0/s");
    }

    #[test]
    fn renders_table_with_ratio() {
        let s = |m: f64| Stats { median: m, min: m };
        let rows = [
            Row {
                label: "spawn_many_local (100k)".into(),
                metric: Metric::Time,
                stats: [s(0.0123), s(0.0469), s(0.0332)],
                floor: Some(s(0.00615)),
            },
            Row {
                label: "x speed-up".into(),
                metric: Metric::Speedup,
                stats: [s(1.9), s(1.8), s(1.7)],
                floor: None,
            },
        ];
        let t = table(&rows, |s| s.median);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0],
            "| workload | runtime | tokio | smol | floor | runtime / fastest peer | runtime / floor |"
        );
        assert_eq!(
            lines[2],
            "| spawn_many_local (100k) | 12.3 ms | 46.9 ms | 33.2 ms | 6.15 ms | 0.37 | 2.00 |"
        );
        assert_eq!(
            lines[3],
            "| x speed-up | 1.90× | 1.80× | 1.70× | – | – | – |"
        );
    }

    #[test]
    fn date_is_plausible() {
        let d = utc_now();
        assert!(d.ends_with(" UTC") && d.len() == 20, "{d}");
        assert!(d.as_str() >= "2024-01-01");
    }
}
