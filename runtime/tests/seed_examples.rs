//! Runs each example that mirrors an asyncio tutorial (`runtime/examples/s*_*.rs`,
//! catalogued in `docs/seed-examples.md`) and checks what it prints.
//!
//! The examples are separate binaries in `target/<profile>/examples/`, next
//! to the `deps/` directory that holds this test's executable. `cargo test
//! -p runtime` builds them before its tests; with `--test seed_examples`
//! alone, [`ensure_examples_built`] builds them if they are missing or stale.
//! A child that hangs is killed after [`TIMEOUT`] and fails its test.
//!
//! Output is checked line by line. Where several tasks print at the same
//! instant on different workers, their lines are checked as a group in any
//! order ([`assert_groups`]): asyncio's single thread fixes that order, a
//! work-stealing runtime does not. Everything the tutorials order by sleeps
//! is checked in order. No test asserts a duration.

#[cfg(feature = "tokio-io")]
#[path = "support/postgres.rs"]
mod postgres;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

/// How long an example may run before it counts as hung and is killed.
const TIMEOUT: Duration = Duration::from_secs(30);

/// What an example printed.
struct Output {
    stdout: String,
}

impl Output {
    fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}

/// `target/<profile>`, the parent of this test's `deps/` directory.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("cannot find the test executable");
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("the test executable is not in target/<profile>/deps")
        .to_path_buf()
}

