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

    /// Reads stdout and stderr to the end (concurrently, so neither pipe can
    /// fill up and stall the child), then waits for the exit status.
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        drop(self.stdin.take());
        let mut stdout_pipe = self.stdout.take();
        let mut stderr_pipe = self.stderr.take();
        let (stdout, stderr) = crate::gather!(
            async {
                let mut buf = Vec::new();
                if let Some(pipe) = stdout_pipe.as_mut() {
                    pipe.read_to_end(&mut buf).await?;
                }
                io::Result::Ok(buf)
            },
            async {
                let mut buf = Vec::new();
                if let Some(pipe) = stderr_pipe.as_mut() {
                    pipe.read_to_end(&mut buf).await?;
                }
                io::Result::Ok(buf)
            }
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
