//! The HTTP plumbing: a hyper 1 HTTP/1.1 server on a loopback listener, the `/_emulator/*`
//! control paths, fault injection, and turning handler results into responses. Everything
//! Detective-specific is behind [`crate::routing`].

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::api::{Reply, Request};
use crate::errors::{ApiError, ErrorKind};
use crate::faults::{Dice, Faults};
use crate::identity::Caller;
use crate::routing;
use crate::state::Store;
use crate::validate::Input;

/// Env var: how long investigations stay RUNNING, in milliseconds.
pub const ENV_INVESTIGATION_DELAY_MS: &str = "WATCHPOST_DETECTIVE_INVESTIGATION_DELAY_MS";
/// How long investigations stay RUNNING unless configured otherwise.
pub const DEFAULT_INVESTIGATION_DELAY: Duration = Duration::from_secs(3);

/// How an emulator starts.
#[derive(Debug, Clone)]
pub struct Config {
    pub investigation_delay: Duration,
    pub faults: Faults,
    /// The accounts of the organization (the emulator has no AWS Organizations): CreateMembers
    /// by an organization's Detective administrator enables these as organization members
    /// (`InvitationType` ORGANIZATION, enabled at once) instead of inviting them.
    pub organization_accounts: BTreeSet<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            investigation_delay: DEFAULT_INVESTIGATION_DELAY,
            faults: Faults::default(),
            organization_accounts: BTreeSet::new(),
        }
    }
}

/// State shared by every connection.
struct Shared {
    config: Config,
    store: Mutex<Store>,
    faults: Mutex<Faults>,
    dice: Dice,
}

type HttpResponse = Response<Full<Bytes>>;

/// Serves the emulator on `listener` until the task is dropped or aborted. Connections live in
/// a `JoinSet` owned by this future, so stopping it closes them all.
pub async fn serve(listener: TcpListener, config: Config) {
    let seed = OffsetDateTime::now_utc().unix_timestamp_nanos() as u64;
    let shared = Arc::new(Shared {
        store: Mutex::new(Store::new(
            config.investigation_delay,
            config.organization_accounts.clone(),
        )),
        faults: Mutex::new(config.faults.clone()),
        dice: Dice::new(seed),
        config,
    });
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = shared.clone();
                connections.spawn(async move {
                    let service = service_fn(move |req| handle(shared.clone(), req));
                    // A client that goes away mid-request is not the emulator's problem.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            // Reap finished connections so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// A running emulator on its own tokio task; dropping it stops the server.
#[derive(Debug)]
pub struct RunningEmulator {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl RunningEmulator {
    /// Binds `addr` (port 0 picks a free port) and starts serving on the current runtime.
    pub async fn start(addr: SocketAddr, config: Config) -> std::io::Result<RunningEmulator> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(serve(listener, config));
        Ok(RunningEmulator { addr, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, for `endpoint_url`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A handler panic must not wedge the emulator for every later test.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn response(status: u16, body: Option<Value>) -> HttpResponse {
    let bytes = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
    let mut resp = Response::new(Full::new(bytes));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

fn request_id() -> String {
    let n = OffsetDateTime::now_utc().unix_timestamp_nanos() as u128;
    let h = format!(
        "{:032x}",
        n.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)
    );
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn error_response(err: &ApiError) -> HttpResponse {
    let mut resp = response(err.kind.status(), Some(err.body()));
    resp.headers_mut().insert(
        "x-amzn-errortype",
        HeaderValue::from_static(err.kind.type_name()),
    );
    resp
}

async fn handle(
    shared: Arc<Shared>,
    req: hyper::Request<Incoming>,
) -> Result<HttpResponse, Infallible> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return Ok(error_response(&ApiError::validation(
                "The request body could not be read",
            )));
        }
    };
    let path = parts.uri.path();
    let mut resp = if let Some(control) = path.strip_prefix("/_emulator/") {
        control_plane(&shared, &parts.method, control, &body)
    } else {
        let auth = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        let caller = Caller::from_authorization(auth);
        api_call(
            &shared,
            &parts.method,
            path,
            parts.uri.query(),
            caller,
            &body,
        )
        .await
    };
    if let Ok(v) = HeaderValue::from_str(&request_id()) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    Ok(resp)
}

async fn api_call(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: Option<&str>,
    caller: Caller,
    body: &[u8],
) -> HttpResponse {
    let Some((route, resource_arn)) = routing::route(method, path) else {
        tracing::warn!(%method, path, "no such Detective operation");
        let err = ApiError::new(
            ErrorKind::UnknownOperation,
            format!("No Detective operation at {method} {path}"),
        );
        return error_response(&err);
    };
    let faults = lock(&shared.faults).clone();
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    let result = match faults.error_for(route.operation, shared.dice.draw()) {
        Some(err) => Err(err),
        None => Input::parse(body).and_then(|input| {
            let req = Request {
                caller: caller.clone(),
                input,
                now: OffsetDateTime::now_utc(),
                resource_arn,
                query: routing::query_pairs(query),
            };
            (route.handler)(&mut lock(&shared.store), &req)
        }),
    };
    match result {
        Ok(reply) => {
            tracing::info!(operation = route.operation, account = %caller.account, region = %caller.region, "ok");
            match reply {
                Reply::Json(v) => response(200, Some(v)),
                Reply::Empty(status) => response(status, None),
            }
        }
        Err(err) => {
            tracing::info!(operation = route.operation, account = %caller.account, error = %err, "error");
            error_response(&err)
        }
    }
}

/// The non-AWS control paths: `GET health`, `GET|POST faults`, `POST reset`.
fn control_plane(shared: &Shared, method: &Method, path: &str, body: &[u8]) -> HttpResponse {
    match (method, path) {
        (&Method::GET, "health") => response(200, Some(json!({"status": "ok"}))),
        (&Method::GET, "faults") => response(200, Some(lock(&shared.faults).to_json())),
        (&Method::POST, "faults") => {
            let parsed = serde_json::from_slice::<Value>(body)
                .map_err(|e| e.to_string())
                .and_then(|v| Faults::from_json(&v));
            match parsed {
                Ok(faults) => {
                    let out = faults.to_json();
                    *lock(&shared.faults) = faults;
                    response(200, Some(out))
                }
                Err(e) => response(400, Some(json!({"error": e}))),
            }
        }
        // Back to how the emulator started: no graphs, the faults it was started with.
        (&Method::POST, "reset") => {
            *lock(&shared.store) = Store::new(
                shared.config.investigation_delay,
                shared.config.organization_accounts.clone(),
            );
            *lock(&shared.faults) = shared.config.faults.clone();
            response(200, Some(json!({"status": "reset"})))
        }
        _ => response(
            404,
            Some(json!({"error": format!("no control path {method} /_emulator/{path}")})),
        ),
    }
}
