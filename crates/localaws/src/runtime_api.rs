//! A tiny Lambda Runtime API host (the `2018-06-01` interface a custom runtime polls), for
//! running the real `watchpost-enricher` binary outside Lambda: [`RuntimeApi::invoke`] queues an
//! event, the binary fetches it from `GET …/invocation/next` and answers on
//! `POST …/<id>/response` or `…/<id>/error`; [`spawn_function`] starts the binary with the
//! environment Lambda would give it. Used by the enricher's tests and benchmarks and by the demo.
//!
//! One invocation at a time per function process, as in Lambda; invocations queue in order.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

use crate::{DEFAULT_ACCOUNT, REGION};

const PREFIX: &str = "/2018-06-01/runtime/";
/// How long [`RuntimeApi::invoke`] waits for an answer before it gives up.
pub const INVOKE_TIMEOUT: Duration = Duration::from_secs(60);
/// The deadline each invocation is given (`Lambda-Runtime-Deadline-Ms`), like a function
/// configured with a 30-second timeout.
const FUNCTION_TIMEOUT_MS: u128 = 30_000;
/// The secret access key the function gets; neither moto nor the emulator checks it, and the
/// enricher's tests assert it never shows up in its logs.
pub const FUNCTION_SECRET: &str = "runtime-api-test";

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Response(Value),
    /// The function's error: `Lambda-Runtime-Function-Error-Type` and the error document.
    Error {
        error_type: String,
        body: Value,
    },
}

/// Why an invocation got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    #[error("the function did not answer within {0:?}")]
    TimedOut(Duration),
    #[error("the Runtime API host stopped before the function answered")]
    HostStopped,
}

/// Who the function is: what the Runtime API and the environment tell it about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    pub region: String,
    /// The account, also the access key id the function calls AWS with (the Detective emulator
    /// takes the calling account from a 12-digit access key id).
    pub account: String,
    pub memory_mb: u32,
}

impl Default for Function {
    fn default() -> Self {
        Function {
            name: "watchpost-enricher".into(),
            region: REGION.into(),
            account: DEFAULT_ACCOUNT.into(),
            memory_mb: 256,
        }
    }
}

impl Function {
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{}",
            self.region, self.account, self.name
        )
    }
}

struct Shared {
    queue: tokio::sync::Mutex<mpsc::Receiver<(String, Vec<u8>)>>,
    pending: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    first_poll: OnceLock<Instant>,
    init_error: Mutex<Option<Value>>,
    function_arn: String,
}

/// The Runtime API host, serving until dropped.
pub struct RuntimeApi {
    addr: SocketAddr,
    function: Function,
    sender: mpsc::Sender<(String, Vec<u8>)>,
    shared: Arc<Shared>,
    next_id: Mutex<u64>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RuntimeApi {
    /// A host for the default function (`watchpost-enricher` in the local account and region).
    pub async fn start() -> RuntimeApi {
        Self::start_for(Function::default()).await
    }

    /// A host for `function`, on a free loopback port.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start_for(function: Function) -> RuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the Runtime API host binds a loopback port");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let (sender, receiver) = mpsc::channel(1024);
        let shared = Arc::new(Shared {
            queue: tokio::sync::Mutex::new(receiver),
            pending: Mutex::new(HashMap::new()),
            first_poll: OnceLock::new(),
            init_error: Mutex::new(None),
            function_arn: function.arn(),
        });
        let serving = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let shared = serving.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| route(shared.clone(), req));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        RuntimeApi {
            addr,
            function,
            sender,
            shared,
            next_id: Mutex::new(0),
            task,
        }
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// The function this host serves.
    pub fn function(&self) -> &Function {
        &self.function
    }

    /// When the function first asked for an invocation (its init is over).
    pub fn first_poll(&self) -> Option<Instant> {
        self.shared.first_poll.get().copied()
    }

    /// What the function reported on `POST /runtime/init/error`, if it failed to start.
    pub fn init_error(&self) -> Option<Value> {
        self.shared.init_error.lock().unwrap().clone()
    }

    /// Invokes the function with `event` and waits for its answer.
    ///
    /// # Panics
    /// When the function does not answer within [`INVOKE_TIMEOUT`].
    pub async fn invoke(&self, event: &Value) -> Outcome {
        self.try_invoke(event, INVOKE_TIMEOUT)
            .await
            .unwrap_or_else(|err| panic!("{err}"))
    }

