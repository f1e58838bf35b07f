//! A tiny Lambda Runtime API host (the `2018-06-01` interface a custom runtime polls), for
//! running the real `watchpost-enricher` binary outside Lambda: `invoke` queues an event, the
//! binary fetches it from `GET …/invocation/next` and answers on `POST …/<id>/response` or
//! `…/<id>/error`. Self-contained (hyper, tokio, serde_json) so other tests and the demo can
//! include this file as a module.

#![allow(dead_code)]

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

const PREFIX: &str = "/2018-06-01/runtime/";

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

struct Shared {
    queue: tokio::sync::Mutex<mpsc::Receiver<(String, Vec<u8>)>>,
    pending: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    first_poll: OnceLock<Instant>,
    init_error: Mutex<Option<Value>>,
}

/// The Runtime API host, serving until dropped.
pub struct RuntimeApi {
    addr: SocketAddr,
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
    pub async fn start() -> RuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (sender, receiver) = mpsc::channel(1024);
        let shared = Arc::new(Shared {
            queue: tokio::sync::Mutex::new(receiver),
            pending: Mutex::new(HashMap::new()),
            first_poll: OnceLock::new(),
            init_error: Mutex::new(None),
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

    /// When the function first asked for an invocation (its init is over).
    pub fn first_poll(&self) -> Option<Instant> {
        self.shared.first_poll.get().copied()
    }

    /// What the function reported on `POST /runtime/init/error`, if it failed to start.
    pub fn init_error(&self) -> Option<Value> {
        self.shared.init_error.lock().unwrap().clone()
    }

    /// Invokes the function with `event` and waits for its answer.
    pub async fn invoke(&self, event: &Value) -> Outcome {
        let id = {
            let mut n = self.next_id.lock().unwrap();
            *n += 1;
            format!("00000000-0000-4000-8000-{:012}", *n)
        };
        let (tx, rx) = oneshot::channel();
        self.shared.pending.lock().unwrap().insert(id.clone(), tx);
        self.sender
            .send((id, serde_json::to_vec(event).unwrap()))
            .await
            .unwrap();
        tokio::time::timeout(Duration::from_secs(60), rx)
            .await
            .expect("the function answers within a minute")
            .expect("the host is still running")
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
            .unwrap()
            .as_millis()
            + 30_000;
        let mut response = reply(StatusCode::OK, event);
        let headers = response.headers_mut();
        headers.insert("Lambda-Runtime-Aws-Request-Id", id.parse().unwrap());
        headers.insert(
            "Lambda-Runtime-Deadline-Ms",
            deadline.to_string().parse().unwrap(),
        );
        headers.insert(
            "Lambda-Runtime-Invoked-Function-Arn",
            "arn:aws:lambda:us-east-1:123456789012:function:watchpost-enricher"
                .parse()
                .unwrap(),
        );
        headers.insert(
            "Lambda-Runtime-Trace-Id",
            "Root=1-00000000-000000000000000000000000;Sampled=0"
                .parse()
                .unwrap(),
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

/// The enricher binary started against `api`, with Lambda's environment and `env` on top.
pub fn spawn_function(
    binary: &Path,
    api: &RuntimeApi,
    env: &[(&str, String)],
) -> tokio::process::Child {
    let mut command = tokio::process::Command::new(binary);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", api.address())
        .env("AWS_LAMBDA_FUNCTION_NAME", "watchpost-enricher")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env(
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/03/02/[$LATEST]0123456789abcdef",
        )
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            "/aws/lambda/watchpost-enricher",
        )
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "123456789012")
        .env("AWS_SECRET_ACCESS_KEY", "runtime-api-test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    command
        .spawn()
        .expect("start the watchpost-enricher binary")
}
