//! Test support for Watchpost: the local AWS on loopback.
//!
//! [`LocalAws::start`] runs moto 5.2.5 (from the workspace's `.local/venv`, made by
//! `just local-venv`) and the Detective emulator on free ports; [`DetectiveEmulator::start`]
//! runs the emulator alone. Both stop when dropped, also when a test panics. SDK configs come
//! pre-pointed at them, with a 12-digit access key id naming the calling account.
//! [`runtime_api`] hosts the Lambda Runtime API, to run the real enricher binary against them.
//!
//! Kept cheap to compile: no HTTP client crate (a few lines over a `TcpStream` suffice for
//! readiness checks and the emulator's control paths), no service SDK, and only the HTTP server
//! crates the emulator already brings.

pub mod background;
pub mod runtime_api;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use watchpost_detective_emulator::RunningEmulator;
pub use watchpost_detective_emulator::{Config as DetectiveConfig, Faults};

/// The region every local resource lives in.
pub const REGION: &str = "us-east-1";
/// The account the tests act as unless they pick another.
pub const DEFAULT_ACCOUNT: &str = "123456789012";
/// Secret paired with the 12-digit access key ids; neither moto nor the emulator checks it.
pub const TEST_SECRET: &str = "localaws-test-secret";
/// How long moto may take to answer after it starts (it imports every service's backend).
const MOTO_START_TIMEOUT: Duration = Duration::from_secs(60);

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// An SDK config for `account_id` against `endpoint_url`. Retries are off so that a test sees
/// each error the local service answers, once, without waiting for backoff.
pub fn sdk_config(endpoint_url: &str, account_id: &str) -> SdkConfig {
    let credentials = Credentials::new(account_id, TEST_SECRET, None, None, "watchpost-localaws");
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .endpoint_url(endpoint_url)
        .retry_config(RetryConfig::disabled())
        .build()
}

/// A minimal HTTP/1.1 exchange: returns the status code and body. `headers` go in as given
/// (moto routes unsigned requests by the SigV4 credential scope in `Authorization`).
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr).await?;
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("not an HTTP answer: {text:.80}"),
            )
        })?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// Why the local AWS did not come up.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// moto's virtualenv is missing.
    #[error(
        "moto is not installed at {0}: run `just local-venv` (it creates .local/venv from tools/local-aws/requirements.txt)"
    )]
    MotoMissing(PathBuf),
    /// moto did not start or did not answer; the message carries the end of its log.
    #[error("{0}")]
    Moto(String),
    #[error("the Detective emulator cannot bind a loopback port: {0}")]
    Detective(std::io::Error),
}

/// moto's server as a child process, killed on drop.
#[derive(Debug)]
pub struct MotoServer {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl MotoServer {
    /// Where moto's server is expected: `.local/venv/bin/moto_server`.
    pub fn binary() -> PathBuf {
        workspace_root().join(".local/venv/bin/moto_server")
    }

    /// Starts `.local/venv/bin/moto_server` on a free port and waits until it answers.
    ///
    /// # Panics
    /// When the virtualenv is missing (run `just local-venv`) or moto does not come up.
    pub async fn start() -> MotoServer {
        Self::try_start()
            .await
            .unwrap_or_else(|err| panic!("{err}"))
    }