    /// Invokes the function with `event` and waits up to `timeout` for its answer.
    pub async fn try_invoke(
        &self,
        event: &Value,
        timeout: Duration,
    ) -> Result<Outcome, InvokeError> {
        let id = {
            let mut n = self.next_id.lock().unwrap();
            *n += 1;
            format!("00000000-0000-4000-8000-{:012}", *n)
        };
        let (tx, rx) = oneshot::channel();
        self.shared.pending.lock().unwrap().insert(id.clone(), tx);
        let body = serde_json::to_vec(event).expect("a JSON value serializes");
        if self.sender.send((id.clone(), body)).await.is_err() {
            self.shared.pending.lock().unwrap().remove(&id);
            return Err(InvokeError::HostStopped);
        }
        let answer = tokio::time::timeout(timeout, rx).await;
        self.shared.pending.lock().unwrap().remove(&id);
        match answer {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(_)) => Err(InvokeError::HostStopped),
            Err(_) => Err(InvokeError::TimedOut(timeout)),
        }
    }
}

fn reply(status: StatusCode, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
}

async fn route(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let path = req.uri().path().to_owned();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return Ok(reply(StatusCode::NOT_FOUND, b"{}".to_vec()));
    };
    if req.method() == Method::GET && rest == "invocation/next" {
        let _ = shared.first_poll.set(Instant::now());
        let next = shared.queue.lock().await.recv().await;
        let Some((id, event)) = next else {
            return Ok(reply(StatusCode::GONE, Vec::new()));
        };
        let deadline = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis()
            + FUNCTION_TIMEOUT_MS;
        let mut response = reply(StatusCode::OK, event);
        let headers = response.headers_mut();
        let header = |text: &str| text.parse().expect("a valid header value");
        headers.insert("Lambda-Runtime-Aws-Request-Id", header(&id));
        headers.insert("Lambda-Runtime-Deadline-Ms", header(&deadline.to_string()));
        headers.insert(
            "Lambda-Runtime-Invoked-Function-Arn",
            header(&shared.function_arn),
        );
        headers.insert(
            "Lambda-Runtime-Trace-Id",
            header("Root=1-00000000-000000000000000000000000;Sampled=0"),
        );
        return Ok(response);
    }
    if req.method() == Method::POST && rest == "init/error" {
        let body = req.into_body().collect().await?.to_bytes();
        *shared.init_error.lock().unwrap() =
            Some(serde_json::from_slice(&body).unwrap_or(Value::Null));
        return Ok(reply(StatusCode::ACCEPTED, b"{}".to_vec()));
    }
    if req.method() == Method::POST
        && let Some(rest) = rest.strip_prefix("invocation/")
        && let Some((id, kind)) = rest.split_once('/')
    {
        let error_type = req
            .headers()
            .get("Lambda-Runtime-Function-Error-Type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = req.into_body().collect().await?.to_bytes();
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let outcome = match kind {
            "response" => Outcome::Response(body),
            "error" => {
                let error_type = body["errorType"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or(error_type);
                Outcome::Error { error_type, body }
            }
            _ => return Ok(reply(StatusCode::NOT_FOUND, b"{}".to_vec())),
        };
        if let Some(tx) = shared.pending.lock().unwrap().remove(id) {
            let _ = tx.send(outcome);
        }
        return Ok(reply(StatusCode::ACCEPTED, b"{}".to_vec()));
    }
    Ok(reply(StatusCode::NOT_FOUND, b"{}".to_vec()))
}

/// The function's `binary` started against `api`, with the environment Lambda gives a function
/// (its name, region, memory, the Runtime API address, credentials as the function's account)
/// and `env` on top. Nothing else is inherited but `PATH`. Its stdout and stderr are piped: the
/// caller must read them (or the process blocks once a pipe is full). Killed when dropped.
///
/// # Errors
/// When the binary cannot be started.
pub fn try_spawn_function(
    binary: &Path,
    api: &RuntimeApi,
    env: &[(&str, String)],
) -> std::io::Result<tokio::process::Child> {
    let function = api.function();
    let mut command = tokio::process::Command::new(binary);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", api.address())
        .env("AWS_LAMBDA_FUNCTION_NAME", &function.name)
        .env(
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            function.memory_mb.to_string(),
        )
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env(
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/03/02/[$LATEST]0123456789abcdef",
        )
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{}", function.name),
        )
        .env("AWS_REGION", &function.region)
        .env("AWS_DEFAULT_REGION", &function.region)
        .env("AWS_ACCESS_KEY_ID", &function.account)
        .env("AWS_SECRET_ACCESS_KEY", FUNCTION_SECRET)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    command.spawn()
}

/// [`try_spawn_function`], for tests.
///
/// # Panics
/// When the binary cannot be started.
pub fn spawn_function(
    binary: &Path,
    api: &RuntimeApi,
    env: &[(&str, String)],
) -> tokio::process::Child {
    try_spawn_function(binary, api, env)
        .unwrap_or_else(|err| panic!("cannot start {}: {err}", binary.display()))
}
