//! [`Child`]: a running process, waited for through a pidfd on the reactor.

use super::pipe::{ChildStderr, ChildStdin, ChildStdout};
use crate::reactor::Source;
use std::fmt;
use std::io;
use std::os::fd::OwnedFd;
use std::process::{ExitStatus, Output};
use std::time::Duration;

/// How often `wait` re-checks a child on kernels without pidfds.
const EXIT_POLL_INTERVAL: Duration = Duration::from_millis(5);

/// A spawned child process.
pub struct Child {
    /// The child's stdin, if it was piped.
    pub stdin: Option<ChildStdin>,
    /// The child's stdout, if it was piped.
    pub stdout: Option<ChildStdout>,
    /// The child's stderr, if it was piped.
    pub stderr: Option<ChildStderr>,
    watch: Option<ExitWatch>,
    /// # Invariant
    /// `Some` until `Drop` hands it to the reaper.
    std: Option<std::process::Child>,
    status: Option<ExitStatus>,
    kill_on_drop: bool,
}

/// A pidfd registered with the reactor (a `Source`, which deregisters it
/// before the fd closes).
struct ExitWatch(Source<OwnedFd>);

impl Child {
    pub(crate) fn new(mut std: std::process::Child, kill_on_drop: bool) -> io::Result<Child> {
        let stdin = std.stdin.take().map(ChildStdin::from_std).transpose()?;
        let stdout = std.stdout.take().map(ChildStdout::from_std).transpose()?;
        let stderr = std.stderr.take().map(ChildStderr::from_std).transpose()?;
        let watch = crate::sys::pidfd_open(std.id())
            .and_then(|pidfd| Source::new(pidfd).ok().map(ExitWatch));
        Ok(Child {
            stdin,
            stdout,
            stderr,
            watch,
            std: Some(std),
            status: None,
            kill_on_drop,
        })
    }

    fn std(&mut self) -> &mut std::process::Child {
        self.std
            .as_mut()
            .expect("the process handle is present until drop")
    }

    /// The OS process id, until the child has been reaped.
    pub fn id(&self) -> Option<u32> {
        match (&self.std, self.status) {
            (Some(std), None) => Some(std.id()),
            _ => None,
        }
    }

    /// The exit status if the child has exited, without waiting.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.status.is_none() {
            self.status = self.std().try_wait()?;
        }
        Ok(self.status)
    }

    /// Waits for the child to exit, without blocking a worker. Closes the
    /// child's stdin first, so a child reading it to the end can finish.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        if let Some(status) = self.status {
            return Ok(status);
        }
        let std = self
            .std
            .as_mut()
            .expect("the process handle is present until drop");
        let status = wait_for_exit(std, self.watch.as_ref()).await?;
        self.status = Some(status);
        Ok(status)
    }

    /// Sends `SIGKILL` without waiting (a no-op if it already exited).
    pub fn start_kill(&mut self) -> io::Result<()> {
        if self.try_wait()?.is_some() {
            return Ok(());
        }
        match self.std().kill() {
            // Exited between the check and the kill.
            Err(error) if error.kind() == io::ErrorKind::InvalidInput => Ok(()),
            other => other,
        }
    }

    /// Kills the child and waits for it to exit.
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await.map(drop)
    }

    /// Sends `SIGTERM`, asking the child to exit (asyncio's
    /// `Process.terminate()`); does not wait. A no-op once the child has
    /// exited.
    ///
    /// ```
    /// # runtime::run(async {
    /// use std::os::unix::process::ExitStatusExt;
    /// let mut child = runtime::process::Command::new("sleep").arg("60").spawn().unwrap();
    /// child.terminate().unwrap();
    /// let status = child.wait().await.unwrap();
    /// assert_eq!(status.signal(), Some(15)); // SIGTERM
    /// # });
    /// ```
    pub fn terminate(&mut self) -> io::Result<()> {
        self.send_signal(libc::SIGTERM)
    }

    /// Sends `signal` to the child (asyncio's `Process.send_signal()`);
    /// does not wait. A no-op once the child has exited (the runtime reaps
    /// its children only through this handle, so the pid cannot have been
    /// reused meanwhile).
    ///
    /// # Errors
    /// `InvalidInput` for a signal number the OS rejects.
    pub fn send_signal(&mut self, signal: i32) -> io::Result<()> {
        if self.try_wait()?.is_some() {
            return Ok(());
        }
        let pid = self.std().id();
        crate::sys::send_signal(pid, signal).map_err(|error| {
            if error.raw_os_error() == Some(libc::EINVAL) {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "cannot send signal {signal} to child {pid}: not a valid signal number"
                    ),
                )
            } else {
                error
            }
        })
    }

    /// Feeds `input` to the child's stdin and closes it, reads its stdout
    /// and stderr to the end, and waits for it to exit, all concurrently so
    /// that no pipe can fill up and stall the child (asyncio's
    /// `Process.communicate(input)`). Pipes that were not requested come
    /// back empty. A child that exits or closes its stdin before taking all
    /// of `input` is not an error (as in asyncio).
    ///
    /// ```
    /// # runtime::run(async {
    /// use runtime::process::Command;
    /// use std::process::Stdio;
    /// let mut child = Command::new("tr")
    ///     .arg("a-z")
    ///     .arg("A-Z")
    ///     .stdin(Stdio::piped())
    ///     .stdout(Stdio::piped())
    ///     .spawn()
    ///     .unwrap();
    /// let output = child.communicate(b"hello").await.unwrap();
    /// assert_eq!(output.stdout, b"HELLO");
    /// # });
    /// ```
    ///
    /// # Errors
    /// `InvalidInput` if `input` is not empty and the child's stdin was not
    /// piped (or was taken); I/O errors of the pipes and of waiting.
    pub async fn communicate(&mut self, input: &[u8]) -> io::Result<Output> {
        let stdin_pipe = self.stdin.take();
        if !input.is_empty() && stdin_pipe.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "communicate: input was given but the child's stdin is not piped \
                 (spawn it with Command::stdin(Stdio::piped()))",
            ));
        }
        let mut stdout_pipe = self.stdout.take();
        let mut stderr_pipe = self.stderr.take();
        let (fed, stdout, stderr) = crate::gather!(
            async move {
                let Some(mut pipe) = stdin_pipe else {
                    return Ok(());
                };
                match pipe.write_all(input).await {
                    // The child stopped reading: what it took is what it gets.
                    Err(error)
                        if matches!(
                            error.kind(),
                            io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
                        ) =>
                    {
                        Ok(())
                    }
                    other => other,
                }
                // `pipe` drops here: the child sees end of input.
            },
            read_pipe(stdout_pipe.as_mut()),
            read_pipe(stderr_pipe.as_mut())
        )
        .await;
        fed?;
        let status = self.wait().await?;
        Ok(Output {
            status,
            stdout: stdout?,
            stderr: stderr?,
        })
    }

    /// Reads stdout and stderr to the end (concurrently, so neither pipe can
    /// fill up and stall the child), then waits for the exit status.
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        drop(self.stdin.take());
        let mut stdout_pipe = self.stdout.take();
        let mut stderr_pipe = self.stderr.take();
        let (stdout, stderr) = crate::gather!(
            read_pipe(stdout_pipe.as_mut()),
            read_pipe(stderr_pipe.as_mut())
        )
        .await;
        let status = self.wait().await?;
        Ok(Output {
            status,
            stdout: stdout?,
            stderr: stderr?,
        })
    }
}