    /// [`MotoServer::start`], reporting failures instead of panicking.
    ///
    /// moto binds port 0 itself and its log says which port it got. A port picked free
    /// beforehand could be taken before moto bound it (by a Detective emulator another test
    /// starts on port 0): moto then exited, the other server answered, and a test's DynamoDB
    /// calls reached the emulator.
    pub async fn try_start() -> Result<MotoServer, StartError> {
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let bin = Self::binary();
        if !bin.exists() {
            return Err(StartError::MotoMissing(bin));
        }
        let log = std::env::temp_dir().join(format!(
            "watchpost-moto-{}-{}.log",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::Relaxed)
        ));
        let cannot =
            |e: std::io::Error| StartError::Moto(format!("cannot start {}: {e}", bin.display()));
        let log_file = std::fs::File::create(&log).map_err(cannot)?;
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", "0"])
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().map_err(cannot)?)
            .stderr(log_file)
            .spawn()
            .map_err(cannot)?;
        let mut moto = MotoServer {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            log,
        };
        moto.wait_ready().await?;
        Ok(moto)
    }

    /// Waits until moto's log names the port it bound and moto answers its own page there.
    async fn wait_ready(&mut self) -> Result<(), StartError> {
        let deadline = Instant::now() + MOTO_START_TIMEOUT;
        loop {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            if let Some(port) = bound_port(&log) {
                self.addr.set_port(port);
                if let Ok((200, _)) = http(self.addr, "GET", "/moto-api/", &[], "").await {
                    return Ok(());
                }
            }
            let exited = self.child.try_wait().ok().flatten();
            if exited.is_some() || Instant::now() > deadline {
                let tail: Vec<&str> = log
                    .lines()
                    .rev()
                    .take(20)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                return Err(StartError::Moto(format!(
                    "moto did not answer ({}); its log ({}) ends with:\n{}",
                    exited.map_or("timed out".to_string(), |s| format!("exited: {s}")),
                    self.log.display(),
                    tail.join("\n")
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// The port moto's server says it runs on (` * Running on http://127.0.0.1:PORT`).
fn bound_port(log: &str) -> Option<u16> {
    log.lines()
        .find_map(|line| line.split_once("Running on http://127.0.0.1:"))
        .and_then(|(_, rest)| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .filter(|port| *port != 0)
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// The Detective emulator on a task of the current tokio runtime, stopped on drop.
#[derive(Debug)]
pub struct DetectiveEmulator {
    inner: RunningEmulator,
}

impl DetectiveEmulator {
    /// Starts the emulator with its defaults (investigations finish after 3 s, no faults).
    pub async fn start() -> DetectiveEmulator {
        Self::start_with(DetectiveConfig::default()).await
    }

    /// Starts the emulator with a given config (e.g. a short investigation delay).
    pub async fn start_with(config: DetectiveConfig) -> DetectiveEmulator {
        Self::try_start_with(config)
            .await
            .unwrap_or_else(|err| panic!("{err}"))
    }

    /// [`DetectiveEmulator::start_with`], reporting failures instead of panicking.
    pub async fn try_start_with(config: DetectiveConfig) -> Result<DetectiveEmulator, StartError> {
        let inner = RunningEmulator::start(SocketAddr::from(([127, 0, 0, 1], 0)), config)
            .await
            .map_err(StartError::Detective)?;
        Ok(DetectiveEmulator { inner })
    }

    pub fn addr(&self) -> SocketAddr {
        self.inner.addr()
    }

    pub fn endpoint_url(&self) -> String {
        self.inner.endpoint_url()
    }

    /// An SDK config that calls the emulator as `account_id`.
    pub fn sdk_config(&self, account_id: &str) -> SdkConfig {
        sdk_config(&self.endpoint_url(), account_id)
    }

    /// Replaces the faults in force (`POST /_emulator/faults`), e.g.
    /// `{"throttle_rate": 1.0}` or `{"fail": {"StartInvestigation": 500}}`.
    pub async fn set_faults(&self, json: &str) {
        let (status, body) = http(self.addr(), "POST", "/_emulator/faults", &[], json)
            .await
            .expect("emulator answers");
        assert_eq!(status, 200, "the emulator rejected faults {json}: {body}");
    }

    /// Forgets every graph and restores the start-up faults (`POST /_emulator/reset`).
    pub async fn reset(&self) {
        let (status, _) = http(self.addr(), "POST", "/_emulator/reset", &[], "")
            .await
            .expect("emulator answers");
        assert_eq!(status, 200);
    }
}

/// moto plus the Detective emulator.
#[derive(Debug)]
pub struct LocalAws {
    pub moto: MotoServer,
    pub detective: DetectiveEmulator,
}

impl LocalAws {
    /// Starts both on free loopback ports and waits until they answer.
    pub async fn start() -> LocalAws {
        Self::start_with(DetectiveConfig::default()).await
    }

    /// Starts both, the emulator with `detective` (e.g. a short investigation delay).
    pub async fn start_with(detective: DetectiveConfig) -> LocalAws {
        Self::try_start_with(detective)
            .await
            .unwrap_or_else(|err| panic!("{err}"))
    }

    /// [`LocalAws::start_with`], reporting failures instead of panicking (for the demo).
    pub async fn try_start_with(detective: DetectiveConfig) -> Result<LocalAws, StartError> {
        let detective = DetectiveEmulator::try_start_with(detective).await?;
        let moto = MotoServer::try_start().await?;
        Ok(LocalAws { moto, detective })
    }

    /// An SDK config for every service moto serves, as `account_id`.
    pub fn sdk_config(&self, account_id: &str) -> SdkConfig {
        sdk_config(&self.moto.endpoint_url(), account_id)
    }

    /// An SDK config for Detective, as `account_id`.
    pub fn detective_sdk_config(&self, account_id: &str) -> SdkConfig {
        self.detective.sdk_config(account_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moto_s_port_is_read_from_its_log() {
        let log = "WARNING: This is a development server.\n * Running on http://127.0.0.1:37127\nPress CTRL+C to quit\n";
        assert_eq!(bound_port(log), Some(37127));
        assert_eq!(bound_port("WARNING: This is a development server.\n"), None);
        assert_eq!(bound_port(" * Running on http://127.0.0.1:0\n"), None);
    }
}
