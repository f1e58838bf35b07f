//! The Lambda binary's own figures, measured through a local Runtime API host (not criterion:
//! these are one-shot measurements, printed): init time (process start to the first poll for
//! an event), peak memory (VmHWM) after 1,000 finding events, and the binary's size.
//!
//! The AWS endpoint is a closed local port, so every AWS call fails at once: each event still
//! runs the whole pipeline (state lookup, render for every route, publish attempts, metrics),
//! without the network time that would dominate otherwise.
//!
//! `cargo bench -p watchpost-enricher --bench lambda`

use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};
use watchpost_localaws::runtime_api::{Outcome, RuntimeApi, spawn_function};

const BINARY: &str = env!("CARGO_BIN_EXE_watchpost-enricher");
const CONFIG: &str = include_str!("../tests/testdata/enricher.toml");
const EVENT: &str = include_str!("../tests/testdata/accesskey-bedrock-anomalous-invocation.json");
const EVENTS: usize = 1_000;
const INIT_RUNS: usize = 5;
/// Under `cargo test --all-targets` (no `--bench` argument) the bench only checks it works.
const SMOKE_EVENTS: usize = 10;

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Reads the child's output away, so that its log lines never fill the pipe and block it.
fn drain(child: &mut tokio::process::Child) {
    use tokio::io::AsyncReadExt;
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    tokio::spawn(async move { while stdout.read(&mut [0u8; 8192]).await.is_ok_and(|n| n > 0) {} });
    tokio::spawn(async move { while stderr.read(&mut [0u8; 8192]).await.is_ok_and(|n| n > 0) {} });
}

fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let measuring = std::env::args().any(|a| a == "--bench");
    let (events, init_runs) = if measuring {
        (EVENTS, INIT_RUNS)
    } else {
        (SMOKE_EVENTS, 1)
    };
    let dir = std::env::temp_dir().join(format!("watchpost-enricher-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("watchpost.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let endpoint = closed_port();
    let env = [
        ("WATCHPOST_CONFIG", config.display().to_string()),
        ("AWS_ENDPOINT_URL", endpoint.clone()),
        ("AWS_ENDPOINT_URL_DETECTIVE", endpoint),
        ("RUST_LOG", "error".to_owned()),
    ];
    let ignored = json!({"version": "0", "detail-type": "AWS Health Event", "source": "aws.health", "detail": {}});

    let mut inits = Vec::new();
    for _ in 0..init_runs {
        let api = RuntimeApi::start().await;
        let started = Instant::now();
        let mut child = spawn_function(Path::new(BINARY), &api, &env);
        drain(&mut child);
        let outcome = api.invoke(&ignored).await;
        assert!(matches!(outcome, Outcome::Response(_)), "{outcome:?}");
        inits.push(api.first_poll().unwrap() - started);
        child.kill().await.unwrap();
    }
    inits.sort();
    println!(
        "init, process start to first poll: median {:?} (min {:?}, max {:?}, {init_runs} runs)",
        inits[init_runs / 2],
        inits[0],
        inits[init_runs - 1]
    );

    let api = RuntimeApi::start().await;
    let mut child = spawn_function(Path::new(BINARY), &api, &env);
    drain(&mut child);
    let pid = child.id().unwrap();
    api.invoke(&ignored).await;
    let after_init = vm_hwm_kib(pid);
    let event: Value = serde_json::from_str(EVENT).unwrap();
    let started = Instant::now();
    for n in 0..events {
        let mut event = event.clone();
        event["detail"]["id"] = json!(format!("{n:032x}"));
        let outcome = api.invoke(&event).await;
        assert!(
            matches!(outcome, Outcome::Error { ref error_type, .. } if error_type == "Watchpost.DeliveryFailed.Retryable"),
            "{outcome:?}"
        );
    }
    let elapsed = started.elapsed();
    let peak = vm_hwm_kib(pid);
    child.kill().await.unwrap();
    println!(
        "peak memory (VmHWM): {} KiB after init, {} KiB after {events} finding events ({:?} per event, AWS calls failing fast)",
        after_init.map_or("?".into(), |k| k.to_string()),
        peak.map_or("?".into(), |k| k.to_string()),
        elapsed / events as u32
    );
    let size = std::fs::metadata(BINARY).map(|m| m.len()).unwrap_or(0);
    println!("binary size: {} KiB ({BINARY})", size / 1024);
    let _ = std::fs::remove_dir_all(&dir);
}
