//! `watchpost replay --format json` as a whole process (start, read, pipeline, JSON Lines out)
//! over 20,000 mixed events, beside a bare `serde_json` parse of the same bytes into values in
//! this process (the floor): a row of `just bench`'s table for each mix, the mostly-GuardDuty
//! one and the one of every source Watchpost reads (Security Hub's ASFF and OCSF copies,
//! CloudTrail calls, usage alarms). Runs alternate between the two so
//! both see the same load; the figures are medians.
//!
//! `cargo bench -p watchpost-cli --bench replay`

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "../../core/benches/common/mixed_events.rs"]
mod mixed_events;

const BINARY: &str = env!("CARGO_BIN_EXE_watchpost");
const EVENTS: usize = 20_000;
const RUNS: usize = 9;
/// Under `cargo test --all-targets` (no `--bench` argument) the bench only checks it works.
const SMOKE_EVENTS: usize = 100;
const GOAL_RATIO: f64 = 0.5;

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let measuring = std::env::args().any(|a| a == "--bench");
    let (events, runs) = if measuring {
        (EVENTS, RUNS)
    } else {
        (SMOKE_EVENTS, 1)
    };
    let dir = std::env::temp_dir().join(format!("watchpost-replay-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("watchpost.toml");
    std::fs::write(&config, mixed_events::CONFIG).unwrap();
    for (mix, bytes) in [
        ("mixed events", mixed_events::mixed_events(events)),
        ("every source", mixed_events::sources_mix(events)),
    ] {
        measure(mix, &bytes, events, runs, measuring, &dir, &config);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Replays `bytes` as a whole process and parses them bare, alternately, `runs` times; prints
/// the medians as a row of the table (or a smoke line).
fn measure(
    mix: &str,
    bytes: &[u8],
    events: usize,
    runs: usize,
    measuring: bool,
    dir: &std::path::Path,
    config: &std::path::Path,
) {
    let input = dir.join("events.jsonl");
    std::fs::write(&input, bytes).unwrap();
    let replay = || {
        let mut command = Command::new(BINARY);
        command
            .args(["replay", "--format", "json", "--config"])
            .arg(config)
            .arg(&input);
        command
    };

    // Once with the output read: one record per event (none carries several findings).
    let output = replay().output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let records = output
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty());
    assert_eq!(records.count(), events, "{mix}");

    let (mut processes, mut parses) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let started = Instant::now();
        let status = replay().stdout(Stdio::null()).status().unwrap();
        processes.push(started.elapsed());
        assert!(status.success());

        let started = Instant::now();
        let parsed: Vec<Value> = bytes
            .split(|&b| b == b'\n')
            .map(|line| serde_json::from_slice(line).unwrap())
            .collect();
        parses.push(started.elapsed());
        assert_eq!(std::hint::black_box(parsed).len(), events);
    }
    let rate = |d: Duration| events as f64 / d.as_secs_f64();
    let (process, parse) = (rate(median(processes)), rate(median(parses)));
    let ratio = process / parse;
    if !measuring {
        println!(
            "smoke run, {mix}: replay {events} events: {process:.0} events/s, parse {parse:.0} events/s"
        );
        return;
    }
    let verdict = if ratio >= GOAL_RATIO {
        "met"
    } else {
        "NOT met"
    };
    println!(
        "table\treplay --format json, whole process ({events} {mix})\t{process:.0} events/s\t{parse:.0} events/s bare serde_json parse\t{ratio:.2}\t>= {GOAL_RATIO}\t{verdict}"
    );
}
