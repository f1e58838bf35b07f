//! The local AWS as background processes, for people (`just local-up` / `just local-down`):
//! moto and the Detective emulator started on fixed loopback ports, outliving the command that
//! started them, their pids and logs under `.local/run/`. The tests do not use this: they start
//! their own servers on free ports ([`crate::LocalAws`]), stopped when dropped.
//!
//! A pid file is trusted only while the process it names still runs the program it was started
//! as (its command line is checked), so a recycled pid is never signalled.

use std::fs::File;
use std::net::{SocketAddr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{DEFAULT_ACCOUNT, MotoServer, REGION, TEST_SECRET, http, workspace_root};

/// The emulator's binary, expected beside this one (cargo builds both into one directory).
pub const EMULATOR_BINARY: &str = "watchpost-detective-emulator";
/// How long both may take to answer (moto imports every service's backend first).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a stopped process may take to exit before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// Lines of a log quoted when a server does not come up.
const LOG_TAIL_LINES: usize = 20;

/// One of the two servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Moto,
    Detective,
}

impl Server {
    pub const ALL: [Server; 2] = [Server::Moto, Server::Detective];

    pub fn name(self) -> &'static str {
        match self {
            Server::Moto => "moto",
            Server::Detective => "detective",
        }
    }

    /// What its command line contains while it runs.
    fn program(self) -> &'static str {
        match self {
            Server::Moto => "moto_server",
            Server::Detective => EMULATOR_BINARY,
        }
    }

    /// A path that answers once it serves.
    fn ready_path(self) -> &'static str {
        match self {
            Server::Moto => "/moto-api/",
            Server::Detective => "/_emulator/health",
        }
    }
}

/// Where the pids and logs are kept.
#[derive(Debug, Clone)]
pub struct RunDir(PathBuf);

impl Default for RunDir {
    /// The workspace's `.local/run`.
    fn default() -> Self {
        RunDir(workspace_root().join(".local/run"))
    }
}

impl RunDir {
    pub fn new(path: impl Into<PathBuf>) -> RunDir {
        RunDir(path.into())
    }

    fn pid_file(&self, server: Server) -> PathBuf {
        self.0.join(format!("{}.pid", server.name()))
    }

    pub fn log_file(&self, server: Server) -> PathBuf {
        self.0.join(format!("{}.log", server.name()))
    }

    /// The recorded pid of `server`, if that process still runs it.
    pub fn running(&self, server: Server) -> Option<u32> {
        let pid: u32 = std::fs::read_to_string(self.pid_file(server))
            .ok()?
            .trim()
            .parse()
            .ok()?;
        runs(pid, server.program()).then_some(pid)
    }
}

/// The ports to serve on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ports {
    pub moto: u16,
    pub detective: u16,
}

impl Ports {
    fn of(self, server: Server) -> u16 {
        match server {
            Server::Moto => self.moto,
            Server::Detective => self.detective,
        }
    }
}

/// Why `up` failed.
#[derive(Debug, thiserror::Error)]
pub enum UpError {
    #[error(
        "moto is not installed at {0}: run `just local-venv` (it creates .local/venv from tools/local-aws/requirements.txt)"
    )]
    MotoMissing(PathBuf),
    #[error(
        "the Detective emulator is not at {0}: build it into the same directory as this program (`cargo build --bin watchpost-detective-emulator --bin watchpost-localaws`)"
    )]
    EmulatorMissing(PathBuf),
    #[error("something already uses 127.0.0.1:{0}; pick other ports (MOTO_PORT, DETECTIVE_PORT)")]
    PortInUse(u16),
    #[error("cannot start {server}: {source}")]
    Spawn {
        server: &'static str,
        source: std::io::Error,
    },
    #[error("{server} did not come up on 127.0.0.1:{port}; the end of {}:\n{tail}", log.display())]
    NotReady {
        server: &'static str,
        port: u16,
        log: PathBuf,
        tail: String,
    },
}

/// What `up` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Up {
    Started,
    /// Both were running already (on the ports they were started with).
    AlreadyRunning,
}