/// `target/<profile>/examples/<name>`, found from this test's own path
/// (`target/<profile>/deps/seed_examples-<hash>`).
fn example_path(name: &str) -> PathBuf {
    profile_dir()
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// Makes sure the example binaries exist and are newer than the sources
/// they are built from, building them if not (once per test run).
///
/// `cargo test -p runtime` builds the examples before its tests, but `cargo
/// test -p runtime --test seed_examples` builds none, and would run stale
/// or missing binaries. Building only when needed matters: under `cargo
/// test --workspace` the examples are already fresh, and rebuilding them
/// with `-p runtime` would resolve dependency features differently and
/// rebuild half the tree on every run.
fn ensure_examples_built() {
    static CHECKED: OnceLock<Result<(), String>> = OnceLock::new();
    let result = CHECKED.get_or_init(|| {
        let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let examples = manifest_dir.join("examples");
        let common = [
            manifest_dir.join("Cargo.toml"),
            manifest_dir.join("src"),
            manifest_dir.join("examples/support"),
            manifest_dir.join("../runtime-macros/src"),
        ];
        let common_newest = common.iter().filter_map(|p| newest_mtime(p)).max();
        let any_stale = std::fs::read_dir(&examples)
            .map_err(|e| format!("cannot list {}: {e}", examples.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter_map(|src| {
                let name = src.file_name()?.to_str()?.strip_suffix(".rs")?.to_string();
                Some((name, newest_mtime(&src).max(common_newest)))
            })
            // A twin whose feature this test run lacks is not built.
            .filter(|(name, _)| {
                FEATURE_TWINS
                    .iter()
                    .all(|(twin, feature)| twin != name || enabled_features().contains(feature))
            })
            .any(|(name, newest_input)| {
                let built = std::fs::metadata(example_path(&name)).and_then(|m| m.modified());
                built.map_or(true, |built| Some(built) < newest_input)
            });
        if !any_stale {
            return Ok(());
        }

        // Build with the profile this test was built with: its directory is
        // the profile's name, except `debug` for `dev`.
        let profile = match profile_dir().file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev".to_string(),
            Some(other) => other.to_string(),
        };
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .args([
                "build",
                "--quiet",
                "-p",
                "runtime",
                "--examples",
                "--profile",
            ])
            .arg(&profile);
        if !enabled_features().is_empty() {
            build.arg("--features").arg(enabled_features().join(","));
        }
        let output = build
            .current_dir(&manifest_dir)
            .output()
            .map_err(|e| format!("failed to run cargo: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    });
    if let Err(error) = result {
        panic!("building the examples failed:\n{error}");
    }
}

/// Twins that need an optional feature (their `required-features` in
/// `Cargo.toml`): built, and tested, only when this test is.
const FEATURE_TWINS: &[(&str, &str)] = &[
    ("s2_aiohttp_fetch", "hyper"),
    ("s3_aiohttp_gather", "hyper"),
    ("s1_aiohttp_gather_ten", "hyper"),
    ("s1_web_scraper", "hyper"),
    ("s1_aiomysql_query", "tokio-io"),
];

/// The optional features this test was built with.
fn enabled_features() -> Vec<&'static str> {
    let mut features = Vec::new();
    if cfg!(feature = "hyper") {
        features.push("hyper");
    }
    if cfg!(feature = "tokio-io") {
        features.push("tokio-io");
    }
    features
}

/// The newest modification time of a file, or of the files under a
/// directory.
fn newest_mtime(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(|entry| newest_mtime(&entry.ok()?.path()))
        .max()
}

/// Reads a child's pipe to the end on a thread, so a chatty child never
/// blocks on a full pipe.
fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// Runs the example `name` to completion (killing it after [`TIMEOUT`]) and
/// returns its stdout; fails the test if it hangs or exits unsuccessfully.
fn run_example(name: &str) -> Output {
    run_example_with_args(name, &[])
}

/// [`run_example`] with command-line arguments.
fn run_example_with_args(name: &str, args: &[&str]) -> Output {
    ensure_examples_built();
    let path = example_path(name);
    assert!(
        path.exists(),
        "example binary {} not found after building the examples",
        path.display()
    );
    let mut child = Command::new(&path)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("failed to start {}: {e}", path.display()));
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));

    let start = Instant::now();
    let status: ExitStatus = loop {
        if let Some(status) = child.try_wait().expect("failed to poll the example") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            // Not joining the readers: a grandchild may still hold the pipes.
            panic!("{name} did not finish within {TIMEOUT:?} and was killed");
        }
        thread::sleep(Duration::from_millis(10));
    };
    let stdout = stdout.join().expect("stdout reader panicked");
    let stderr = stderr.join().expect("stderr reader panicked");
    assert!(
        status.success(),
        "{name} exited with {status}\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}"
    );
    Output { stdout }
}

/// Runs `name` and checks that it prints exactly `expected`, line by line.
fn assert_lines(name: &str, expected: &[&str]) {
    let output = run_example(name);
    assert_eq!(output.lines(), expected, "output of {name}");
}

/// Runs `name` and checks its output as a sequence of groups: the lines of
/// each group come next, in any order among themselves. A group of one
/// line is an exact line.
fn assert_groups(name: &str, groups: &[&[&str]]) -> Output {
    let output = run_example(name);
    let lines = output.lines();
    let expected_len: usize = groups.iter().map(|g| g.len()).sum();
    assert_eq!(
        lines.len(),
        expected_len,
        "{name} printed {} lines, expected {expected_len}:\n{}",
        lines.len(),
        output.stdout
    );
    let mut at = 0;
    for group in groups {
        let mut got: Vec<&str> = lines[at..at + group.len()].to_vec();
        let mut want: Vec<&str> = group.to_vec();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(
            got, want,
            "{name}: lines {at}.. should be {group:?} in any order; full output:\n{}",
            output.stdout
        );
        at += group.len();
    }
    output
}

// ---------------------------------------------------------------------------
// Seed 000: the PW Skills asyncio tutorial.

#[test]
fn s0_my_name() {
    assert_lines("s0_my_name", &["hello", "My name is Sahil."]);
}

#[test]
fn s0_async_counter() {
    assert_lines("s0_async_counter", &["0", "1", "2", "3", "4"]);
}

#[test]
fn s0_task_lifecycle() {
    assert_lines(
        "s0_task_lifecycle",
        &[
            "name: MyTask",
            "renamed: MyRenamedTask",
            "all_tasks: [\"MyRenamedTask\"]",
            "done: false",
            "result: not ready yet (asyncio: InvalidStateError)",
            "done callback: MyRenamedTask is completed",
            "done: true",
            "result: task result",
            "cancel() after it finished: false",
            "cancel() while it runs: true",
            "awaiting it: task was cancelled (asyncio: CancelledError)",
            "cancelled: true",
            "cancel() again: false",
        ],
    );
}

// ---------------------------------------------------------------------------
// Seed 001: the "Python Async Programming" tutorial.

#[test]
fn s1_hello_world() {
    assert_lines("s1_hello_world", &["Hello", "World"]);
}

#[test]
fn s1_future() {
    assert_lines("s1_future", &["Data"]);
}

#[test]
fn s1_gather_two_tasks() {
    assert_lines(
        "s1_gather_two_tasks",
        &["Task 1 completed", "Task 2 completed"],
    );
}

#[test]
fn s1_fetch_data() {
    assert_lines(
        "s1_fetch_data",
        &[
            "Fetching data from: https://example.com",
            "Data fetched from: https://example.com",
            "Received data: Data from https://example.com",
        ],
    );
}

#[test]
fn s1_gather_started_completed() {
    // gather! polls in argument order inside one task, so even the two
    // "started" lines are ordered, as in asyncio.
    assert_lines(
        "s1_gather_started_completed",
        &[
            "Task 1 started",
            "Task 2 started",
            "Task 2 completed",
            "Task 1 completed",
        ],
    );
}

#[test]
fn s1_create_task() {
    // Both tasks start before either finishes (they overlap), and the
    // shorter sleep finishes first.
    assert_groups(
        "s1_create_task",
        &[
            &["Task 1 started", "Task 2 started"],
            &["Task 2 completed"],
            &["Task 1 completed"],
        ],
    );
}

#[test]
fn s1_greet() {
    assert_lines("s1_greet", &["Hello", "World"]);
}

#[test]
fn s1_greet_chain() {
    assert_lines("s1_greet_chain", &["Hello", "My name is John", "World"]);
}

#[test]
fn s1_greet_tasks() {
    // Both greetings start before either sleep ends (they overlap).
    let output = assert_groups(
        "s1_greet_tasks",
        &[
            &["Hello", "Hello"],
            &["My name is John", "My name is John", "World", "World"],
        ],
    );
    // The two tasks may interleave, but each says its name before "World".
    let mut names = 0;
    for line in &output.lines()[2..] {
        match *line {
            "My name is John" => names += 1,
            _ => {
                assert!(
                    names > 0,
                    "a \"World\" came before its name:\n{}",
                    output.stdout
                );
                names -= 1;
            }
        }
    }
}

#[test]
fn s1_run_forever() {
    assert_lines("s1_run_forever", &[]);
}

#[test]
fn s1_create_task_loop() {
    assert_lines("s1_create_task_loop", &["Hello, async world!"]);
}

#[test]
fn s1_semaphore() {
    // Five of each line; the number of workers between "started" and
    // "finished" never exceeds the semaphore's 2, and reaches it (two run
    // at once).
    let output = run_example("s1_semaphore");
    let lines = output.lines();
    let count = |text: &str| lines.iter().filter(|line| **line == text).count();
    assert_eq!(
        (count("Task started"), count("Task finished"), lines.len()),
        (5, 5, 10),
        "unexpected output:\n{}",
        output.stdout
    );
    let mut running = 0;
    let mut most = 0;
    for line in &lines {
        if *line == "Task started" {
            running += 1;
        } else {
            assert!(running > 0, "a finish without a start:\n{}", output.stdout);
            running -= 1;
        }
        most = most.max(running);
    }
    assert_eq!(
        most, 2,
        "the semaphore should let exactly two run at once:\n{}",
        output.stdout
    );
}

#[test]
fn s1_call_soon_later() {
    assert_lines(
        "s1_call_soon_later",
        &["Callback function called", "Callback function called"],
    );
}

#[test]
fn s1_wait_for_timeout() {
    assert_lines("s1_wait_for_timeout", &["The operation timed out"]);
}

#[test]
fn s1_shield_timeout() {
    // The caller times out at 3 (tutorial) seconds; the shielded work
    // carries on and finishes at 5.
    assert_lines(
        "s1_shield_timeout",
        &[
            "The operation timed out",
            "fetch_data finished anyway (shielded)",
        ],
    );
}

#[test]
fn s1_delay() {
    assert_lines("s1_delay", &["Before delay", "After delay"]);
}

#[test]
fn s1_cpu_gather() {
    // The two tasks run in parallel: their lines may interleave in any
    // way, but each task says it is calculating before it is done.
    let output = run_example("s1_cpu_gather");
    let lines = output.lines();
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "Calculating product...",
            "Calculating sum...",
            "Product calculated!",
            "Sum calculated!",
        ],
        "unexpected output:\n{}",
        output.stdout
    );
    let at = |text: &str| lines.iter().position(|line| *line == text).unwrap();
    assert!(
        at("Calculating sum...") < at("Sum calculated!")
            && at("Calculating product...") < at("Product calculated!"),
        "a task finished before it started:\n{}",
        output.stdout
    );
}

