//! The Lambda binary's own figures, measured through a local Runtime API host (not criterion:
//! one-shot measurements, printed as rows of `just bench`'s table):
//!
//! - init, process start to the first poll for an event, in the environment Lambda and
//!   provisioning give the function (config file in the task root, topics, graph and table in
//!   the environment, no `RUST_LOG`), beside a bare `lambda_runtime` echo function
//!   (`crates/lambda-floor`) started the same way, interleaved, medians of each;
//! - the time per finding event and peak memory (VmHWM) over 1,000 events;
//! - the size of the deployment zip (the binary as `bootstrap`, deflated), beside the bare
//!   function's.
//!
//! `just bench` builds both binaries as the zip's are built (`cargo build --profile deploy -p
//! watchpost-enricher -p watchpost-lambda-floor`, so without the tests' dev-dependency
//! features) and names their folder in `WATCHPOST_BENCH_LAMBDA_DIR`. Without it (a plain
//! `cargo bench`), the enricher is the bench profile's build and there is no floor.
//!
//! For the per-event figure the AWS endpoint is a closed local port, so every AWS call fails at
//! once: each event still runs the whole pipeline (state lookup, render for every route, publish
//! attempts, metrics), without the network time that would dominate otherwise.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use watchpost_localaws::runtime_api::{Outcome, RuntimeApi, spawn_function};

const CONFIG: &str = include_str!("../tests/testdata/enricher.toml");
const EVENT: &str = include_str!("../tests/testdata/accesskey-bedrock-anomalous-invocation.json");
const EVENTS: usize = 1_000;
const INIT_RUNS: usize = 21;
/// Under `cargo test --all-targets` (no `--bench` argument) the bench only checks it works.
const SMOKE_EVENTS: usize = 10;
/// Goals (issue: fast where people wait).
const INIT_GOAL: Duration = Duration::from_millis(10);
const INIT_GOAL_RATIO: f64 = 3.0;
const ZIP_GOAL_BYTES: u64 = 5 * 1024 * 1024;

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

/// One row of `just bench`'s table: figure, measured, floor, ratio, goal, verdict. A smoke run
/// (debug build, no floor) prints its figure plainly: it is no measurement.
fn row(figure: &str, measured: String, floor: String, ratio: String, goal: &str, met: bool) {
    if !std::env::args().any(|a| a == "--bench") {
        println!("smoke run: {figure}: {measured}");
        return;
    }
    let verdict = if met { "met" } else { "NOT met" };
    println!("table\t{figure}\t{measured}\t{floor}\t{ratio}\t{goal}\t{verdict}");
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Process start to first poll, for one start of `binary`.
async fn init_once(binary: &Path, env: &[(&str, String)], event: &Value) -> Duration {
    let api = RuntimeApi::start().await;
    let started = Instant::now();
    let mut child = spawn_function(binary, &api, env);
    drain(&mut child);
    let outcome = api.invoke(event).await;
    assert!(matches!(outcome, Outcome::Response(_)), "{outcome:?}");
    let init = api.first_poll().unwrap() - started;
    child.kill().await.unwrap();
    init
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// The binary zipped as Lambda's `bootstrap`, deflated as the deployment zip is.
fn zip_size(binary: &Path, dir: &Path) -> u64 {
    let path = dir.join(format!(
        "{}.zip",
        binary.file_name().unwrap().to_string_lossy()
    ));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o755);
    zip.start_file("bootstrap", options).unwrap();
    zip.write_all(&std::fs::read(binary).unwrap()).unwrap();
    zip.finish().unwrap();
    std::fs::metadata(&path).unwrap().len()
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
    let built = std::env::var_os("WATCHPOST_BENCH_LAMBDA_DIR").map(PathBuf::from);
    let (enricher, floor) = match &built {
        Some(dir) => (
            dir.join("watchpost-enricher"),
            Some(dir.join("lambda-floor")),
        ),
        None => (
            PathBuf::from(env!("CARGO_BIN_EXE_watchpost-enricher")),
            None,
        ),
    };
    let dir = std::env::temp_dir().join(format!("watchpost-enricher-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("watchpost.toml"), CONFIG).unwrap();
    // What Lambda (the task root) and provisioning (topics, graph, table) set.
    let lambda_env = [
        ("LAMBDA_TASK_ROOT", dir.display().to_string()),
        (
            "WATCHPOST_TOPIC_PAGER",
            "arn:aws:sns:us-east-1:123456789012:watchpost-pager".to_owned(),
        ),
        (
            "WATCHPOST_TOPIC_CHAT",
            "arn:aws:sns:us-east-1:123456789012:watchpost-chat".to_owned(),
        ),
        (
            "WATCHPOST_TOPIC_MACHINES",
            "arn:aws:sns:us-east-1:123456789012:watchpost-machines".to_owned(),
        ),
        (
            "WATCHPOST_GRAPH_ARN",
            "arn:aws:detective:us-east-1:123456789012:graph:0123456789abcdef0123456789abcdef"
                .to_owned(),
        ),
        ("WATCHPOST_STATE_TABLE", "watchpost-alert-state".to_owned()),
    ];
    let ignored = json!({"version": "0", "detail-type": "AWS Health Event", "source": "aws.health", "detail": {}});

    // Init: the two binaries alternately, so that both see the same load.
    let (mut inits, mut floors) = (Vec::new(), Vec::new());
    for _ in 0..init_runs {
        inits.push(init_once(&enricher, &lambda_env, &ignored).await);
        if let Some(floor) = &floor {
            floors.push(init_once(floor, &[], &ignored).await);
        }
    }
    let init = median(inits);
    match floor.is_some().then(|| median(floors)) {
        Some(floor_init) => {
            let ratio = init.as_secs_f64() / floor_init.as_secs_f64();
            row(
                "enricher init (start to first poll)",
                ms(init),
                format!("{} bare lambda_runtime", ms(floor_init)),
                format!("{ratio:.1}x"),
                "<= 10 ms and <= 3x",
                init <= INIT_GOAL && ratio <= INIT_GOAL_RATIO,
            );
        }
        None => row(
            "enricher init (start to first poll)",
            ms(init),
            "(`just bench` builds the floor)".into(),
            "-".into(),
            "<= 10 ms and <= 3x",
            init <= INIT_GOAL,
        ),
    }

    let env = [
        ("LAMBDA_TASK_ROOT", dir.display().to_string()),
        ("AWS_ENDPOINT_URL", closed_port()),
        ("RUST_LOG", "error".to_owned()),
    ];
    let api = RuntimeApi::start().await;
    let mut child = spawn_function(&enricher, &api, &env);
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
        "per finding event through the Runtime API: {:?} ({events} events, AWS calls failing fast); peak memory (VmHWM) {} KiB after init, {} KiB after the events",
        elapsed / events as u32,
        after_init.map_or("?".into(), |k| k.to_string()),
        peak.map_or("?".into(), |k| k.to_string()),
    );

    if measuring {
        let size = zip_size(&enricher, &dir);
        let floor_size = floor.as_ref().map(|f| zip_size(f, &dir));
        row(
            "deployment zip (bootstrap, deflated)",
            mib(size),
            floor_size.map_or("-".into(), |f| format!("{} bare lambda_runtime", mib(f))),
            floor_size.map_or("-".into(), |f| format!("{:.1}x", size as f64 / f as f64)),
            "<= 5 MiB",
            size <= ZIP_GOAL_BYTES,
        );
        println!(
            "zip measured for {} ({}); the deployed one is arm64 (`just lambda`)",
            std::env::consts::ARCH,
            enricher.display()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