/// Reads a child's output pipe to the end (nothing if it was not piped).
async fn read_pipe<P: ReadToEnd>(pipe: Option<&mut P>) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    if let Some(pipe) = pipe {
        pipe.read_to_end_into(&mut buf).await?;
    }
    Ok(buf)
}

/// `ChildStdout` and `ChildStderr`, for [`read_pipe`].
trait ReadToEnd {
    async fn read_to_end_into(&mut self, buf: &mut Vec<u8>) -> io::Result<usize>;
}

impl ReadToEnd for ChildStdout {
    async fn read_to_end_into(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        self.read_to_end(buf).await
    }
}

impl ReadToEnd for ChildStderr {
    async fn read_to_end_into(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        self.read_to_end(buf).await
    }
}

/// Waits for `std` to exit: on its pidfd if there is one, else by polling.
async fn wait_for_exit(
    std: &mut std::process::Child,
    watch: Option<&ExitWatch>,
) -> io::Result<ExitStatus> {
    loop {
        if let Some(status) = std.try_wait()? {
            return Ok(status);
        }
        match watch {
            // The pidfd turns readable once the child has exited.
            Some(watch) => {
                return watch
                    .0
                    .read_io(|_| match std.try_wait()? {
                        Some(status) => Ok(status),
                        None => Err(io::ErrorKind::WouldBlock.into()),
                    })
                    .await;
            }
            None => crate::sleep(EXIT_POLL_INTERVAL).await,
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let Some(mut std) = self.std.take() else {
            return;
        };
        if self.status.is_some() {
            return;
        }
        if self.kill_on_drop {
            let _ = std.kill();
        }
        if !matches!(std.try_wait(), Ok(None)) {
            return; // reaped now, or nothing more can be done
        }
        // Reap it in the background so it does not linger as a zombie.
        let mut orphan = Orphan {
            std: Some(std),
            watch: self.watch.take(),
        };
        match crate::Handle::try_current().filter(|h| !h.is_shutdown()) {
            Some(handle) => drop(handle.spawn(async move { orphan.reap().await })),
            None => drop(orphan), // its Drop hands it to a reaper thread
        }
    }
}

/// A child nobody waits for any more.
///
/// # Invariant
/// `std` is `Some` until the child has been reaped; dropping an orphan that
/// was not (its reaper task was cancelled by a runtime shutdown, or its
/// pidfd failed) hands it to a thread that blocks in `wait`, so no path
/// leaves a zombie.
struct Orphan {
    std: Option<std::process::Child>,
    watch: Option<ExitWatch>,
}

impl Orphan {
    async fn reap(&mut self) {
        if let Some(std) = self.std.as_mut() {
            if wait_for_exit(std, self.watch.as_ref()).await.is_ok() {
                self.std = None;
            }
        }
    }
}

impl Drop for Orphan {
    fn drop(&mut self) {
        let Some(mut std) = self.std.take() else {
            return;
        };
        if !matches!(std.try_wait(), Ok(None)) {
            return;
        }
        let _ = std::thread::Builder::new()
            .name("runtime-reaper".to_string())
            .spawn(move || {
                let _ = std.wait();
            });
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("pid", &self.id())
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}