#[test]
fn s1_divide() {
    assert_lines(
        "s1_divide",
        &["The result is: 2.0", "Error: Cannot divide by zero"],
    );
}

#[test]
fn s1_task_errors() {
    assert_lines(
        "s1_task_errors",
        &["Error in task1: Something went wrong in task1"],
    );
}

#[test]
fn s1_executor_from_outside() {
    assert_lines(
        "s1_executor_from_outside",
        &["blocking_function returned: done"],
    );
}

#[test]
fn s1_async_context_manager() {
    assert_lines(
        "s1_async_context_manager",
        &[
            "acquiring db",
            "using db",
            "releasing db asynchronously",
            "db released",
            "acquiring cache",
            "using cache fails: cache is unavailable",
            "cache released by Drop (no close() on this path)",
            "caught: cache is unavailable",
        ],
    );
}

// ---------------------------------------------------------------------------
// Seed 002: "What is the asyncio library in Python?" (code blocks lost).

#[test]
fn s2_say_hello() {
    assert_lines("s2_say_hello", &["Hello, World!"]);
}

#[test]
fn s2_gather_three() {
    // All three start before any finishes (they overlap); the sleeps end
    // together, so the "finished" lines may come in any order.
    assert_groups(
        "s2_gather_three",
        &[
            &["Task 1 started"],
            &["Task 2 started"],
            &["Task 3 started"],
            &["Task 1 finished", "Task 2 finished", "Task 3 finished"],
        ],
    );
}

