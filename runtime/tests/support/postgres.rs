//! A real PostgreSQL server for the database twin's test.
//!
//! `.ci/run` starts a throwaway cluster and passes its connection string
//! in `RUNTIME_TEST_PG`; without it (a local run), [`Postgres::get`]
//! starts one of its own the same way: `initdb` into a temp directory,
//! `pg_ctl start` listening only on a Unix socket in that directory, as
//! the `postgres` user when running as root (PostgreSQL refuses root),
//! and `pg_ctl stop` plus removal on drop. Where PostgreSQL is not
//! installed the test is skipped with a message, except under
//! `CI=true`, where that is a failure.

use std::path::PathBuf;
use std::process::Command;

/// A server to test against.
pub struct Postgres {
    /// A libpq-style connection string.
    pub dsn: String,
    /// Set when this process started the cluster (and stops it).
    owned: Option<Cluster>,
}

struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    run_as_postgres: bool,
}

impl Postgres {
    /// The CI cluster, or a fresh one; `None` (after saying why) when
    /// PostgreSQL is not installed outside CI.
    pub fn get() -> Option<Postgres> {
        if let Ok(dsn) = std::env::var("RUNTIME_TEST_PG") {
            return Some(Postgres { dsn, owned: None });
        }
        let Some(bin) = bin_dir() else {
            let message = "PostgreSQL is not installed (Debian package `postgresql`; \
                           `.ci/run` installs it)";
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{message}: under CI=true a missing server is a failure");
            }
            println!("note: skipped: {message}");
            return None;
        };
        Some(start(bin))
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(cluster) = &self.owned {
            let data = cluster.dir.join("data");
            let _ = cluster
                .command("pg_ctl")
                .args([
                    "-D",
                    &data.to_string_lossy(),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ])
                .output();
            let _ = std::fs::remove_dir_all(&cluster.dir);
        }
    }
}

impl Cluster {
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.run_as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

/// Where `initdb` and `pg_ctl` are: `PATH`, else Debian's versioned
/// directory (the newest).
fn bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
    });
    on_path.or_else(|| {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| Some(e.ok()?.path().join("bin")))
            .filter(|bin| bin.join("initdb").is_file())
            .collect();
        versions.sort();
        versions.pop()
    })
}

fn start(bin: PathBuf) -> Postgres {
    let root =
        std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").expect("/proc/self"))
            == 0;
    let dir = std::env::temp_dir().join(format!("runtime-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the cluster directory");
    if root {
        let id = |flag: &str| -> u32 {
            let out = Command::new("id")
                .args([flag, "postgres"])
                .output()
                .expect("run id");
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .expect("the postgres user exists")
        };
        std::os::unix::fs::chown(&dir, Some(id("-u")), Some(id("-g")))
            .expect("chown the cluster directory");
    }
    let cluster = Cluster {
        dir: dir.clone(),
        bin,
        run_as_postgres: root,
    };
    let data = dir.join("data");
    run(cluster.command("initdb").args([
        "-D",
        &data.to_string_lossy(),
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--no-sync",
    ]));
    let options = format!("-k {} -c listen_addresses='' -p 5432 -F", dir.display());
    run(cluster.command("pg_ctl").args([
        "-D",
        &data.to_string_lossy(),
        "-l",
        &dir.join("log").to_string_lossy(),
        "-o",
        &options,
        "-w",
        "-t",
        "60",
        "start",
    ]));
    Postgres {
        dsn: format!(
            "host={} port=5432 user=postgres dbname=postgres",
            dir.display()
        ),
        owned: Some(cluster),
    }
}

fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
