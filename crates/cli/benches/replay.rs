//! `watchpost replay --format json` as a whole process (start, read, pipeline, JSON Lines out)
//! over 20,000 mixed events, beside a bare `serde_json` parse of the same bytes into values in
//! this process (the floor): one row of `just bench`'s table. Runs alternate between the two so
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
    let bytes = mixed_events::mixed_events(events);
    let input = dir.join("events.jsonl");
    let config = dir.join("watchpost.toml");
    std::fs::write(&input, &bytes).unwrap();
    std::fs::write(&config, mixed_events::CONFIG).unwrap();
    let replay = || {
        let mut command = Command::new(BINARY);
        command
            .args(["replay", "--format", "json", "--config"])
            .arg(&config)
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
    assert_eq!(records.count(), events);

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
            "smoke run: replay {events} events: {process:.0} events/s, parse {parse:.0} events/s"
        );
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let verdict = if ratio >= GOAL_RATIO {
        "met"
    } else {
        "NOT met"
    };
    println!(
        "table\treplay --format json, whole process ({events} events)\t{process:.0} events/s\t{parse:.0} events/s bare serde_json parse\t{ratio:.2}\t>= {GOAL_RATIO}\t{verdict}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