// ---------------------------------------------------------------------------
// Seed 003: Thomas Spielauer's asyncio overview.

#[test]
fn s3_as_completed() {
    // Completion order, not start order.
    assert_lines(
        "s3_as_completed",
        &[
            "Content from http://example.com/3 after 1 seconds",
            "Content from http://example.com/2 after 2 seconds",
            "Content from http://example.com/1 after 3 seconds",
        ],
    );
}

#[test]
fn s3_say_hello_loop() {
    assert_lines("s3_say_hello_loop", &["Hello, world!"]);
}

#[test]
fn s3_say_hello_run() {
    assert_lines("s3_say_hello_run", &["Hello, world!"]);
}

#[test]
fn s3_hello_goodbye() {
    assert_lines("s3_hello_goodbye", &["Hello, world!", "Goodbye, world!"]);
}

#[test]
fn s3_periodic_run_forever() {
    // It ticks until the stop; how many times depends on the machine's load.
    let output = run_example("s3_periodic_run_forever");
    let lines = output.lines();
    assert!(!lines.is_empty(), "the periodic task never ran");
    assert!(
        lines.iter().all(|line| *line == "Task running..."),
        "unexpected output:\n{}",
        output.stdout
    );
}

#[test]
fn s3_create_task_order() {
    assert_groups(
        "s3_create_task_order",
        &[
            &["Task 2 starting", "Task 1 starting"],
            &["Task 1 done"],
            &["Task 2 done"],
        ],
    );
}

#[test]
fn s3_gather_cooperative() {
    assert_lines(
        "s3_gather_cooperative",
        &[
            "Task 1: Starting",
            "Task 2: Starting",
            "Task 2: Done",
            "Task 1: Done",
        ],
    );
}

#[test]
fn s3_sleep() {
    assert_lines("s3_sleep", &["Waiting...", "Done waiting"]);
}

