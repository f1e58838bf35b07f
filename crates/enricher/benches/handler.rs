//! Per-event handler time over in-memory ports: a new alert rendered for three routes, a
//! duplicate suppressed, an ignored event and a malformed one. What the Lambda adds on top is
//! the network time of its AWS calls.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use watchpost_core::Config;
use watchpost_enricher::memory::{
    FixedClock, MemoryDetective, MemoryMetrics, MemoryNotifier, MemoryStore,
};
use watchpost_enricher::{Handler, Ports, Settings};

const CONFIG: &str = include_str!("../tests/testdata/enricher.toml");
const EVENT: &str = include_str!("../tests/testdata/accesskey-bedrock-anomalous-invocation.json");

fn handler_benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = Config::from_toml(CONFIG, "enricher.toml").unwrap();
    let settings = Settings::resolve(config, "enricher.toml", &|_| None).unwrap();
    let (notifier, metrics, detective, store, clock) = (
        MemoryNotifier::default(),
        MemoryMetrics::default(),
        MemoryDetective::default(),
        MemoryStore::default(),
        FixedClock::at(1_772_442_000),
    );
    let handler = Handler::new(
        settings,
        Ports {
            notifier: &notifier,
            metrics: &metrics,
            detective: &detective,
            store: &store,
            clock: &clock,
        },
    );
    let event: Value = serde_json::from_str(EVENT).unwrap();

    let mut n = 0u64;
    c.bench_function("handler/new alert, 3 routes", |b| {
        b.iter(|| {
            n += 1;
            let mut event = event.clone();
            event["detail"]["id"] = json!(format!("{n:032x}"));
            let answer = runtime.block_on(handler.handle(event, "bench")).unwrap();
            notifier.clear();
            black_box(answer)
        })
    });
    runtime
        .block_on(handler.handle(event.clone(), "bench"))
        .unwrap();
    c.bench_function("handler/duplicate suppressed", |b| {
        b.iter(|| {
            black_box(
                runtime
                    .block_on(handler.handle(event.clone(), "bench"))
                    .unwrap(),
            )
        })
    });
    let health = json!({"version": "0", "detail-type": "AWS Health Event", "source": "aws.health", "detail": {}});
    c.bench_function("handler/ignored event", |b| {
        b.iter(|| {
            black_box(
                runtime
                    .block_on(handler.handle(health.clone(), "bench"))
                    .unwrap(),
            )
        })
    });
    let malformed = json!({"detail-type": "GuardDuty Finding", "source": "aws.guardduty"});
    c.bench_function("handler/malformed event", |b| {
        b.iter(|| {
            black_box(
                runtime
                    .block_on(handler.handle(malformed.clone(), "bench"))
                    .unwrap_err(),
            )
        })
    });
}

criterion_group!(benches, handler_benches);
criterion_main!(benches);
