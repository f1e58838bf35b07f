//! The replay pipeline (parse → classify → decide → the records, or with every route's alert
//! rendered) over 10,000 mixed events (mostly GuardDuty's, and every source Watchpost reads),
//! against plain `serde_json` parsing of the same bytes:
//! how much the pipeline costs on top of reading the JSON at all, in process. `just bench`
//! runs it; the whole-process figure is `crates/cli/benches/replay.rs`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;
use watchpost_core::Config;
use watchpost_core::replay::{Replay, split_events};

const EVENTS: usize = 10_000;

#[path = "common/mixed_events.rs"]
mod mixed_events;

fn bench_replay(c: &mut Criterion) {
    let config =
        Config::from_toml(mixed_events::CONFIG, "bench.toml").expect("bench config is valid");
    bench_mix(
        c,
        "10k mixed events",
        &mixed_events::mixed_events(EVENTS),
        &config,
    );
    // Every source: Security Hub's copies (ASFF, OCSF), CloudTrail calls, usage alarms.
    bench_mix(
        c,
        "10k events of every source",
        &mixed_events::sources_mix(EVENTS),
        &config,
    );
}

/// One mix: a bare parse of its bytes beside the pipeline, records only and every alert
/// rendered.
fn bench_mix(c: &mut Criterion, name: &str, bytes: &[u8], config: &Config) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.sample_size(10);
    group.bench_function("serde_json parse only", |b| {
        b.iter(|| {
            let parsed: Vec<Value> = bytes
                .split(|&b| b == b'\n')
                .map(|line| serde_json::from_slice(line).unwrap())
                .collect();
            black_box(parsed)
        })
    });
    group.bench_function(
        "watchpost replay pipeline, records only (--format json)",
        |b| {
            b.iter(|| {
                let mut replay = Replay::new(config, 0);
                let mut subjects = 0usize;
                for event in split_events("bench", bytes) {
                    for record in replay.process(event) {
                        subjects += usize::from(record.subject.is_some());
                    }
                }
                black_box(subjects)
            })
        },
    );
    group.bench_function(
        "watchpost replay pipeline, every route rendered (--alerts)",
        |b| {
            b.iter(|| {
                let mut replay = Replay::new(config, 0).with_rendered_alerts(true);
                let mut alerts = 0usize;
                for event in split_events("bench", bytes) {
                    for record in replay.process(event) {
                        alerts += record.alerts.map_or(0, |a| a.len());
                    }
                }
                black_box(alerts)
            })
        },
    );
    group.finish();
}

criterion_group!(benches, bench_replay);
criterion_main!(benches);