#[test]
fn s3_gather_results() {
    assert_lines(
        "s3_gather_results",
        &[r#"["Task 1 complete", "Task 2 complete", "Task 3 complete"]"#],
    );
}

#[test]
fn s3_run_in_executor() {
    assert_lines("s3_run_in_executor", &["Blocking task complete"]);
}

#[test]
fn s3_thread_pool_executor() {
    assert_lines("s3_thread_pool_executor", &["Task completed in executor"]);
}

#[test]
fn s3_faulty_task() {
    assert_lines("s3_faulty_task", &["Caught an error: An error occurred"]);
}

#[test]
fn s3_to_thread() {
    assert_lines("s3_to_thread", &["Blocking task complete"]);
}

#[test]
fn s3_thread_shared_data() {
    assert_lines("s3_thread_shared_data", &["[\"Data from thread\"]"]);
}

#[test]
fn s3_thread_queue_loop() {
    let expected: Vec<String> = (0..5)
        .map(|i| format!("Processed in thread: Task {i}"))
        .collect();
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    assert_lines("s3_thread_queue_loop", &expected);
}

#[test]
fn s3_run_coroutine_threadsafe() {
    assert_lines(
        "s3_run_coroutine_threadsafe",
        &["Task received in other thread: Hello from main"],
    );
}

#[test]
fn s3_thread_lock() {
    // The thread and the coroutine race to append first.
    let output = run_example("s3_thread_lock");
    let lines = output.lines();
    assert!(
        lines == [r#"["Data from thread", "Data from async task"]"#]
            || lines == [r#"["Data from async task", "Data from thread"]"#],
        "unexpected output:\n{}",
        output.stdout
    );
}

#[test]
fn s3_asyncio_lock() {
    // The lock is FIFO and function one asks first: one holds it through
    // its sleep, then two.
    assert_lines(
        "s3_asyncio_lock",
        &[
            "Async function one completed",
            "Async function two completed",
            r#"["Data from async function one", "Data from async function two"]"#,
        ],
    );
}

#[test]
fn s3_process_worker() {
    assert_lines(
        "s3_process_worker",
        &["Async task running", "Async task done"],
    );
}

#[test]
fn s3_thread_pool_io() {
    assert_lines("s3_thread_pool_io", &["Task in thread pool"]);
}

#[test]
fn s3_process_pool_cpu() {
    assert_lines("s3_process_pool_cpu", &["499999500000"]);
}

#[test]
fn s3_process_pool_args() {
    assert_lines("s3_process_pool_args", &["Processed Task data"]);
}

#[test]
fn s3_process_pool_queue() {
    assert_lines("s3_process_pool_queue", &["Data from process"]);
}

#[test]
fn s3_gui_polling() {
    assert_lines(
        "s3_gui_polling",
        &[
            "Step 1 complete",
            "Step 2 complete",
            "Step 3 complete",
            "Step 4 complete",
            "Step 5 complete",
            "Task finished",
        ],
    );
}

#[test]
fn s3_gui_background_loop() {
    let mut expected: Vec<String> = (1..=10)
        .map(|i| format!("Async task iteration {i}"))
        .collect();
    expected.push("Async task finished".to_string());
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    assert_lines("s3_gui_background_loop", &expected);
}

#[test]
fn s3_debugging() {
    assert_lines(
        "s3_debugging",
        &[
            "debug mode: true",
            "all_tasks(): [\"stuck\", \"worker\"]",
            "worker says: current_task() is \"worker\"",
            "wait_for(stuck, timeout=0.2): TimeoutError",
            "stuck cancelled: true",
        ],
    );
}

// ---------------------------------------------------------------------------
// The seeds' I/O examples: servers run as child processes on a free port,
// clients as other processes (or, for HTTP, `curl` and a raw TCP client).

/// An example running in the background, its stdout lines arriving on a
/// channel. Dropping it kills the process (if it is still running).
struct Background {
    name: String,
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Background {
    fn start(name: &str, args: &[&str]) -> Background {
        ensure_examples_built();
        let path = example_path(name);
        let mut child = Command::new(&path)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("failed to start {}: {e}", path.display()));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Background {
            name: name.to_string(),
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (up to [`TIMEOUT`]) for the next line.
    fn next_line(&mut self) -> String {
        match self.lines.recv_timeout(TIMEOUT) {
            Ok(line) => {
                self.seen.push(line.clone());
                line
            }
            Err(_) => panic!(
                "{} printed no further line within {TIMEOUT:?}; so far: {:?}",
                self.name, self.seen
            ),
        }
    }

    /// Waits for a line starting with `prefix` and returns the rest.
    fn line_after(&mut self, prefix: &str) -> String {
        loop {
            let line = self.next_line();
            if let Some(rest) = line.strip_prefix(prefix) {
                return rest.to_string();
            }
        }
    }

    /// Waits (up to [`TIMEOUT`]) for the process to exit successfully and
    /// returns every line it printed.
    fn finish(mut self) -> Vec<String> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the example") {
                assert!(status.success(), "{} exited with {status}", self.name);
                break;
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "{} did not exit within {TIMEOUT:?}",
                self.name
            );
            thread::sleep(Duration::from_millis(10));
        }
        // The pipe closes at exit, so the reader ends.
        while let Ok(line) = self.lines.recv_timeout(TIMEOUT) {
            self.seen.push(line);
        }
        std::mem::take(&mut self.seen)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A port nothing listens on right now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a probe listener");
    listener.local_addr().expect("probe address").port()
}

/// The port at the end of `127.0.0.1:<port>`.
fn port_of(addr: &str) -> u16 {
    addr.rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {addr:?}"))
}

#[test]
fn s3_tcp_echo_server() {
    // The server on a free port, closing after one connection; the client
    // example as a separate process.
    let mut server = Background::start("s3_tcp_echo_server", &["0", "1"]);
    let port = port_of(&server.line_after("Server running on "));
    let client = run_example_with_args("s3_tcp_echo_client", &[&port.to_string()]);
    assert_eq!(
        client.lines(),
        [
            format!("Connected to 127.0.0.1:{port}").as_str(),
            "Received: Hello, Server!"
        ]
    );
    let lines = server.finish();
    assert_eq!(lines.len(), 4, "{lines:?}");
    let from = lines[1].strip_prefix("Connection from ").expect(&lines[1]);
    assert_eq!(lines[2], "Received: Hello, Server!");
    assert_eq!(lines[3], format!("Connection closed: {from}"));
}

#[test]
fn s3_tcp_echo_client() {
    // The reconnect loop: the client starts first and fails, the server
    // comes up on that port, and the next attempt gets through.
    let port = free_port().to_string();
    let mut client = Background::start("s3_tcp_echo_client", &[&port, "60"]);
    assert_eq!(
        client.next_line(),
        "Connection failed, retrying in 5 seconds..."
    );
    let mut server = Background::start("s3_tcp_echo_server", &[&port, "1"]);
    server.line_after("Server running on ");
    let lines = client.finish();
    let connected = lines
        .iter()
        .position(|l| l.starts_with("Connected to"))
        .unwrap_or_else(|| panic!("the client never connected: {lines:?}"));
    assert!(lines[..connected]
        .iter()
        .all(|l| l == "Connection failed, retrying in 5 seconds..."));
    assert_eq!(lines[connected], format!("Connected to 127.0.0.1:{port}"));
    assert_eq!(lines[connected + 1..], ["Received: Hello, Server!"]);
    server.finish();
}

#[test]
fn s3_udp_echo_server() {
    let mut server = Background::start("s3_udp_echo_server", &["0", "1"]);
    let port = port_of(&server.line_after("UDP server running on "));
    let client = run_example_with_args("s3_udp_echo_client", &[&port.to_string()]);
    assert_eq!(
        client.lines(),
        ["Sent: Hello, UDP Server!", "Received: Hello, UDP Server!"]
    );
    let lines = server.finish();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[1].starts_with("Received Hello, UDP Server! from 127.0.0.1:"),
        "{lines:?}"
    );
}

#[test]
fn s3_udp_echo_client() {
    // Without a server the datagram goes nowhere and no reply comes.
    let port = free_port().to_string();
    let output = run_example_with_args("s3_udp_echo_client", &[&port]);
    let lines = output.lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0], "Sent: Hello, UDP Server!");
    assert!(lines[1].starts_with("No reply"), "{lines:?}");
}