/// Starts both servers in the background unless both run already; a half-up pair (one died)
/// is stopped and started afresh. Returns once both answer.
pub async fn up(run: &RunDir, ports: Ports, emulator: &Path) -> Result<Up, UpError> {
    if Server::ALL.iter().all(|s| run.running(*s).is_some()) {
        return Ok(Up::AlreadyRunning);
    }
    down(run);
    let moto = MotoServer::binary();
    if !moto.is_file() {
        return Err(UpError::MotoMissing(moto));
    }
    if !emulator.is_file() {
        return Err(UpError::EmulatorMissing(emulator.to_path_buf()));
    }
    for server in Server::ALL {
        let port = ports.of(server);
        if TcpListener::bind(("127.0.0.1", port)).is_err() {
            return Err(UpError::PortInUse(port));
        }
    }
    std::fs::create_dir_all(&run.0).map_err(|source| UpError::Spawn {
        server: "the run directory",
        source,
    })?;
    for server in Server::ALL {
        let port = ports.of(server).to_string();
        let mut command = match server {
            Server::Moto => {
                let mut c = Command::new(&moto);
                c.args(["-H", "127.0.0.1", "-p", &port]);
                c
            }
            Server::Detective => {
                let mut c = Command::new(emulator);
                c.args(["--host", "127.0.0.1", "--port", &port]);
                c
            }
        };
        let spawned = File::create(run.log_file(server))
            .and_then(|log| Ok((log.try_clone()?, log)))
            .and_then(|(out, err)| {
                command
                    .stdin(Stdio::null())
                    .stdout(out)
                    .stderr(err)
                    // A process group of its own: Ctrl-C in the shell that ran `up` (or the
                    // end of just's shell) does not reach it.
                    .process_group(0)
                    .spawn()
            })
            .and_then(|child| std::fs::write(run.pid_file(server), child.id().to_string()));
        if let Err(source) = spawned {
            down(run);
            return Err(UpError::Spawn {
                server: server.name(),
                source,
            });
        }
    }
    for server in Server::ALL {
        if let Err(err) = wait_ready(run, server, ports.of(server)).await {
            down(run);
            return Err(err);
        }
    }
    Ok(Up::Started)
}

async fn wait_ready(run: &RunDir, server: Server, port: u16) -> Result<(), UpError> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if matches!(
            http(addr, "GET", server.ready_path(), &[], "").await,
            Ok((200, _))
        ) {
            return Ok(());
        }
        if run.running(server).is_none() || Instant::now() > deadline {
            let log = run.log_file(server);
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n");
            return Err(UpError::NotReady {
                server: server.name(),
                port,
                log,
                tail,
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Stops whichever of the two runs (terminated, then killed if it lingers) and forgets their
/// pid files; returns the servers stopped with their pids.
pub fn down(run: &RunDir) -> Vec<(Server, u32)> {
    let mut stopped = Vec::new();
    for server in Server::ALL {
        if let Some(pid) = run.running(server) {
            signal(pid, libc::SIGTERM);
            let deadline = Instant::now() + STOP_TIMEOUT;
            while runs(pid, server.program()) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            if runs(pid, server.program()) {
                signal(pid, libc::SIGKILL);
            }
            stopped.push((server, pid));
        }
        let _ = std::fs::remove_file(run.pid_file(server));
    }
    stopped
}

/// The environment that points the AWS CLI and SDKs at the servers, as shell exports.
pub fn environment(ports: Ports) -> String {
    format!(
        "export AWS_ENDPOINT_URL=http://127.0.0.1:{moto}\n\
         export AWS_ENDPOINT_URL_DETECTIVE=http://127.0.0.1:{detective}\n\
         export AWS_REGION={REGION}\n\
         export AWS_DEFAULT_REGION={REGION}\n\
         export AWS_ACCESS_KEY_ID={DEFAULT_ACCOUNT}\n\
         export AWS_SECRET_ACCESS_KEY={TEST_SECRET}\n",
        moto = ports.moto,
        detective = ports.detective,
    )
}

/// Whether process `pid` runs and its command line mentions `program` (a zombie, whose
/// command line is empty, does not).
fn runs(pid: u32, program: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|raw| String::from_utf8_lossy(&raw).contains(program))
        .unwrap_or(false)
}

fn signal(pid: u32, signal: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill(2) takes plain integers and has no memory effects; the pid was just
        // checked to run the program this module started.
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pid_file_naming_another_program_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::new(dir.path());
        // This test's own pid runs the test binary, not moto.
        std::fs::write(run.pid_file(Server::Moto), std::process::id().to_string()).unwrap();
        assert_eq!(run.running(Server::Moto), None);
        // A pid file with no number in it.
        std::fs::write(run.pid_file(Server::Detective), "not a pid").unwrap();
        assert_eq!(run.running(Server::Detective), None);
        // Nothing is signalled, and both stale files are gone.
        assert!(down(&run).is_empty());
        assert!(!run.pid_file(Server::Moto).exists());
        assert!(!run.pid_file(Server::Detective).exists());
    }

    #[test]
    fn the_environment_names_both_endpoints_and_the_account() {
        let env = environment(Ports {
            moto: 5100,
            detective: 5105,
        });
        assert!(
            env.contains("AWS_ENDPOINT_URL=http://127.0.0.1:5100\n"),
            "{env}"
        );
        assert!(
            env.contains("AWS_ENDPOINT_URL_DETECTIVE=http://127.0.0.1:5105\n"),
            "{env}"
        );
        assert!(
            env.contains(&format!("AWS_ACCESS_KEY_ID={DEFAULT_ACCOUNT}\n")),
            "{env}"
        );
    }
}
