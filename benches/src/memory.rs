//! The `memory_per_task` row: resident memory per sleeping task.
//!
//! Each runtime runs in a process of its own (the `memory` binary), so one
//! runtime's freed pages cannot be reused by the next and hide its cost.
//! The process builds the runtime, lets a thousand tasks sleep to warm the
//! allocator and the timer, reads its RSS, puts [`MEMORY_TASKS`] more
//! tasks to sleep on the runtime's own timer, reads its RSS again and
//! prints the difference per task. Rounds rotate the order of the three.

use crate::harness::{Metric, Row, Stats, COLUMNS};
use std::path::Path;
use std::process::Command;

/// Tasks asleep at once in each measurement.
pub const MEMORY_TASKS: usize = 1_000_000;

fn run_once(exe: &Path, runtime: &str, workers: usize) -> Result<f64, String> {
    let out = Command::new(exe)
        .args([runtime, &workers.to_string(), &MEMORY_TASKS.to_string()])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "{runtime}: memory exited with {}: {text}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    text.lines()
        .find_map(|l| l.strip_prefix("bytes per task: "))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("{runtime}: no `bytes per task` in {text:?}"))
}

/// Measures the `memory_per_task` row, `samples` processes per runtime.
pub fn measure_memory(exe: &Path, workers: usize, samples: usize) -> Result<Row, String> {
    eprint!("[memory] {MEMORY_TASKS} sleeping tasks ... ");
    let mut bytes: [Vec<f64>; 3] = Default::default();
    for round in 0..samples {
        for k in 0..COLUMNS.len() {
            let i = (round + k) % COLUMNS.len();
            bytes[i].push(run_once(exe, COLUMNS[i], workers)?);
        }
    }
    let stats = bytes.map(|v| Stats::of(&v));
    eprintln!(
        "{}",
        COLUMNS
            .iter()
            .zip(&stats)
            .map(|(c, s)| format!("{c} {:.0} B", s.median))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(Row {
        label: format!(
            "memory_per_task ({}M asleep, RSS, own process)",
            MEMORY_TASKS / 1_000_000
        ),
        metric: Metric::Bytes,
        stats,
        floor: None,
    })
}