#[test]
fn s3_file_io() {
    assert_lines("s3_file_io", &["Hello, asyncio file I/O!"]);
}

/// Sends `request` on a new connection and reads until the server closes
/// it (every request here ends with a `Connection: close` one).
fn raw_http(port: u16, request: &str) -> String {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(TIMEOUT))
        .expect("read timeout");
    stream
        .write_all(request.as_bytes())
        .expect("send the requests");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("read the responses");
    response
}

#[test]
fn http_hello() {
    let mut server = Background::start("http_hello", &["0"]);
    let port: u16 = server
        .line_after("Server running on http://localhost:")
        .parse()
        .expect("a port");

    // Three requests on one connection (keep-alive, pipelined), the last
    // asking to close.
    let response = raw_http(
        port,
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n\
         GET /?name=Ada%20L HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc\
         GET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let parts: Vec<&str> = response.split("HTTP/1.1 ").skip(1).collect();
    assert_eq!(parts.len(), 3, "{response}");
    assert!(parts[0].starts_with("200 OK\r\n"), "{response}");
    assert!(
        parts[0].contains("Connection: keep-alive\r\n"),
        "{response}"
    );
    assert!(parts[0].ends_with("\r\n\r\nHello, world!"), "{response}");
    assert!(parts[1].ends_with("\r\n\r\nHello, Ada L!"), "{response}");
    assert!(parts[2].starts_with("404 Not Found\r\n"), "{response}");
    assert!(parts[2].contains("Connection: close\r\n"), "{response}");

    // Malformed input: 400, then the connection closes.
    let response = raw_http(port, "NONSENSE\r\n\r\n");
    assert!(
        response.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{response}"
    );

    // A real client, if there is one: two URLs on one reused connection.
    match Command::new("curl").arg("--version").output() {
        Ok(version) if version.status.success() => {
            let output = Command::new("curl")
                .args(["-s", "--http1.1", "--max-time", "30"])
                .args(["-w", "|%{http_code}|%{num_connects}\n"])
                .arg(format!("http://127.0.0.1:{port}/"))
                .arg(format!("http://127.0.0.1:{port}/?name=curl"))
                .output()
                .expect("run curl");
            assert!(output.status.success(), "curl failed: {output:?}");
            assert_eq!(
                String::from_utf8_lossy(&output.stdout),
                "Hello, world!|200|1\nHello, curl!|200|0\n",
                "the second request reuses the connection"
            );
        }
        _ => println!("note: curl is not installed; checked with the raw client only"),
    }
}

// ---- The I/O twins: real peers on this machine ----------------------------

#[cfg(feature = "hyper")]
#[test]
fn s2_aiohttp_fetch() {
    assert_lines(
        "s2_aiohttp_fetch",
        &["fetch_url: 200 OK, 179 bytes", "title: Example Domain"],
    );
}

#[cfg(feature = "hyper")]
#[test]
fn s3_aiohttp_gather() {
    assert_lines(
        "s3_aiohttp_gather",
        &[
            r#"example.com: 200 OK, 179 bytes, title "Example Domain""#,
            r#"example.org: 200 OK, 119 bytes, title "Example Org""#,
            r#"example.net: 200 OK, 178 bytes, title "Example Net""#,
        ],
    );
}

#[cfg(feature = "hyper")]
#[test]
fn s1_aiohttp_gather_ten() {
    assert_lines(
        "s1_aiohttp_gather_ten",
        &["10 responses, all the same page: true, 179 bytes each"],
    );
}

#[cfg(feature = "hyper")]
#[test]
fn s1_web_scraper() {
    assert_lines(
        "s1_web_scraper",
        &[
            r#"example.com: "Example Domain", links ["/example.org", "/example.net"]"#,
            r#"example.org: "Example Org", links ["/example.com"]"#,
            r#"example.net: "Example Net", links ["/example.com", "https://www.iana.org/domains/example"]"#,
        ],
    );
}

#[test]
fn s1_websockets_echo() {
    assert_lines(
        "s1_websockets_echo",
        &[
            "text: Processed: hello",
            "binary: 16 bytes back intact",
            "binary: 1048576 bytes back intact",
            "closed cleanly",
        ],
    );
}

/// Against a real PostgreSQL (`support/postgres.rs`: `.ci/run`'s cluster,
/// or one started here; a missing server fails under `CI=true`).
#[cfg(feature = "tokio-io")]
#[test]
fn s1_aiomysql_query() {
    let Some(server) = postgres::Postgres::get() else {
        return;
    };
    let output = run_example_with_args("s1_aiomysql_query", &[&server.dsn]);
    assert_eq!(
        output.lines(),
        [
            r#"(1, "ada", 36)"#,
            r#"(2, "grace", 45)"#,
            r#"(3, "linus", 28)"#,
            "50 of 50 concurrent queries answered correctly",
            r#"error 42P01: relation "missing_table" does not exist"#,
        ]
    );
}

#[test]
fn s3_serial_protocol() {
    assert_lines(
        "s3_serial_protocol",
        &[
            "Tag 1: Received message: answer to status?",
            "Unknown tag: 9",
            "Tag 1: Received message: answer to temperature?",
            "Tag 1: Received message: answer to firmware?",
            "3 replies, each matching its request",
        ],
    );
}

/// The device vanishes between the two connections, so at least one
/// attempt fails there (the path is gone before the line closes); how
/// many depends on timing, so failures are counted, not matched.
#[test]
fn s3_serial_reconnector() {
    let output = run_example("s3_serial_reconnector");
    let lines = output.lines();
    let failed = |l: &str| l.starts_with("Reconnection failed: ");
    for line in lines.iter().filter(|l| failed(l)) {
        assert!(line.contains("No such file or directory"), "{line}");
    }
    let lost = lines
        .iter()
        .position(|l| l.starts_with("Connection lost"))
        .expect("the first device's loss is noticed");
    let back = lines
        .iter()
        .position(|l| *l == "Reconnected successfully")
        .expect("the second device is found");
    assert!(
        lines[lost..back].iter().any(|l| failed(l)),
        "retried while the device was gone: {lines:#?}"
    );
    let events: Vec<&str> = lines.iter().copied().filter(|l| !failed(l)).collect();
    assert_eq!(
        events,
        [
            "Connected to ttyUSB0",
            "Received: hello 1",
            "Connection lost, attempting to reconnect...",
            "Reconnected successfully",
            "Received: hello 2",
            "Connection lost, attempting to reconnect...",
        ]
    );
}

/// Every `s*_*` example has a test above: a new example without one fails
/// here instead of going unchecked.
#[test]
fn every_seed_example_is_tested() {
    let this_file = include_str!("seed_examples.rs");
    let examples_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut untested = Vec::new();
    for entry in std::fs::read_dir(&examples_dir).expect("cannot list runtime/examples") {
        let path = entry.expect("cannot read runtime/examples").path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".rs"))
        else {
            continue;
        };
        let is_seed = name.len() > 3
            && name.starts_with('s')
            && name.as_bytes()[1].is_ascii_digit()
            && name.as_bytes()[2] == b'_';
        if is_seed && !this_file.contains(&format!("fn {name}()")) {
            untested.push(name.to_string());
        }
    }
    assert!(
        untested.is_empty(),
        "seed examples without a test: {untested:?}"
    );
}

/// Not a seed twin: the live metrics example (issue 10) prints one line per
/// second in which the workload's counters move.
#[test]
fn metrics_example_prints_a_live_line() {
    let output = run_example_with_args("metrics", &["2"]);
    let lines = output.lines();
    assert_eq!(lines.len(), 3, "{lines:?}");
    for (i, line) in lines[..2].iter().enumerate() {
        assert!(line.starts_with(&format!("[{}s] ", i + 1)), "{line}");
        let polls: u64 = line
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no poll rate in {line}"));
        assert!(polls > 0, "the workload polls: {line}");
        for part in ["tasks", "io", "timers", "blocking"] {
            assert!(line.contains(part), "{part} missing: {line}");
        }
    }
    assert!(lines[2].starts_with("echoed "), "{}", lines[2]);
}
