//! Child processes (asyncio's subprocesses): [`Command`] spawns, [`Child`]
//! is waited for without blocking a worker, and its pipes are async.
//!
//! # Waiting
//! On Linux 5.3+ a child is watched through a *pidfd*, registered with the
//! reactor: it becomes readable when the child exits, and the task waiting
//! is woken like any I/O waiter. Without pidfds, `wait` polls the exit
//! status on a short timer instead. Neither blocks a worker thread.
//!
//! # No zombies
//! A [`Child`] dropped before it was waited for is reaped in the
//! background (a task on the current runtime, or a thread outside one),
//! and killed first if [`Command::kill_on_drop`] was set.

mod child;
mod pipe;

pub use child::Child;
pub use pipe::{ChildStderr, ChildStdin, ChildStdout};

use std::ffi::OsStr;
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Output, Stdio};

/// Builds and spawns a child process (`asyncio.create_subprocess_exec`);
/// the same builder as `std::process::Command`.
///
/// ```
/// use runtime::process::Command;
/// use std::process::Stdio;
/// # runtime::run(async {
/// let output = Command::new("echo").arg("hello").output().await.unwrap();
/// assert!(output.status.success());
/// assert_eq!(output.stdout, b"hello\n");
/// # });
/// ```
#[derive(Debug)]
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
    /// [`stdin`](Self::stdin) was called: `output` keeps that setting.
    stdin_set: bool,
}

impl Command {
    /// A command running `program`.
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command {
            std: std::process::Command::new(program),
            kill_on_drop: false,
            stdin_set: false,
        }
    }

    /// Adds an argument.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, value);
        self
    }

    /// Sets environment variables.
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Clears the environment.
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Sets the working directory.
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// Configures standard input (`Stdio::piped()` for [`Child::stdin`]).
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdin(cfg);
        self.stdin_set = true;
        self
    }

    /// Configures standard output (`Stdio::piped()` for [`Child::stdout`]).
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// Configures standard error (`Stdio::piped()` for [`Child::stderr`]).
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Kill the child if its [`Child`] is dropped before it exits.
    pub fn kill_on_drop(&mut self, kill: bool) -> &mut Command {
        self.kill_on_drop = kill;
        self
    }

    /// The underlying `std` command, for options not mirrored here.
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// Starts the child.
    ///
    /// # Errors
    /// The OS error if it cannot start (`NotFound` for a missing program,
    /// with the program named), or the reactor's error outside a runtime
    /// when pipes were requested.
    pub fn spawn(&mut self) -> io::Result<Child> {
        let child = self.std.spawn().map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("failed to spawn {:?}: {error}", self.std.get_program()),
            )
        })?;
        Child::new(child, self.kill_on_drop)
    }

    /// Runs the child to completion, capturing stdout and stderr, like
    /// `std`'s `output`. Stdin is empty unless [`stdin`](Self::stdin) was
    /// configured, in which case that setting is used (a file, an
    /// inherited terminal; a pipe is closed at once, as nobody writes it:
    /// use [`Child::communicate`] to feed input).
    ///
    /// ```
    /// # runtime::run(async {
    /// use runtime::process::Command;
    /// let input = std::fs::File::open("Cargo.toml").unwrap();
    /// let output = Command::new("head").arg("-c").arg("9").stdin(input).output().await.unwrap();
    /// assert_eq!(output.stdout, b"[package]");
    /// # });
    /// ```
    pub async fn output(&mut self) -> io::Result<Output> {
        if !self.stdin_set {
            self.std.stdin(Stdio::null());
        }
        self.std.stdout(Stdio::piped());
        self.std.stderr(Stdio::piped());
        self.spawn()?.wait_with_output().await
    }

    /// Runs the child to completion with inherited stdio.
    pub async fn status(&mut self) -> io::Result<ExitStatus> {
        self.spawn()?.wait().await
    }
}
